"""Statuts Chorus Pro: the screen, the dialog *Génération du fichier de transfert des statuts*,
the question after a rejection (mode portail), and *Récupérer les factures* (mode service)
against the local fake Chorus Pro."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from sqlalchemy import select

from corail.db.models import Collectivite, FactureDemat
from corail.formats.cpp_statut import lire_cpp_statut
from corail.formats.pivot_builder import build_pivot, exemple_facture, exemple_flux
from corail.secrets import MOT_DE_PASSE, SECRET_CLIENT, cle_structure, enregistrer_mot_de_passe
from corail.services.pivot_import import importer_fichier
from corail.services.reglages_demat import ecrire_parametre
from corail.services.rejets import rejeter
from tests.fake_chorus import CLIENT_ID, CLIENT_SECRET, LOGIN, PASSWORD, FakeChorus
from tests.ui.test_integration_des_flux_pivots import cliquer, flux, lire
from ui.integration_des_flux_pivots import IntegrationDesFluxPivotsScreen
from ui.parametrage_recuperation import memoire_secrets
from ui.statuts_chorus import TITRE_GENERATION, GenerationStatutsDialog, StatutsChorusScreen

pytestmark = pytest.mark.gui
SIRET = "21310555400017"


def _rejets(state, tmp_path, *numeros):
    factures = [exemple_facture(n, siret_debiteur=SIRET, code_service=None, avec_pdf=False)
                for n in numeros]
    chemin = tmp_path / "flux.xml"
    chemin.write_bytes(build_pivot(exemple_flux(*factures)))
    with state.transaction() as s:
        importer_fichier(s, state.ctx, chemin)
        ids = {fd.numero: fd.id for fd in s.scalars(select(FactureDemat))}
        for n in numeros:
            rejeter(s, state.ctx, ids[n], motif=f"motif de {n}", code="autre")
    return ids


def test_ecran_generation_et_saisie(qtbot, state, boites, tmp_path):
    ids = _rejets(state, tmp_path, "F-1", "F-2")
    dossier = tmp_path / "transfert"
    dossier.mkdir()
    with state.transaction() as s:
        s.get(Collectivite, state.ctx.collectivite_id).repertoire_transfert = str(dossier)
    ecran = StatutsChorusScreen(state)
    qtbot.addWidget(ecran)
    ecran.resize(1100, 600)
    assert [l.numero_facture for l in ecran.modele.lignes()] == ["F-1", "F-2"]
    assert "Mode portail" in ecran.avertissement.text()
    assert not ecran.saisis.isEnabled()  # nothing chosen
    qtbot.mouseClick(ecran.generation, Qt.MouseButton.LeftButton)
    dialogue = ecran.dialogue
    assert isinstance(dialogue, GenerationStatutsDialog) and dialogue.windowTitle() == TITRE_GENERATION
    assert dialogue.dossier.text() == str(dossier) and dialogue.tous_statuts.isChecked()
    assert not dialogue.facture.isEnabled()
    dialogue.une.setChecked(True)
    dialogue.facture.setCurrentIndex(dialogue.facture.findData(ids["F-2"]))
    assert "n'atteint pas Chorus Pro de lui-même" in dialogue.info.text()
    with qtbot.waitSignal(dialogue.genere, timeout=3000) as signal:
        dialogue.generer()
    res = signal.args[0]
    (fichier,) = dossier.iterdir()
    assert fichier == res.chemin
    assert [s.id_facture for s in lire_cpp_statut(fichier).statuts] == ["F-2"]
    assert "1 statut(s) écrit(s)" in ecran.message.text()
    assert [l.fichier for l in ecran.modele.lignes()] == ["", fichier.name]  # refreshed
    ecran.vue.selectAll()
    assert ecran.saisis.isEnabled()
    qtbot.mouseClick(ecran.saisis, Qt.MouseButton.LeftButton)
    assert ecran.modele.lignes() == []
    ecran.tous.setChecked(True)
    assert [l.envoi_libelle for l in ecran.modele.lignes()] == ["Transmis (saisi sur le portail)"] * 2
    ecran.grab().save(str(tmp_path / "statuts.png"))


def test_generation_refusee_reste_ouverte(qtbot, state, boites, tmp_path):
    _rejets(state, tmp_path, "F-1")
    dialogue = GenerationStatutsDialog(state)
    qtbot.addWidget(dialogue)
    dialogue.dossier.setText(str(tmp_path / "absent"))
    assert dialogue.generer() is None
    assert boites[-1].titre == TITRE_GENERATION and "introuvable" in boites[-1].texte
    assert list(tmp_path.glob("**/CPPStatut_*")) == []


def test_question_apres_un_rejet_en_mode_portail(qtbot, state, boites, tmp_path, monkeypatch):
    choix = {"choix": [flux(tmp_path, "f.xml", exemple_facture(
        "F-7", siret_debiteur=SIRET, code_service=None, avec_pdf=False))], "dossiers": []}
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        staticmethod(lambda *a, **k: ([str(p) for p in choix["choix"]], "")))
    ecran = IntegrationDesFluxPivotsScreen(state)
    qtbot.addWidget(ecran)
    lire(qtbot, ecran, choix, *choix["choix"])
    boites.clear()
    cliquer(qtbot, ecran, "a_creer", "rejeter", "F-7")
    ecran.dialogue.choisir_motif("autre")
    ecran.dialogue.complement.setPlainText("Prestation non faite")
    qtbot.mouseClick(ecran.dialogue.valider, Qt.MouseButton.LeftButton)
    (question,) = boites
    assert question.genre == "question" and "Voulez-vous créer un flux de statut ?" in question.texte
    dialogue = ecran.dialogue
    assert isinstance(dialogue, GenerationStatutsDialog) and dialogue.une.isChecked()
    assert dialogue.facture.currentText().startswith("F-7")
    dialogue.reject()


@pytest.fixture
def service(state):
    """The structure in mode service on the fake Chorus Pro, secrets in the (test) keyring."""
    with FakeChorus() as fake:
        for n in (1, 2, 3):
            fake.ajouter(exemple_facture(f"CP-{n}", siret_debiteur=SIRET, code_service=None,
                                         avec_pdf=False))
        with state.transaction() as s:
            ecrire_parametre(s, f"recuperation_factures:{SIRET}", {
                "mode": "service", "environnement": "personnalisee", "url": fake.url,
                "compte": LOGIN, "client_id": CLIENT_ID, "automatique": False},
                collectivite_id=state.ctx.collectivite_id)
        memoire = memoire_secrets(state)
        for nom, secret in ((MOT_DE_PASSE, PASSWORD), (SECRET_CLIENT, CLIENT_SECRET)):
            enregistrer_mot_de_passe(cle_structure(state.ctx.collectivite_id, SIRET, nom), secret,
                                     memoire=memoire)
        yield fake


def test_recuperer_les_factures_puis_statut_transmis(qtbot, state, boites, service, tmp_path):
    ecran = IntegrationDesFluxPivotsScreen(state)
    qtbot.addWidget(ecran)
    bouton = ecran.recuperation.bouton
    assert bouton.isEnabled() and not ecran.recuperation.minuterie.isActive()
    with qtbot.waitSignal(ecran.recuperation.termine, timeout=15000) as signal:
        qtbot.mouseClick(bouton, Qt.MouseButton.LeftButton)
    assert signal.args[0].nb_factures == 3
    assert sorted(l.numero for l in ecran.listes["a_creer"].modele.lignes()) == ["CP-1", "CP-2", "CP-3"]
    assert "3 facture(s) en attente dans Chorus Pro, 3 intégrée(s)" in ecran.message.text()
    ecran.grab().save(str(tmp_path / "integration-service.png"))
    # mode service: a rejection goes at once, no question
    boites.clear()
    cliquer(qtbot, ecran, "a_creer", "rejeter", "CP-2")
    ecran.dialogue.choisir_motif("autre")
    ecran.dialogue.complement.setPlainText("Facture en double")
    with qtbot.waitSignal(ecran.recuperation.termine, timeout=15000) as signal:
        qtbot.mouseClick(ecran.dialogue.valider, Qt.MouseButton.LeftButton)
    assert boites == []
    assert len(signal.args[0].transmis) == 1 and service.factures[1222].statut == "REJETEE"
    assert service.appels("traiter/recue")[0]["motif"] == "Autre motif : Facture en double"


def test_recuperation_automatique_et_mode_portail(qtbot, state, boites, service):
    with state.transaction() as s:
        ecrire_parametre(s, f"recuperation_factures:{SIRET}", {
            "mode": "service", "environnement": "personnalisee", "url": service.url,
            "compte": LOGIN, "client_id": CLIENT_ID, "automatique": True, "intervalle_minutes": 15},
            collectivite_id=state.ctx.collectivite_id)
    from ui.main_window import MainWindow
    fenetre = MainWindow(state)  # the automatic récupération belongs to the main window
    qtbot.addWidget(fenetre)
    recuperation = fenetre.recuperation
    assert recuperation.minuterie.isActive() and recuperation.minuterie.interval() == 15 * 60_000
    ecran = StatutsChorusScreen(state)
    qtbot.addWidget(ecran)
    assert ecran.recuperation.bouton.isEnabled()
    assert not ecran.recuperation.minuterie.isActive()  # one timer in the app, not one per screen
    qtbot.waitUntil(lambda: recuperation.run is not None and recuperation.run.termine, timeout=15000)
    assert len(service.appels("rechercher/recipiendaire")) == 1  # at once, at start
    assert boites == []  # automatic: no dialog
    with state.transaction() as s:
        ecrire_parametre(s, f"recuperation_factures:{SIRET}", {"mode": "portail"},
                         collectivite_id=state.ctx.collectivite_id)
    state.signaler("collectivite")
    assert not ecran.recuperation.bouton.isEnabled() and not recuperation.minuterie.isActive()
    assert "Mode portail" in recuperation.bouton.toolTip()
