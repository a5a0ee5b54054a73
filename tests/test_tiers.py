"""Tiers and their bank accounts (services, on every engine): identifiers checked, one tiers per
SIRET, RIB converted to IBAN, BIC rule, history of IBAN changes, search."""
from datetime import date

import pytest
from sqlalchemy import func, select

from corail.context import Context, FixedClock
from corail.dates import UTC
from corail.db.models import CompteBancaire, Tiers
from corail.domain.identifiants import (
    CATEGORIES_TIERS, NATURES_JURIDIQUES, TYPES_IDENTIFIANT, lire_iban,
)
from corail.errors import NotFound, ValidationError
from corail.services.tiers import (
    CompteSaisie, TiersSaisie, ajouter_compte, changer_iban, creer_tiers, definir_principal,
    lire_tiers, modifier_compte, modifier_tiers, rechercher_tiers, retirer_compte,
    trouver_par_siret,
)
from corail.services.utilisateurs import creer_utilisateur

SIRET_MARTIN = "31245678300017"
RIB_MARTIN = "30004 00825 00012345678 86"
IBAN_MARTIN = "FR7630004008250001234567886"
IBAN_PAPETERIE = "FR7610278372000001234560137"
IBAN_ALLEMAND = "DE89370400440532013000"


def martin(**kw) -> TiersSaisie:
    valeurs = dict(nom="Quincaillerie Martin SARL", identifiant="312 456 783 00017",
                   adresse1="12 rue de la République", code_postal="45000", ville="Orléans",
                   email="compta@martin.fr", telephone="02 38 00 00 00")
    valeurs.update(kw)
    return TiersSaisie(**valeurs)


def nombre(session, modele) -> int:
    return session.scalar(select(func.count()).select_from(modele))


def test_codes_pes_du_schema():
    assert TYPES_IDENTIFIANT["01"] == "SIRET" and TYPES_IDENTIFIANT["09"] == "En cours d'immatriculation"
    assert list(CATEGORIES_TIERS)[:3] == ["01", "20", "21"] and len(CATEGORIES_TIERS) == 23
    assert CATEGORIES_TIERS["60"] == "Personnes morales de droit privé autres qu'organismes sociaux"
    assert list(NATURES_JURIDIQUES) == [f"{n:02d}" for n in range(1, 12)]
    assert NATURES_JURIDIQUES["03"] == "Société"


def test_creer_un_tiers_avec_son_rib(session, ctx):
    detail = creer_tiers(session, ctx, martin(), [CompteSaisie(RIB_MARTIN, titulaire="Martin")])
    assert detail.siret == SIRET_MARTIN and detail.identifiant == SIRET_MARTIN
    assert (detail.cat_tiers, detail.nat_jur, detail.type_identifiant) == ("60", "03", "01")
    (compte,) = detail.comptes
    assert compte.iban == IBAN_MARTIN and compte.principal and compte.origine == "rib"
    assert compte.iban_affiche == "FR76 3000 4008 2500 0123 4567 886"
    assert (compte.date_debut, compte.date_fin, compte.cree_par) == (date(2026, 10, 15), None, "agent.test")
    assert lire_tiers(session, ctx, detail.id) == detail
    assert trouver_par_siret(session, ctx, "312 456 783 00017") == detail
    assert trouver_par_siret(session, ctx, "21310555400017") is None


def test_meme_siret_refuse_en_nommant_le_tiers(session, ctx):
    premier = creer_tiers(session, ctx, martin())
    with pytest.raises(ValidationError, match=r"SIRET 31245678300017 déjà utilisé par le tiers "
                                              r"« Quincaillerie Martin SARL »"):
        creer_tiers(session, ctx, martin(nom="Martin bis"))
    autre = creer_tiers(session, ctx, martin(nom="Papeterie du Centre", identifiant="55213467800010"))
    with pytest.raises(ValidationError, match="déjà utilisé par le tiers « Quincaillerie Martin SARL »"):
        modifier_tiers(session, ctx, autre.id, martin(nom="Papeterie du Centre"))
    assert modifier_tiers(session, ctx, premier.id, martin(ville="Olivet")).ville == "Olivet"
    assert nombre(session, Tiers) == 2


def test_meme_siret_accepte_dans_une_autre_collectivite(db, session, ctx):
    from tests.conftest import init_collectivite

    creer_tiers(session, ctx, martin())
    session.commit()
    autre = init_collectivite(db, nom="AUTRE COMMUNE", siret="21450123100010", code_col="045")
    with db.transaction() as s2:
        assert creer_tiers(s2, autre, martin()).siret == SIRET_MARTIN
        assert trouver_par_siret(s2, autre, SIRET_MARTIN).id != trouver_par_siret(s2, ctx, SIRET_MARTIN).id


@pytest.mark.parametrize("saisie, message", [
    (martin(identifiant="31245678300018"), r"SIRET invalide : « 31245678300018 » \(clé de contrôle"),
    (martin(identifiant="3124567830001"), r"SIRET invalide .* \(14 chiffres attendus\)"),
    (martin(type_identifiant="02", identifiant="312456784"), "SIREN invalide"),
    (martin(type_identifiant="05", identifiant="FR41303265045"), "TVA intracommunautaire invalide"),
    (martin(type_identifiant="", identifiant="123"), "Type d'identifiant manquant"),
    (martin(identifiant=""), r"Identifiant manquant \(SIRET\)"),
    (martin(nom="  "), "Nom du tiers manquant"),
    (martin(nom="x" * 101), r"Nom trop long : 101 caractères \(100 au plus\)"),
    (martin(cat_tiers="99"), r"Catégorie de tiers \(CatTiers\) : code « 99 » inconnu"),
    (martin(nat_jur=""), r"Nature juridique \(NatJur\) manquante"),
    (martin(code_postal="4500"), "Code postal invalide : « 4500 »"),
    (martin(email="compta.martin.fr"), "E-mail invalide"),
    (martin(telephone="appeler Paul"), "Téléphone invalide"),
])
def test_saisie_refusee_rien_n_est_ecrit(session, ctx, saisie, message):
    with pytest.raises(ValidationError, match=message):
        creer_tiers(session, ctx, saisie)
    assert nombre(session, Tiers) == 0


def test_identifiants_autres_que_siret(session, ctx):
    tva = creer_tiers(session, ctx, martin(type_identifiant="05", identifiant="FR 40 303265045"))
    assert (tva.identifiant, tva.siret) == ("FR40303265045", None)
    en_cours = creer_tiers(session, ctx, martin(nom="Nouvelle SAS", type_identifiant="09", identifiant=""))
    assert en_cours.identifiant is None
    particulier = creer_tiers(session, ctx, TiersSaisie(
        nom="DUPONT", prenom="Marie", civilite="Mme", type_identifiant="", cat_tiers="01",
        nat_jur="01", code_postal="45100", ville="Saint-Aubin-sur-Corail"))
    assert particulier.nom_complet == "Mme DUPONT Marie" and particulier.type_identifiant is None
    etranger = creer_tiers(session, ctx, martin(nom="Berliner GmbH", type_identifiant="06",
                                                identifiant="HRB 12345", code_pays="DE",
                                                code_postal="10115", ville="Berlin"))
    assert etranger.code_pays == "DE" and etranger.identifiant == "HRB 12345"


@pytest.mark.parametrize("compte, message", [
    (CompteSaisie("FR7630004008250001234567887"), r"IBAN invalide .* \(clé de contrôle incorrecte\)"),
    (CompteSaisie("FR76300040082500012345678"), r"un IBAN FR compte 27 caractères, 25 saisis"),
    (CompteSaisie("30004 00825 00012345678 87"), r"IBAN : RIB invalide .* \(clé RIB incorrecte\)"),
    (CompteSaisie(""), "IBAN manquant"),
    (CompteSaisie(IBAN_ALLEMAND), r"BIC manquant : obligatoire pour un IBAN hors de France \(DE\)"),
    (CompteSaisie(IBAN_ALLEMAND, bic="DEUTDEF"), "BIC invalide : « DEUTDEF »"),
    (CompteSaisie(IBAN_MARTIN, bic="BNP"), "BIC invalide"),
])
def test_compte_refuse_rien_n_est_ecrit(session, ctx, compte, message):
    with pytest.raises(ValidationError, match=message):
        creer_tiers(session, ctx, martin(), [compte])
    assert nombre(session, Tiers) == 0 and nombre(session, CompteBancaire) == 0


def test_rib_et_iban_lus_dans_le_champ_iban():
    assert lire_iban("30004-00825-00012345678-86") == (IBAN_MARTIN, True)
    assert lire_iban("fr76 3000 4008 2500 0123 4567 886") == (IBAN_MARTIN, False)
    with pytest.raises(ValidationError, match="clé RIB incorrecte"):  # mod 97 right, RIB key wrong
        lire_iban("FR4930004008250001234567887")


def test_bic_facultatif_en_france_obligatoire_ailleurs(session, ctx):
    t = creer_tiers(session, ctx, martin(), [CompteSaisie(IBAN_MARTIN)])
    assert t.comptes[0].bic is None
    t = ajouter_compte(session, ctx, t.id, CompteSaisie(IBAN_ALLEMAND, bic="deut de ff"))
    assert [c.bic for c in t.comptes] == [None, "DEUTDEFF"]


def test_changer_l_iban_garde_l_historique(db, ctx):
    with db.transaction() as s:
        t = creer_tiers(s, ctx, martin(), [CompteSaisie(RIB_MARTIN, titulaire="Martin")])
        creer_utilisateur(s, ctx, "agent.compta", espaces={"environnement": "modification"})
    plus_tard = Context(ctx.collectivite_id, ctx.budget_id, ctx.exercice, "agent.compta",
                        FixedClock(ctx.now().replace(month=11, day=3, tzinfo=UTC)))
    with db.transaction() as s:
        t = changer_iban(s, plus_tard, t.comptes[0].id,
                         CompteSaisie(IBAN_PAPETERIE, titulaire="Martin", etablissement="Crédit Mutuel"))
    with db.lecture() as s:
        t = lire_tiers(s, ctx, t.id)
    (actuel,) = t.comptes
    assert (actuel.iban, actuel.principal, actuel.date_debut) == (IBAN_PAPETERIE, True, date(2026, 11, 3))
    assert actuel.cree_par == "agent.compta" and actuel.etablissement == "Crédit Mutuel"
    nouveau, ancien = t.historique
    assert nouveau == actuel
    assert (ancien.iban, ancien.date_debut, ancien.date_fin) == (IBAN_MARTIN, date(2026, 10, 15), date(2026, 11, 3))
    assert ancien.cree_par == "agent.test" and not ancien.principal and not ancien.actif


def test_changement_d_iban_refuse(session, ctx):
    t = creer_tiers(session, ctx, martin(), [CompteSaisie(IBAN_MARTIN), CompteSaisie(IBAN_PAPETERIE)])
    premier, second = t.comptes
    with pytest.raises(ValidationError, match="IBAN inchangé"):
        changer_iban(session, ctx, premier.id, CompteSaisie(RIB_MARTIN))
    with pytest.raises(ValidationError, match="déjà enregistré pour le tiers"):
        changer_iban(session, ctx, premier.id, CompteSaisie(IBAN_PAPETERIE))
    session.rollback()


def test_un_seul_compte_principal(session, ctx):
    t = creer_tiers(session, ctx, martin(), [CompteSaisie(IBAN_MARTIN), CompteSaisie(IBAN_PAPETERIE)])
    assert [(c.iban, c.principal) for c in t.comptes] == [(IBAN_MARTIN, True), (IBAN_PAPETERIE, False)]
    t = definir_principal(session, ctx, t.comptes[1].id)
    assert t.compte_principal.iban == IBAN_PAPETERIE and sum(c.principal for c in t.comptes) == 1
    t = ajouter_compte(session, ctx, t.id, CompteSaisie(IBAN_ALLEMAND, bic="DEUTDEFF", principal=True))
    assert t.compte_principal.iban == IBAN_ALLEMAND and len(t.comptes) == 3
    t = retirer_compte(session, ctx, t.compte_principal.id)
    assert len(t.comptes) == 2 and len(t.historique) == 3
    assert t.compte_principal.iban == IBAN_MARTIN  # the oldest account in use takes over
    retire = next(c for c in t.historique if not c.actif)
    assert retire.date_fin == date(2026, 10, 15)
    with pytest.raises(ValidationError, match="clos depuis le 15/10/2026"):
        retirer_compte(session, ctx, retire.id)


def test_modifier_un_compte_sans_changer_l_iban(session, ctx):
    t = creer_tiers(session, ctx, martin(), [CompteSaisie(IBAN_MARTIN)])
    t = modifier_compte(session, ctx, t.comptes[0].id,
                        CompteSaisie(RIB_MARTIN, bic="BNPAFRPP", titulaire="M. Martin"))
    assert len(t.historique) == 1 and t.comptes[0].bic == "BNPAFRPP"
    t = modifier_compte(session, ctx, t.comptes[0].id, CompteSaisie(IBAN_PAPETERIE))
    assert len(t.historique) == 2 and t.comptes[0].iban == IBAN_PAPETERIE


def test_iban_invalide_du_flux_pivot_garde_et_signale(session, ctx):
    t = creer_tiers(session, ctx, martin())
    t = ajouter_compte(session, ctx, t.id, CompteSaisie("FR76 3000 4008 2500 0123 4567 887"),
                       origine="chorus", tolerer_iban_invalide=True)
    (compte,) = t.comptes
    assert compte.iban == "FR7630004008250001234567887" and not compte.iban_valide
    assert compte.origine == "chorus"


def test_tiers_d_une_autre_collectivite_introuvable(session, ctx):
    t = creer_tiers(session, ctx, martin())
    ailleurs = Context(ctx.collectivite_id + 1000, ctx.budget_id, ctx.exercice, ctx.utilisateur,
                       ctx.clock)
    with pytest.raises(NotFound, match=f"Tiers n° {t.id} introuvable"):
        lire_tiers(session, ailleurs, t.id)


def test_recherche_par_nom_siret_ville(session, ctx):
    creer_tiers(session, ctx, martin(), [CompteSaisie(IBAN_MARTIN)])
    creer_tiers(session, ctx, martin(nom="Bâtiments Loiret Rénovation", identifiant="44123789800016",
                                     ville="Olivet", code_postal="45160"))
    creer_tiers(session, ctx, TiersSaisie(nom="DUPONT", prenom="Élise", type_identifiant="",
                                          cat_tiers="01", nat_jur="01", ville="Orléans"))

    def noms(texte):
        return [t.nom for t in rechercher_tiers(session, ctx, texte)]

    assert noms("") == ["Bâtiments Loiret Rénovation", "DUPONT", "Quincaillerie Martin SARL"]
    assert noms("batiments") == ["Bâtiments Loiret Rénovation"]
    assert noms("ORLEANS") == ["DUPONT", "Quincaillerie Martin SARL"]
    assert noms("elise orléans") == ["DUPONT"]
    assert noms("312 456 783") == ["Quincaillerie Martin SARL"]
    assert noms("44123789800016") == ["Bâtiments Loiret Rénovation"]
    assert noms("45160") == ["Bâtiments Loiret Rénovation"]
    assert noms("inconnu") == []
    assert len(rechercher_tiers(session, ctx, "", limite=2)) == 2
    (ligne,) = rechercher_tiers(session, ctx, "martin")
    assert (ligne.iban_principal, ligne.nb_comptes, ligne.siret) == (IBAN_MARTIN, 1, SIRET_MARTIN)


def test_noms_publics_toujours_importables_depuis_services_tiers():
    """The tiers services are split by subject (tiers, bank accounts, dataclasses); callers keep
    importing every public name from ``corail.services.tiers``."""
    import corail.services.tiers as tiers
    from corail.services import tiers_comptes, tiers_donnees

    for module in (tiers_comptes, tiers_donnees):
        publics = [nom for nom, valeur in vars(module).items() if not nom.startswith("_")
                   and getattr(valeur, "__module__", None) == module.__name__]
        assert publics and [n for n in publics if getattr(tiers, n, None) is not getattr(module, n)] == []
    assert tiers.CIVILITES is tiers_donnees.CIVILITES
