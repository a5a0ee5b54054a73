"""The list of mandats (``lister_mandats``: one statement of plain columns, for the 10,000 mandats
of a town): its rows, filters and order; the budget's trains without their counts."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import update

from corail.db.models import TITRE, Piece, Tiers
from corail.services.habilitations import HabilitationManquante
from corail.services.mandats import (
    ImputationSaisie, MandatSaisie, creer_mandat, lister_mandats, valider_mandat,
)
from corail.services.numerotation import annuler_mandat, numeroter
from corail.services.trains import creer_train, deplacer_mandats, lister_trains, trains_du_budget


def _tiers(session, ctx, nom: str) -> int:
    t = Tiers(collectivite_id=ctx.collectivite_id, nom=nom, cree_le=ctx.now())
    session.add(t)
    session.flush()
    return t.id


def _mandat(session, ctx, tiers_id: int, objet: str, montant: str) -> int:
    saisie = MandatSaisie(tiers_id=tiers_id, objet=objet, mode_reglement="02",
                          imputations=(ImputationSaisie("6281", Decimal(montant), "Cotisation"),))
    return creer_mandat(session, ctx, saisie).ligne.id


@pytest.fixture
def exercice(session, ctx):
    """Drafts, validated and numbered mandats, an annulation, two trains, a tiers-less piece,
    and pieces that are not the exercice's mandats (a titre, another year)."""
    fetes = _tiers(session, ctx, "Comité des fêtes")
    eau = _tiers(session, ctx, "Régie de l'eau")
    creer_train(session, ctx, "Investissement")
    ids = [_mandat(session, ctx, fetes if i % 2 else eau, f"Objet {i}", f"{100 + i}.5{i}")
           for i in range(7)]
    deplacer_mandats(session, ctx, [ids[5]], "Investissement")
    for lot in ((ids[3], ids[4]), (ids[1], ids[2], ids[6])):  # numbers not in the order of ids
        for i in lot:
            valider_mandat(session, ctx, i)
        numeroter(session, ctx)
    reduction = annuler_mandat(session, ctx, ids[1], motif="Erreur de quantité", montant=Decimal("20.00"))
    sans_tiers = _mandat(session, ctx, eau, "Sans tiers", "12.00")
    session.execute(update(Piece).where(Piece.id == sans_tiers).values(tiers_id=None))
    autre_annee = _mandat(session, ctx, fetes, "Exercice suivant", "1.00")
    session.execute(update(Piece).where(Piece.id == autre_annee).values(annee=ctx.exercice + 1))
    titre = _mandat(session, ctx, fetes, "Un titre", "2.00")
    session.execute(update(Piece).where(Piece.id == titre).values(type_piece=TITRE))
    session.expire_all()
    return {"mandats": ids, "reduction": reduction, "sans_tiers": sans_tiers,
            "hors_liste": {autre_annee, titre}}


def test_lignes_et_ordre(session, ctx, exercice):
    lignes = lister_mandats(session, ctx)
    ids = [m.id for m in lignes]
    assert not exercice["hors_liste"] & set(ids)
    m = exercice["mandats"]
    numerotes = [ligne for ligne in lignes if ligne.numero is not None]
    assert [ligne.numero for ligne in numerotes] == list(range(1, 6))
    assert [ligne.id for ligne in numerotes] == [m[3], m[4], m[1], m[2], m[6]]
    assert ids[5:] == [m[0], m[5], exercice["reduction"], exercice["sans_tiers"]]  # then by id
    par_id = {m.id: m for m in lignes}
    assert par_id[exercice["sans_tiers"]].tiers == ""
    reduction = par_id[exercice["reduction"]]
    assert reduction.montant == Decimal("-20.00") and reduction.etat == "valide"
    assert isinstance(reduction.montant, Decimal) and isinstance(reduction.regularisation, bool)
    assert par_id[m[5]].train == "Investissement" and par_id[m[0]].etat == "brouillon"
    assert {m.tiers for m in numerotes} == {"Comité des fêtes", "Régie de l'eau"}


@pytest.mark.parametrize("filtre", [{"etat": "brouillon"}, {"etat": "numerote"}, {"etat": "valide"},
                                    {"train": "Investissement"}, {"train": "Normal"},
                                    {"etat": "brouillon", "train": "Investissement"},
                                    {"etat": "rejete"}, {"train": "inconnu"}])
def test_filtres(session, ctx, exercice, filtre):
    lignes = lister_mandats(session, ctx, **filtre)
    attendu = [m for m in lister_mandats(session, ctx)
               if all(getattr(m, cle) == valeur for cle, valeur in filtre.items())]
    assert lignes == attendu
    assert all(getattr(m, "etat" if cle == "etat" else "train") == valeur
               for m in lignes for cle, valeur in filtre.items())


def test_trains_du_budget_et_habilitation(session, ctx, exercice):
    assert trains_du_budget(session, ctx) == tuple((t.nom, t.attente) for t in lister_trains(session, ctx))
    assert ("Investissement", False) in trains_du_budget(session, ctx)
    assert any(attente for _nom, attente in trains_du_budget(session, ctx))
    autre = replace(ctx, utilisateur="personne")
    for lire in (lister_mandats, trains_du_budget):
        with pytest.raises(HabilitationManquante, match="inconnu de Corail"):
            lire(session, autre)


def test_un_autre_exercice(session, ctx, exercice):
    suivant = lister_mandats(session, replace(ctx, exercice=ctx.exercice + 1))
    assert [m.objet for m in suivant] == ["Exercice suivant"]
    assert lister_mandats(session, replace(ctx, exercice=ctx.exercice - 1)) == []
