"""Gestion des collectivités, Qt-free: every tab's settings read and written through the
services, on SQLite and PostgreSQL. Refused values leave the database as it was."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from corail.db.models import Budget, Parametre, PosteComptable, Train
from corail.errors import NotFound, ValidationError
from corail.services.collectivites import (
    ajouter_budget, clore_exercice, definir_exercice_courant, enregistrer_taux,
    lister_exercices_detail, lister_taux, lire_taux, ouvrir_exercice, rouvrir_exercice,
    supprimer_taux, taux_interets_au,
)
from corail.services.compteurs import prendre_numero
from corail.services.reglages import (
    BudgetReglage, CollectiviteReglage, ReglageDefaut, ReglageDelais, TransfertReglage,
    TresorerieReglage, choix_defaut, enregistrer_budget, enregistrer_collectivite,
    enregistrer_defaut, enregistrer_reglage, enregistrer_tresorerie, enregistrer_transfert,
    fixer_numerotation, lire_budget, lire_collectivite, lire_defaut, lire_reglage,
    lire_transfert, lire_tresorerie, lister_numerotation,
)
from corail.services.reglages_demat import (
    AsapReglage, ProtocoleReglage, RecuperationReglage, asap_depuis_corail, enregistrer_asap,
    enregistrer_protocole, enregistrer_recuperation, lire_asap, lire_parametre, lire_protocole,
    lire_recuperation,
)

SIRET_COMMUNE = "21310555400017"
AUTRE_SIRET = "21450123100010"


# --- Exercice ----------------------------------------------------------------------------

def test_exercices_ouvrir_definir_courant_clore_rouvrir(session, ctx):
    ouvrir_exercice(session, ctx, 2027, courant=False)
    assert [(e.annee, e.courant, e.clos) for e in lister_exercices_detail(session, ctx)] == [
        (2026, True, False), (2027, False, False)]
    definir_exercice_courant(session, ctx, 2027)
    clore_exercice(session, ctx, 2026)
    e2026, e2027 = lister_exercices_detail(session, ctx)
    assert (e2026.clos, e2026.date_cloture, e2026.etat) == (True, date(2026, 10, 15), "Clos")
    assert e2027.courant and not e2026.courant
    rouvrir_exercice(session, ctx, 2026)
    assert not lister_exercices_detail(session, ctx)[0].clos


def test_exercice_refus(session, ctx):
    with pytest.raises(ValidationError, match="existe déjà"):
        ouvrir_exercice(session, ctx, 2026)
    with pytest.raises(ValidationError, match="Exercice invalide"):
        ouvrir_exercice(session, ctx, 1999)
    with pytest.raises(ValidationError, match="exercice courant"):
        clore_exercice(session, ctx, 2026)
    with pytest.raises(NotFound, match="2030"):
        definir_exercice_courant(session, ctx, 2030)
    ouvrir_exercice(session, ctx, 2025, courant=False)
    clore_exercice(session, ctx, 2025)
    with pytest.raises(ValidationError, match="clos"):
        definir_exercice_courant(session, ctx, 2025)
    with pytest.raises(ValidationError, match="n'est pas clos"):
        rouvrir_exercice(session, ctx, 2026)


# --- Trésorerie, collectivité --------------------------------------------------------------

def test_tresorerie_modifiee_puis_autre_poste(session, ctx):
    r = replace(lire_tresorerie(session, ctx), nom="SGC de Toulouse", adresse1="1 rue du Trésor",
                code_postal="31000", ville="Toulouse", email="sgc.toulouse@dgfip.finances.gouv.fr",
                telephone="05 61 00 00 00")
    enregistrer_tresorerie(session, ctx, r)
    assert lire_tresorerie(session, ctx) == r
    enregistrer_tresorerie(session, ctx, replace(r, id_post="031099"))
    assert lire_tresorerie(session, ctx).id_post == "031099"
    ancien = session.scalars(select(PosteComptable).where(PosteComptable.id_post == "031000")).one()
    assert ancien.nom == "SGC de Toulouse"  # a shared poste is never renumbered


@pytest.mark.parametrize("champ, valeur, message", [
    ("id_post", "31000", "IdPost"), ("nom", " ", "Nom du poste comptable manquant"),
    ("email", "pas-une-adresse", "E-mail"), ("code_postal", "3100", "Code postal"),
])
def test_tresorerie_refusee(session, ctx, champ, valeur, message):
    avant = lire_tresorerie(session, ctx)
    with pytest.raises(ValidationError, match=message):
        enregistrer_tresorerie(session, ctx, replace(avant, **{champ: valeur}))
    assert lire_tresorerie(session, ctx) == avant


def test_collectivite(session, ctx):
    r = replace(lire_collectivite(session, ctx), nom="Commune de Test", ville="Toulouse",
                categorie="Commune", nature_juridique="09")
    enregistrer_collectivite(session, ctx, r)
    assert lire_collectivite(session, ctx) == r
    with pytest.raises(ValidationError, match="SIRET de la collectivité"):
        enregistrer_collectivite(session, ctx, replace(r, siret="21310555400018"))


# --- Transfert and Facture dématérialisée ---------------------------------------------------

def test_transfert(session, ctx, tmp_path):
    t = lire_transfert(session, ctx)
    assert (t.protocole, t.code_col, t.code_bud, t.transmettre_pes) == ("Indigo-Ocre", "123", "01", False)
    nouveau = replace(t, protocole="RCT", avec_seuil_helios=False, transmettre_pes=True,
                      repertoire_transfert=str(tmp_path), signer=True, iconnect=True,
                      repertoire_flux=str(tmp_path), generation_asap=True)
    enregistrer_transfert(session, ctx, nouveau)
    assert lire_transfert(session, ctx) == nouveau


@pytest.mark.parametrize("changement, message", [
    (dict(protocole="Autre"), "Protocole inconnu"),
    (dict(transmettre_pes=True), "Répertoire de transfert manquant"),
    (dict(repertoire_flux="/nulle/part/corail"), "flux pivots introuvable"),
    (dict(recuperation_auto=True), "mode service"),
])
def test_transfert_refuse(session, ctx, changement, message):
    avant = lire_transfert(session, ctx)
    with pytest.raises(ValidationError, match=message):
        enregistrer_transfert(session, ctx, replace(avant, **changement))
    assert lire_transfert(session, ctx) == avant


def test_recuperation_par_siret_sans_mot_de_passe(session, ctx):
    r = lire_recuperation(session, ctx)
    assert (r.siret, r.mode, r.url) == (SIRET_COMMUNE, "portail", "https://sandbox-api.piste.gouv.fr")
    with pytest.raises(ValidationError, match="Compte"):
        enregistrer_recuperation(session, ctx, replace(r, mode="service"))
    enregistrer_recuperation(session, ctx, replace(r, mode="service", environnement="production",
                                                   compte="TECH_21310555400017", automatique=True))
    lu = lire_recuperation(session, ctx)
    assert (lu.url, lu.url_oauth, lu.automatique) == (
        "https://api.piste.gouv.fr", "https://oauth.piste.gouv.fr/api/oauth/token", True)
    assert lire_transfert(session, ctx).recuperation_auto
    stocke = session.scalars(select(Parametre.valeur).where(Parametre.cle.like("recuperation%"))).one()
    assert "mot" not in stocke and "TECH_21310555400017" in stocke
    # a budget annexe with the same SIRET shares the structure's settings
    annexe = ajouter_budget(session, ctx, libelle="Eau", code_bud="02")
    assert lire_recuperation(session, replace(ctx, budget_id=annexe.id)).compte == "TECH_21310555400017"


def test_recuperation_url_personnalisee(session, ctx):
    r = replace(lire_recuperation(session, ctx), environnement="personnalisee")
    with pytest.raises(ValidationError, match="https"):
        enregistrer_recuperation(session, ctx, replace(r, url="http://exemple.fr"))
    propre = enregistrer_recuperation(session, ctx, replace(r, url=" https://tdt.exemple.fr/cpro/ "))
    assert propre.url == "https://tdt.exemple.fr/cpro" and propre.url_oauth is None


def test_asap_recup_parametrage_puis_enregistrement(session, ctx):
    enregistrer_tresorerie(session, ctx, replace(lire_tresorerie(session, ctx), nom="SGC Toulouse",
                                                 ville="Toulouse", code_postal="31000"))
    enregistrer_collectivite(session, ctx, replace(lire_collectivite(session, ctx),
                                                   categorie="Commune", code_postal="31555"))
    vide = lire_asap(session, ctx)
    assert vide == AsapReglage()
    rempli = asap_depuis_corail(session, ctx, replace(vide, horaires_ouverture="Lun-ven 9h-12h"))
    assert (rempli.collectivite, rempli.categorie, rempli.tresorerie_nom, rempli.horaires_ouverture) == (
        "COMMUNE TEST", "23", "SGC Toulouse", "Lun-ven 9h-12h")
    assert lire_asap(session, ctx) == vide  # Récup. paramétrage saves nothing
    with pytest.raises(ValidationError, match="Signataire par défaut"):
        enregistrer_asap(session, ctx, rempli)
    final = replace(rempli, signataire_nom="DUPONT", signataire_prenom="Marie",
                    signataire_fonction="Maire", modalites_reglement="Par virement au Trésor public",
                    mode_recouvrement="tip", ref_bdf="FR12ZZZ123456")
    enregistrer_asap(session, ctx, final)
    assert lire_asap(session, ctx) == final
    with pytest.raises(ValidationError, match="Horaires d'ouverture trop long"):
        enregistrer_asap(session, ctx, replace(final, horaires_ouverture="x" * 39))


def test_protocole(session, ctx):
    enregistrer_protocole(session, ctx, ProtocoleReglage("COMMUNE TEST BP", "123456789"))
    assert lire_protocole(session, ctx) == ProtocoleReglage("COMMUNE TEST BP", "123456789")
    with pytest.raises(ValidationError, match="FinJur"):
        enregistrer_protocole(session, ctx, ProtocoleReglage("", "12A"))


# --- Budget --------------------------------------------------------------------------------

def test_budget_modifie_et_services_chorus(session, ctx):
    annexe = ajouter_budget(session, ctx, libelle="Eau et assainissement", code_bud="02",
                            services_chorus=("EAU",))
    r = replace(lire_budget(session, ctx), libelle="Budget principal de la commune",
                assujetti_tva=True, services_chorus=("MAIRIE", "ECOLES"), budget_rattache_id=None)
    enregistrer_budget(session, ctx, r)
    assert lire_budget(session, ctx) == replace(r, services_chorus=("ECOLES", "MAIRIE"))  # in code order, always
    assert session.get(Budget, ctx.budget_id).services_chorus[0].code in ("ECOLES", "MAIRIE")
    # same SIRET: a service code cannot route to two budgets
    with pytest.raises(ValidationError, match="EAU.*même SIRET"):
        enregistrer_budget(session, ctx, replace(r, services_chorus=("MAIRIE", "EAU")))
    ctx_annexe = replace(ctx, budget_id=annexe.id)
    enregistrer_budget(session, ctx_annexe, replace(lire_budget(session, ctx_annexe),
                                                    budget_rattache_id=ctx.budget_id))
    assert lire_budget(session, ctx_annexe).budget_rattache_id == ctx.budget_id


@pytest.mark.parametrize("changement, message", [
    (dict(siret="21310555400018"), "clé de contrôle"),
    (dict(nomenclature="M14"), "Nomenclature M14 non disponible"),
    (dict(code_bud="02"), "02 existe déjà"),
    (dict(libelle=""), "Libellé du budget manquant"),
    (dict(services_chorus=("A", "A")), "en double"),
])
def test_budget_refuse(session, ctx, changement, message):
    ajouter_budget(session, ctx, libelle="Eau", code_bud="02")
    avant = lire_budget(session, ctx)
    with pytest.raises(ValidationError, match=message):
        enregistrer_budget(session, ctx, replace(avant, **changement))
    assert lire_budget(session, ctx) == avant


def test_budget_rattache_refuse(session, ctx):
    with pytest.raises(ValidationError, match="lui-même"):
        enregistrer_budget(session, ctx, replace(lire_budget(session, ctx),
                                                 budget_rattache_id=ctx.budget_id))


def test_budgets_partagent_un_siret(session, ctx):
    annexe = ajouter_budget(session, ctx, libelle="CCAS", code_bud="03", siret=AUTRE_SIRET)
    ctx_annexe = replace(ctx, budget_id=annexe.id)
    enregistrer_budget(session, ctx_annexe, replace(lire_budget(session, ctx_annexe),
                                                    siret=SIRET_COMMUNE))
    assert lire_budget(session, ctx_annexe).siret == SIRET_COMMUNE


# --- Réglage, taux ---------------------------------------------------------------------------

def test_reglage_delais(session, ctx):
    assert lire_reglage(session, ctx) == ReglageDelais(None, 30, Decimal("40.00"))
    enregistrer_reglage(session, ctx, ReglageDelais(Decimal("3277.42"), 30, Decimal("40")))
    assert lire_reglage(session, ctx).seuil_marches == Decimal("3277.42")
    with pytest.raises(ValidationError, match="Délai global de paiement"):
        enregistrer_reglage(session, ctx, ReglageDelais(None, 0, Decimal("40")))
    with pytest.raises(ValidationError, match="Seuil"):
        enregistrer_reglage(session, ctx, ReglageDelais(Decimal("-1"), 30, Decimal("40")))
    assert lire_reglage(session, ctx).seuil_marches == Decimal("3277.42")


def test_taux_table_datee(session, ctx):
    assert lire_taux("2,15 %") == Decimal("2.15")
    with pytest.raises(ValidationError, match="illisible"):
        lire_taux("deux")
    with pytest.raises(ValidationError, match="4 décimales"):
        lire_taux("2,123456")
    lignes = lister_taux(session)
    assert lignes[-1].taux_applicable == Decimal("10.15")
    ajoute = enregistrer_taux(session, ctx, date_debut=date(2026, 7, 1), taux_bce=Decimal("2.40"))
    assert taux_interets_au(session, date(2026, 8, 1)) == Decimal("10.40")
    with pytest.raises(ValidationError, match="commence déjà le 01/07/2026"):
        enregistrer_taux(session, ctx, date_debut=date(2026, 7, 1), taux_bce=Decimal("1"))
    enregistrer_taux(session, ctx, date_debut=date(2026, 7, 1), taux_bce=Decimal("2.5"),
                     majoration=Decimal("8"), taux_id=ajoute.id)
    assert taux_interets_au(session, date(2026, 8, 1)) == Decimal("10.5")
    with pytest.raises(ValidationError, match="Majoration"):
        enregistrer_taux(session, ctx, date_debut=date(2027, 1, 1), taux_bce=Decimal("2"),
                         majoration=Decimal("-1"))
    supprimer_taux(session, ctx, ajoute.id)
    assert len(lister_taux(session)) == len(lignes)
    with pytest.raises(NotFound):
        supprimer_taux(session, ctx, ajoute.id)


# --- Défaut ------------------------------------------------------------------------------------

def test_defaut(session, ctx):
    assert lire_defaut(session, ctx) == ReglageDefaut("60632", "03", "Normal")
    choix = choix_defaut(session, ctx)
    assert ("6064", "Fournitures administratives") in choix.articles
    assert "7067" not in dict(choix.articles) and choix.trains == ("Normal",)
    assert dict(choix.modes_reglement)["10"] == "Prélèvement"
    enregistrer_defaut(session, ctx, ReglageDefaut("6064", "02", "Normal"))
    assert lire_defaut(session, ctx) == ReglageDefaut("6064", "02", "Normal")


@pytest.mark.parametrize("changement, message", [
    (dict(article="99999"), "Article 99999 absent de la nomenclature M57"),
    (dict(article="7067"), "article de recette"),
    (dict(mode_reglement="99"), "Mode de règlement inconnu"),
    (dict(train="attente"), "train d'attente"),
    (dict(train="Fantôme"), "Train inconnu"),
])
def test_defaut_refuse(session, ctx, changement, message):
    with pytest.raises(ValidationError, match=message):
        enregistrer_defaut(session, ctx, replace(ReglageDefaut("6064", "03", "Normal"), **changement))
    assert lire_defaut(session, ctx) == ReglageDefaut("60632", "03", "Normal")
    assert session.scalars(select(Train.nom).where(Train.attente.is_(True))).all() == ["attente"]


# --- Numérotation -------------------------------------------------------------------------------

def test_numerotation_modifiable_jusqu_au_premier_numero(session, ctx):
    fixer_numerotation(session, ctx, 2026, "mandat", 120)
    etats = {e.nature: e for e in lister_numerotation(session, ctx, 2026)}
    assert (etats["mandat"].prochain, etats["mandat"].utilise) == (120, False)
    assert prendre_numero(session, ctx.budget_id, 2026, "mandat") == 120
    etats = {e.nature: e for e in lister_numerotation(session, ctx, 2026)}
    assert (etats["mandat"].prochain, etats["mandat"].utilise) == (121, True)
    with pytest.raises(ValidationError, match="ne peut plus être modifié"):
        fixer_numerotation(session, ctx, 2026, "mandat", 500)
    with pytest.raises(ValidationError, match="numéro invalide"):
        fixer_numerotation(session, ctx, 2026, "titre", 0)
    with pytest.raises(NotFound, match="2031"):
        lister_numerotation(session, ctx, 2031)


def test_parametres_portent_leur_portee(session, ctx):
    enregistrer_protocole(session, ctx, ProtocoleReglage("BP", ""))
    assert lire_parametre(session, "protocole_pes", budget_id=ctx.budget_id) == {
        "fin_jur": "", "libelle_col_bud": "BP"}
    assert lire_parametre(session, "protocole_pes", collectivite_id=ctx.collectivite_id) is None


def test_recuperation_par_defaut_est_mode_portail():
    assert RecuperationReglage().mode == "portail"
    assert TransfertReglage().protocole == "Indigo-Ocre"
    assert CollectiviteReglage("X", SIRET_COMMUNE).categorie == ""
    assert TresorerieReglage("031000", "T").adresse1 == ""
    assert BudgetReglage("B", SIRET_COMMUNE, "123", "01").nomenclature == "M57"
