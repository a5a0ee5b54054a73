"""Environnement › Tiers (pytest-qt, SQLite): create a tiers through its form, refused input
shows its French message and writes nothing, accounts and the history of IBAN changes."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import func, select

from corail.db.models import CompteBancaire, Tiers
from corail.services.tiers import (
    CompteSaisie, TiersSaisie, creer_tiers, lire_tiers, rechercher_tiers, retirer_compte,
)
from ui.tiers import TiersScreen, modele_comptes, modele_historique, modele_tiers

pytestmark = pytest.mark.gui

RIB = "30004 00825 00012345678 86"
IBAN = "FR7630004008250001234567886"
AUTRE_IBAN = "FR7630003012340009876543264"


@pytest.fixture
def ecran(qtbot, state) -> TiersScreen:
    widget = TiersScreen(state)
    qtbot.addWidget(widget)
    return widget


def compter(state, modele) -> int:
    with state.lecture() as session:
        return session.scalar(select(func.count()).select_from(modele))


def enregistrer(qtbot, dialogue) -> None:
    qtbot.mouseClick(dialogue.boutons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)


def martin(state, *comptes: CompteSaisie) -> int:
    with state.transaction() as session:
        return creer_tiers(session, state.ctx, TiersSaisie(
            nom="Quincaillerie Martin SARL", identifiant="31245678300017", ville="Orléans"),
            comptes).id


def test_creer_un_tiers_par_la_fiche(qtbot, ecran, state, boites):
    dialogue = ecran.ouvrir_fiche(None)
    qtbot.keyClicks(dialogue.nom, "Papeterie du Centre")
    qtbot.keyClicks(dialogue.identifiant, "552 134 678 00010")
    dialogue.code_postal.setText("41000")
    dialogue.ville.setText("Blois")
    qtbot.keyClicks(dialogue.compte.iban.saisie, RIB)
    assert "RIB converti en IBAN : FR76 3000 4008" in dialogue.compte.iban.aide.text()
    with qtbot.waitSignal(state.donnees_modifiees, timeout=2000) as signal:
        enregistrer(qtbot, dialogue)
    assert signal.args == ["tiers"] and boites == [] and not dialogue.isVisible()
    assert ecran.tiers.rowCount() == 1 and ecran.detail.nom == "Papeterie du Centre"
    assert ecran.detail.siret == "55213467800010" and ecran.detail.cat_tiers == "60"
    assert [c.iban for c in ecran.detail.comptes] == [IBAN]
    assert ecran.comptes.rowCount() == 1 and ecran.infos["Adresse"].text() == "41000 Blois"


@pytest.mark.parametrize("champ, valeur, message", [
    ("identifiant", "31245678300018", "SIRET invalide : « 31245678300018 »"),
    ("iban", "FR76 3000 4008 2500 0123 4567 887", "IBAN invalide"),
    ("nom", "", "Nom du tiers manquant"),
])
def test_saisie_refusee_message_et_rien_d_ecrit(qtbot, ecran, state, boites, champ, valeur, message):
    dialogue = ecran.ouvrir_fiche(None)
    dialogue.nom.setText("Quincaillerie Martin SARL")
    dialogue.identifiant.setText("31245678300017")
    dialogue.compte.iban.saisie.setText(RIB)
    (dialogue.compte.iban.saisie if champ == "iban" else getattr(dialogue, champ)).setText(valeur)
    enregistrer(qtbot, dialogue)
    assert [b.genre for b in boites] == ["warning"] and message in boites[0].texte
    assert dialogue.isVisible()  # the form stays open with what was typed
    assert compter(state, Tiers) == 0 and compter(state, CompteBancaire) == 0


def test_siret_en_double_refuse_en_nommant_le_tiers(qtbot, ecran, state, boites):
    martin(state)
    dialogue = ecran.ouvrir_fiche(None)
    dialogue.nom.setText("Martin bis")
    dialogue.identifiant.setText("31245678300017")
    enregistrer(qtbot, dialogue)
    assert "déjà utilisé par le tiers « Quincaillerie Martin SARL »" in boites[0].texte
    assert compter(state, Tiers) == 1


def test_changer_l_iban_garde_l_historique(qtbot, ecran, state, boites):
    tiers_id = martin(state, CompteSaisie(IBAN))
    ecran.recharger()
    ecran.choisir(tiers_id)
    assert ecran.boutons_compte["modifier"].isEnabled()
    dialogue = ecran.modifier_compte()
    dialogue.formulaire.iban.saisie.setText("30003 01234 00098765432 64")
    with qtbot.waitSignal(state.donnees_modifiees, timeout=2000):
        enregistrer(qtbot, dialogue)
    assert boites == []
    assert [c.iban for c in ecran.comptes.lignes()] == [AUTRE_IBAN]
    historique = ecran.historique.lignes()
    assert [(c.iban, c.actif) for c in historique] == [(AUTRE_IBAN, True), (IBAN, False)]
    assert ecran.historique.index(1, 4).data() == "15/10/2026"  # Au: closed on the day of the change
    assert ecran.historique.index(1, 7).data() == "Clos"


def test_retirer_un_compte(qtbot, ecran, state, boites):
    tiers_id = martin(state, CompteSaisie(IBAN), CompteSaisie(AUTRE_IBAN))
    ecran.recharger()
    ecran.choisir(tiers_id)
    ecran.retirer_compte()  # QMessageBox.question answered Oui by the fixture
    assert [b.genre for b in boites] == ["question"]
    with state.lecture() as session:
        detail = lire_tiers(session, state.ctx, tiers_id)
    assert [c.iban for c in detail.comptes] == [AUTRE_IBAN] and detail.comptes[0].principal
    assert ecran.historique.rowCount() == 2


def test_recherche(qtbot, ecran, state):
    martin(state)
    with state.transaction() as session:
        creer_tiers(session, state.ctx, TiersSaisie(nom="Papeterie du Centre", type_identifiant="",
                                                    ville="Blois"))
    ecran.recherche.setText("orleans")
    ecran.recharger()
    assert ecran.tiers.rowCount() == 1 and ecran.compte.text() == "1 tiers"
    ecran.recherche.setText("")
    ecran.recharger()
    assert ecran.tiers.rowCount() == 2


def test_modeles(qtmodeltester, state):
    tiers_id = martin(state, CompteSaisie(IBAN), CompteSaisie(AUTRE_IBAN))
    with state.transaction() as session:
        detail = lire_tiers(session, state.ctx, tiers_id)
        detail = retirer_compte(session, state.ctx, detail.comptes[1].id)
        lignes = rechercher_tiers(session, state.ctx)
    for modele, donnees in ((modele_tiers(), lignes), (modele_comptes(), detail.comptes),
                            (modele_historique(), detail.historique)):
        modele.remplacer(donnees)
        qtmodeltester.check(modele)
    modele = modele_historique()
    modele.remplacer(detail.historique)
    assert modele.index(0, 0).data() == "FR76 3000 3012 3400 0987 6543 264"  # the most recent first
    assert modele.index(0, 7).data() == "Clos" and modele.index(0, 0).data(Qt.ItemDataRole.ForegroundRole)
    assert modele.index(1, 7).data() == "En cours" and modele.index(1, 4).data() == ""


def test_modifier_un_tiers_par_la_fiche(qtbot, ecran, state, boites):
    tiers_id = martin(state, CompteSaisie(IBAN))
    ecran.recharger()
    ecran.choisir(tiers_id)
    dialogue = ecran.ouvrir_fiche(tiers_id)
    assert dialogue.compte is None and dialogue.nom.text() == "Quincaillerie Martin SARL"
    dialogue.ville.setText("Olivet")
    dialogue.email.setText("compta@martin.fr")
    enregistrer(qtbot, dialogue)
    assert boites == [] and ecran.detail.ville == "Olivet"
    assert ecran.infos["Contact"].text() == "compta@martin.fr" and len(ecran.detail.comptes) == 1


def test_sans_collectivite_en_cours(qtbot, etat_vide):
    widget = TiersScreen(etat_vide)
    qtbot.addWidget(widget)
    assert widget.tiers.rowCount() == 0 and not widget.bouton_nouveau.isEnabled()
    assert widget.ouvrir_fiche(None) is None


def exigences(state, tiers_id):
    from corail.services.asap_regles import lire_exigences

    with state.lecture() as session:
        return lire_exigences(session, state.ctx, tiers_id)


def test_exigences_chorus_pro_vues_et_reglees_sur_la_fiche(qtbot, ecran, state, boites):
    tiers_id = martin(state)
    ecran.recharger()
    ecran.choisir(tiers_id)
    assert ecran.infos["Chorus Pro (ASAP 02)"].text() == "Aucune exigence"
    dialogue = ecran.ouvrir_fiche(tiers_id)
    chorus = dialogue.chorus
    assert chorus.code_service_obligatoire.isEnabled() and not chorus.code_service_obligatoire.isChecked()
    assert not chorus.engagement_obligatoire.isChecked() and chorus.code_service.text() == ""
    qtbot.mouseClick(chorus.code_service_obligatoire, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(chorus.engagement_obligatoire, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(chorus.code_service, " FIN01 ")
    with qtbot.waitSignal(state.donnees_modifiees, timeout=2000):
        enregistrer(qtbot, dialogue)
    assert boites == [] and not dialogue.isVisible()
    e = exigences(state, tiers_id)
    assert (e.code_service_obligatoire, e.engagement_obligatoire, e.code_service) == (True, True, "FIN01")
    assert ecran.infos["Chorus Pro (ASAP 02)"].text() == (
        "Code service obligatoire · N° d'engagement obligatoire · code service par défaut : FIN01")
    rouverte = ecran.ouvrir_fiche(tiers_id)  # what was saved is what the fiche shows
    assert rouverte.chorus.code_service_obligatoire.isChecked()
    assert rouverte.chorus.engagement_obligatoire.isChecked()
    assert rouverte.chorus.code_service.text() == "FIN01"
    rouverte.chorus.engagement_obligatoire.setChecked(False)
    enregistrer(qtbot, rouverte)
    assert exigences(state, tiers_id).engagement_obligatoire is False
    assert ecran.infos["Chorus Pro (ASAP 02)"].text() == (
        "Code service obligatoire · code service par défaut : FIN01")


def test_nouveau_tiers_avec_ses_exigences_ou_rien(qtbot, ecran, state, boites):
    dialogue = ecran.ouvrir_fiche(None)
    dialogue.identifiant.setText("31245678300017")
    dialogue.chorus.engagement_obligatoire.setChecked(True)
    enregistrer(qtbot, dialogue)  # no name: refused, neither the tiers nor its exigences written
    assert "Nom du tiers manquant" in boites[0].texte and dialogue.isVisible()
    assert compter(state, Tiers) == 0
    with state.lecture() as session:
        from corail.db.models import Parametre

        assert session.scalar(select(func.count()).select_from(Parametre).where(
            Parametre.cle.like("asap_chorus_debiteur:%"))) == 0
    dialogue.nom.setText("Syndicat des eaux")
    enregistrer(qtbot, dialogue)
    assert not dialogue.isVisible()
    e = exigences(state, ecran.detail.id)
    assert (e.code_service_obligatoire, e.engagement_obligatoire, e.code_service) == (False, True, "")
    assert ecran.infos["Chorus Pro (ASAP 02)"].text() == "N° d'engagement obligatoire"


def test_exigences_sans_l_espace_recettes(qtbot, state, boites):
    """An agent with the Environnement espace only edits the tiers; its Chorus Pro requirements
    (Recettes) are shown but cannot be changed by him."""
    from corail.context import Context
    from corail.services.asap_regles import ExigencesChorus, enregistrer_exigences
    from corail.services.utilisateurs import creer_utilisateur

    tiers_id = martin(state)
    with state.transaction() as session:
        enregistrer_exigences(session, state.ctx, tiers_id, ExigencesChorus(True, False, "FIN01"))
        creer_utilisateur(session, state.ctx, "agent.env", espaces={"environnement": "modification"})
    c = state.ctx
    state.changer_contexte(Context(c.collectivite_id, c.budget_id, c.exercice, "agent.env", c.clock))
    ecran = TiersScreen(state)
    qtbot.addWidget(ecran)
    ecran.choisir(tiers_id)
    assert ecran.infos["Chorus Pro (ASAP 02)"].text() == (
        "Code service obligatoire · code service par défaut : FIN01")
    dialogue = ecran.ouvrir_fiche(tiers_id)
    assert dialogue.chorus.code_service_obligatoire.isChecked()
    dialogue.chorus.engagement_obligatoire.setChecked(True)
    dialogue.ville.setText("Tours")
    enregistrer(qtbot, dialogue)  # Recettes › modification missing: refused, the city not written
    assert [b.genre for b in boites] == ["warning"] and "exigences Chorus Pro" in boites[0].texte
    assert ecran.detail.ville == "Orléans"
    dialogue.chorus.engagement_obligatoire.setChecked(False)
    enregistrer(qtbot, dialogue)  # unchanged requirements: the tiers alone is saved
    assert not dialogue.isVisible() and ecran.detail.ville == "Tours"
