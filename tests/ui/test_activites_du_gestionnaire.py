"""Environnement › *Activités du gestionnaire* (pytest-qt, SQLite): users deactivated and
reactivated, espaces changed, requests accepted (espace granted) or refused (answer mandatory),
the transfer's confirmation ticked before *Valider*; a utilisateur sees only why not."""
from __future__ import annotations

from dataclasses import replace

import pytest

from corail.domain import roles
from corail.services.habilitations import acces
from corail.services.sollicitations import SollicitationSaisie, enregistrer_sollicitation
from corail.services.utilisateurs import creer_utilisateur, gestionnaire_principal
from ui.activites_du_gestionnaire import ActivitesDuGestionnaireScreen
from ui.activites_du_gestionnaire_dialogues import ConfirmationTransfertDialog
from ui.ecrans import ecran as ecran_du_registre
from ui.state import AppState

pytestmark = pytest.mark.gui


@pytest.fixture
def ecran(qtbot, state) -> ActivitesDuGestionnaireScreen:
    """agent.test (gestionnaire principal); m.durand with two requests sent."""
    marie = replace(state.ctx, utilisateur="m.durand")
    with state.transaction() as s:
        creer_utilisateur(s, state.ctx, "m.durand", nom="Durand", prenom="Marie",
                          email="marie.durand@mairie.fr", espaces={roles.DEPENSES: roles.CONSULTATION})
        for espace in (roles.DEPENSES, roles.RECETTES):
            enregistrer_sollicitation(s, marie, SollicitationSaisie(
                "espaces", "habilitation", f"Besoin : {espace}", espace), envoyer=True)
    widget = ActivitesDuGestionnaireScreen(state)
    qtbot.addWidget(widget)
    widget.resize(1280, 760)
    return widget


def _choisir(onglet, login: str) -> None:
    onglet.choisir({login})


def _niveau(state, login: str, espace: str) -> str | None:
    with state.lecture() as s:
        return acces(s, login, state.ctx.budget_id).niveau(espace)


def test_dans_le_menu_environnement():
    e = ecran_du_registre("activites_du_gestionnaire")
    assert (e.menu, e.titre, e.classe) == ("Environnement", "Activités du gestionnaire",
                                           "ActivitesDuGestionnaireScreen")


def test_desactiver_reactiver_et_espaces(ecran, state, qtmodeltester):
    onglet = ecran.utilisateurs
    qtmodeltester.check(onglet.modele)
    assert [u.login for u in onglet.modele.lignes()] == ["agent.test", "m.durand"]
    _choisir(onglet, "agent.test")  # himself: nothing to do but look
    assert not onglet.actions["Désactiver"].isEnabled() and not onglet.bouton_espaces.isEnabled()
    _choisir(onglet, "m.durand")
    assert onglet.actions["Désactiver"].isEnabled() and not onglet.actions["Réactiver"].isEnabled()
    onglet.actions["Désactiver"].click()
    (marie,) = [u for u in onglet.modele.lignes() if u.login == "m.durand"]
    assert marie.statut == "Inactif" and onglet.actions["Réactiver"].isEnabled()
    onglet.actions["Réactiver"].click()
    (marie,) = [u for u in onglet.modele.lignes() if u.login == "m.durand"]
    assert marie.actif and marie.date_reactivation == state.ctx.today()
    combo = onglet.espaces.combos[roles.RECETTES]
    combo.setCurrentIndex(combo.findData(roles.MODIFICATION))
    depenses = onglet.espaces.combos[roles.DEPENSES]
    depenses.setCurrentIndex(0)  # Aucune: removed
    assert onglet.enregistrer_espaces()
    assert _niveau(state, "m.durand", roles.RECETTES) == roles.MODIFICATION
    assert _niveau(state, "m.durand", roles.DEPENSES) is None


def test_demandes_acceptee_et_refusee(ecran, state, boites):
    onglet = ecran.demandes
    assert onglet.modele.rowCount() == 2 and "2 demande(s) en attente" in ecran.entete.text()
    recettes, depenses = onglet.modele.lignes()
    onglet.vue.selectRow(0)
    assert onglet.choisies() == [recettes]
    assert not onglet.traiter(accepter=False)  # a refusal needs an answer
    assert "Réponse manquante" in boites[-1].texte
    onglet.reponse.setPlainText("Les titres sont suivis par Paul")
    assert onglet.traiter(accepter=False)
    assert _niveau(state, "m.durand", roles.RECETTES) is None
    (reste,) = onglet.modele.lignes()
    assert reste.id == depenses.id
    onglet.vue.selectRow(0)
    assert onglet.traiter(accepter=True)
    assert _niveau(state, "m.durand", roles.DEPENSES) == roles.MODIFICATION
    assert onglet.modele.rowCount() == 0
    onglet.traitees.setChecked(True)
    assert sorted(l.etat for l in onglet.modele.lignes()) == ["acceptee", "refusee"]


def test_transfert_a_cocher_avant_valider(ecran, state):
    onglet = ecran.transfert
    onglet.successeur.setText("marie.durand@mairie.fr")
    dialogue = onglet.transferer()
    assert isinstance(dialogue, ConfirmationTransfertDialog)
    assert not dialogue.bouton_valider.isEnabled()
    dialogue.confirmation.setChecked(True)
    assert dialogue.bouton_valider.isEnabled()
    dialogue.bouton_valider.click()
    with state.lecture() as s:
        assert gestionnaire_principal(s, state.ctx.budget_id).utilisateur.login == "m.durand"
    assert "m.durand" in onglet.message.text()
    # agent.test is now a gestionnaire secondaire: no more transfer, no user management
    assert not ecran.onglets.isTabEnabled(ecran.onglets.indexOf(onglet))
    assert not ecran.utilisateurs.bouton_creer.isEnabled()
    assert "gestionnaire secondaire" in ecran.entete.text()


def test_un_utilisateur_voit_pourquoi(qtbot, state):
    with state.transaction() as s:
        creer_utilisateur(s, state.ctx, "m.durand", espaces={roles.DEPENSES: roles.MODIFICATION})
    marie = AppState(state.db, replace(state.ctx, utilisateur="m.durand"), clock=state.clock,
                     settings=state.settings)
    widget = ActivitesDuGestionnaireScreen(marie)
    qtbot.addWidget(widget)
    assert widget.pile.currentWidget() is widget.refus
    assert "Seul le gestionnaire principal ou gestionnaire secondaire" in widget.refus.text()
