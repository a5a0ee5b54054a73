"""What the Recettes screens read (``services/recettes_ui``): the trains counted on titres only,
the ASAP paramétrage's missing fields, the titres of a bordereau that have an ASAP."""
from __future__ import annotations

from decimal import Decimal

from corail.services.asap import saisir_asap
from corail.services.mandats import ImputationSaisie, MandatSaisie, creer_mandat, valider_mandat
from corail.services.numerotation import lister_bordereaux
from corail.services.recettes_ui import (
    contexte_titres, parametrage_asap_manquant, titres_avec_asap, trains_des_titres,
)
from corail.services.titres import valider_titre
from tests.asap_fixtures import LIGNES, debiteur_public, parametrer, titre_asap


def test_trains_comptes_sur_les_titres_seulement(session, ctx):
    tiers = debiteur_public(session, ctx)
    mandat = creer_mandat(session, ctx, MandatSaisie(tiers, (ImputationSaisie("60632", Decimal("99.00")),),
                                                     mode_reglement="01"))
    valider_mandat(session, ctx, mandat.ligne.id)  # a validated mandat in Normal: not counted
    valide = titre_asap(session, ctx, tiers, Decimal("12.34"), numeroter=False)
    valider_titre(session, ctx, valide)
    titre_asap(session, ctx, tiers, Decimal("420.00"), numeroter=False)  # stays a draft
    normal = next(t for t in trains_des_titres(session, ctx) if t.nom == "Normal")
    assert (normal.valides, normal.brouillons, normal.montant_a_numeroter) == (1, 1, Decimal("12.34"))
    assert normal.defaut
    c = contexte_titres(session, ctx)
    assert c.article_defaut == "758" and c.assujetti_tva is False


def test_parametrage_manquant_puis_complet(session, ctx):
    manquants = parametrage_asap_manquant(session, ctx)
    assert "Horaires d'ouverture" in manquants and len(manquants) > 5
    parametrer(session, ctx)
    assert parametrage_asap_manquant(session, ctx) == []
    parametrer(session, ctx, horaires_ouverture="")
    assert parametrage_asap_manquant(session, ctx) == ["Horaires d'ouverture"]


def test_titres_avec_asap_d_un_bordereau(session, ctx):
    parametrer(session, ctx)
    tiers = debiteur_public(session, ctx)
    avec = titre_asap(session, ctx, tiers)  # numbered: bordereau 1
    saisir_asap(session, ctx, avec, LIGNES)
    titre_asap(session, ctx, tiers)  # bordereau 2, no ASAP
    bordereaux = {b.numero: b.id for b in lister_bordereaux(session, ctx)}
    assert titres_avec_asap(session, ctx, [bordereaux[1], bordereaux[2]]) == [(avec, 1)]
    assert titres_avec_asap(session, ctx, [bordereaux[2]]) == []
