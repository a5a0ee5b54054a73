"""Environnement › *Mon compte* (pytest-qt, SQLite): my details saved, my rattachements and espaces,
a sollicitation enregistrée as brouillon then *Valider et envoyer*, refusals shown with nothing
written; an unknown user asks for a rattachement."""
from __future__ import annotations

from dataclasses import replace

import pytest

from corail.domain import roles
from corail.services.sollicitations import mes_sollicitations
from corail.services.utilisateurs import creer_utilisateur, mon_compte
from ui.ecrans import ecran as ecran_du_registre
from ui.mon_compte import MonCompteScreen
from ui.mon_compte_dialogues import RattachementDialog, SollicitationDialog
from ui.state import AppState

pytestmark = pytest.mark.gui


@pytest.fixture
def marie(state) -> AppState:
    """m.durand, utilisateur with Dépenses in consultation, on the same database."""
    with state.transaction() as s:
        creer_utilisateur(s, state.ctx, "m.durand", nom="Durand", prenom="Marie",
                          espaces={roles.DEPENSES: roles.CONSULTATION})
    return AppState(state.db, replace(state.ctx, utilisateur="m.durand"), clock=state.clock,
                    settings=state.settings)


def _ecran(qtbot, etat: AppState) -> MonCompteScreen:
    widget = MonCompteScreen(etat)
    qtbot.addWidget(widget)
    widget.resize(1280, 760)
    return widget


def _choisir(dialogue: SollicitationDialog, categorie: str, sous: str, espace: str) -> None:
    dialogue.categorie.setCurrentIndex(dialogue.categorie.findData(categorie))
    dialogue.sous_categorie.setCurrentIndex(dialogue.sous_categorie.findData(sous))
    dialogue.espace.setCurrentIndex(dialogue.espace.findData(espace))


def test_dans_le_menu_environnement():
    e = ecran_du_registre("mon_compte")
    assert (e.menu, e.titre, e.classe) == ("Environnement", "Mon compte", "MonCompteScreen")


def test_mes_informations_et_espaces(qtbot, qtmodeltester, marie, boites):
    ecran = _ecran(qtbot, marie)
    assert ecran.identifiant.text() == "<b>m.durand</b>" and ecran.statut.text() == "Actif"
    assert [ecran.modele_espaces.index(0, c).data() for c in range(2)] == ["Dépenses", "Consultation"]
    assert ecran.modele_rattachements.index(0, 1).data() == "Utilisateur"
    for modele in (ecran.modele_espaces, ecran.modele_rattachements, ecran.modele_sollicitations):
        qtmodeltester.check(modele)
    ecran.email.setText("pas une adresse")
    assert not ecran.enregistrer()
    assert "Adresse de contact invalide" in boites[-1].texte
    ecran.email.setText("marie.durand@mairie.fr")
    ecran.prenom.setText("Marie-Anne")
    assert ecran.enregistrer()
    with marie.lecture() as s:
        c = mon_compte(s, marie.ctx)
    assert (c.prenom, c.email) == ("Marie-Anne", "marie.durand@mairie.fr")


def test_sollicitation_brouillon_puis_envoyee(qtbot, marie, boites):
    ecran = _ecran(qtbot, marie)
    ecran.nouvelle_sollicitation()
    dialogue = ecran.dialogue
    assert isinstance(dialogue, SollicitationDialog)
    assert not dialogue.enregistrer(envoyer=True)  # catégorie mandatory
    assert "Catégorie manquante" in boites[-1].texte
    with marie.lecture() as s:
        assert mes_sollicitations(s, marie.ctx) == []
    _choisir(dialogue, "espaces", "habilitation", roles.DEPENSES)
    assert not dialogue.niveau.isEnabled()  # "Habilitation en modification" says the level
    dialogue.description.setPlainText("Je saisis les mandats")
    assert dialogue.enregistrer(envoyer=False)
    assert ecran.modele_sollicitations.rowCount() == 1
    assert ecran.modele_sollicitations.index(0, ecran.modele_sollicitations.colonne("État")).data() \
        == "Brouillon"
    assert ecran.bouton_envoyer.isEnabled()  # the new brouillon is chosen
    ecran.envoyer()
    (l,) = ecran.modele_sollicitations.lignes()
    assert (l.etat, l.espace, l.niveau) == ("envoyee", roles.DEPENSES, roles.MODIFICATION)
    assert not ecran.bouton_envoyer.isEnabled() and "envoyée" in ecran.message.text()


def test_utilisateur_inconnu_demande_un_rattachement(qtbot, state):
    inconnu = AppState(state.db, replace(state.ctx, utilisateur="l.bernard"), clock=state.clock,
                       settings=state.settings)
    ecran = _ecran(qtbot, inconnu)
    assert "inconnu" in ecran.statut.text() and not ecran.bouton_nouvelle.isEnabled()
    assert not ecran.nom.isEnabled()
    ecran.demander_rattachement()
    dialogue = ecran.dialogue
    assert isinstance(dialogue, RattachementDialog)
    dialogue.nom.setText("Bernard")
    dialogue.email.setText("l.bernard@mairie.fr")
    assert dialogue.envoyer()
    assert "Demande de rattachement" in ecran.message.text()
    assert ecran.modele_sollicitations.rowCount() == 1
    assert "en attente d'activation" in ecran.statut.text()


def test_connexion_par_mot_de_passe(qtbot, state):
    from corail.services.connexion import definir_mot_de_passe, regler_mot_de_passe_requis
    from ui.app import se_connecter
    from ui.mon_compte_dialogues import ConnexionDialog

    assert se_connecter(state, "agent.test")  # no password asked: the OS user
    with state.transaction() as s:
        definir_mot_de_passe(s, state.ctx, "Mairie-de-test-1")
        regler_mot_de_passe_requis(s, state.ctx, True)
    dialogue = ConnexionDialog(state, "agent.test")
    qtbot.addWidget(dialogue)
    dialogue.mot_de_passe.setText("faux")
    assert not dialogue.connecter()
    assert "incorrect" in dialogue.message.text() and dialogue.mot_de_passe.text() == ""
    with state.lecture() as s:
        assert mon_compte(s, state.ctx).derniere_connexion is None  # a refusal writes nothing
    dialogue.mot_de_passe.setText("Mairie-de-test-1")
    assert dialogue.connecter()
    with state.lecture() as s:
        assert mon_compte(s, state.ctx).derniere_connexion == state.ctx.now()


def test_administrateur_de_la_base_dit_dans_le_statut(qtbot, marie):
    from corail.services.administrateurs import ajouter_administrateur

    ecran = _ecran(qtbot, marie)
    assert "administrateur" not in ecran.statut.text()
    with marie.transaction() as s:  # the first administrator is declared by whoever opens the base
        ajouter_administrateur(s, marie.ctx, "m.durand", motif="Secrétaire de mairie")
    ecran.recharger()
    assert ecran.statut.text() == "Actif — administrateur de la base"
