"""The main window (menus, screens, collectivité en cours), the registry, and the start of
the application (database errors, demo, *Bienvenue dans Corail*)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QWidget

from corail.context import Context
from corail.services.collectivites import ouvrir_exercice
from corail.services.contexte import lister_budgets
from corail.services.demo import DEMO_NOM
from tests.conftest import CLOCK
from ui import ecrans as registre
from ui.accueil import AccueilDialog, CreationCollectiviteDialog, lancer_demo
from ui.app import demarrer, main
from ui.main_window import MainWindow, contexte_memorise

pytestmark = pytest.mark.gui


@pytest.fixture
def fenetre(qtbot, demo_state):
    window = MainWindow(demo_state)
    qtbot.addWidget(window)
    window.show()
    return window


def _budgets(state) -> list:
    with state.lecture() as session:
        return lister_budgets(session)


def _menus(window: MainWindow) -> dict:
    return {a.text().replace("&", ""): a for a in window.menuBar().actions()}


# -- registry --------------------------------------------------------------------------------

@pytest.mark.parametrize("e", registre.ECRANS, ids=lambda e: e.cle)
def test_chaque_ecran_enregistre_s_importe(e):
    classe = registre.classe_ecran(e)
    assert issubclass(classe, QWidget)
    assert classe.titre == e.titre
    assert e.menu in registre.MODULES


def test_registre_cles_raccourcis_et_noms_uniques():
    for attribut in ("cle", "raccourci", "slug"):
        valeurs = [getattr(e, attribut) for e in registre.ECRANS]
        assert len(valeurs) == len(set(valeurs)), attribut
    assert registre.slug("Gestion des collectivités") == "gestion-des-collectivites"


def test_dossiers_retenus(settings, tmp_path):
    assert registre.dernier_dossier(settings, "flux", "/defaut") == "/defaut"
    fichier = tmp_path / "flux.xml"
    fichier.write_text("x")
    registre.retenir_dossier(settings, "flux", fichier)
    assert registre.dernier_dossier(settings, "flux") == str(tmp_path)


# -- menus and screens -----------------------------------------------------------------------

def test_menus_et_raccourcis(fenetre):
    menus = _menus(fenetre)
    assert list(menus) == ["Fichier", "Environnement", "Dépenses", "Recettes", "Téléprocédures", "?"]
    environnement = [a for a in menus["Environnement"].menu().actions()]
    assert [(a.text(), a.shortcut().toString()) for a in environnement] == [
        ("Gestion des collectivités", "Ctrl+1"), ("Tiers", "Ctrl+2"), ("Nomenclature", "Ctrl+3"),
        ("Mon compte", "Ctrl+Shift+U"), ("Activités du gestionnaire", "Ctrl+Shift+G")]
    teleprocedures = menus["Téléprocédures"].menu().actions()
    assert [(a.text(), a.shortcut().toString()) for a in teleprocedures] == [
        ("Intégration des flux pivots", "Ctrl+4"), ("Suivi démat", "Ctrl+Shift+D"),
        ("Statuts Chorus Pro", "Ctrl+Shift+S")]
    depenses = menus["Dépenses"].menu().actions()
    assert menus["Dépenses"].isEnabled()
    assert ("Numérotation et édition des mandats", "Ctrl+9") in [
        (a.text(), a.shortcut().toString()) for a in depenses]
    assert menus["Recettes"].isEnabled()
    assert [(a.text(), a.shortcut().toString()) for a in menus["Recettes"].menu().actions()] == [
        ("Titres de recettes", "Ctrl+Shift+1"), ("Numérotation et édition des titres", "Ctrl+Shift+2")]
    raccourcis = [a.shortcut().toString() for a in fenetre.actions.values()]
    assert len(raccourcis) == len(set(raccourcis))  # no shortcut given twice
    changer, _separateur, quitter = menus["Fichier"].menu().actions()
    assert changer.shortcut().toString() == "Ctrl+0"
    assert quitter.text().replace("&", "") == "Quitter"
    assert quitter.shortcut() == QKeySequence(QKeySequence.StandardKey.Quit)


def test_ecran_cree_une_seule_fois(fenetre, demo_state):
    fenetre.actions["nomenclature"].trigger()
    ecran = fenetre.pile.currentWidget()
    assert type(ecran).__name__ == "NomenclatureScreen"
    assert fenetre.ecran_courant() == "nomenclature"
    assert fenetre.windowTitle().startswith("Nomenclature — Commune de Saint-Aubin-sur-Corail")
    fenetre.pile.setCurrentWidget(fenetre.accueil)
    assert fenetre.ouvrir("nomenclature") is ecran
    assert fenetre.pile.count() == 2


def test_ecran_absent_ne_casse_pas_la_fenetre(fenetre, monkeypatch):
    def absent(e):
        raise ModuleNotFoundError(f"No module named '{e.module}'")

    monkeypatch.setattr("ui.main_window.classe_ecran", absent)
    widget = fenetre.ouvrir("tiers")
    assert isinstance(widget, QLabel)
    assert "L'écran « Tiers » ne peut pas s'ouvrir" in widget.text()


def test_a_propos(fenetre, boites):
    _menus(fenetre)["?"].menu().actions()[0].trigger()
    assert boites[0].genre == "about" and "AGPL" in boites[0].texte


# -- collectivité en cours -------------------------------------------------------------------

def test_changer_de_budget_met_a_jour_la_barre_d_etat(fenetre, demo_state, settings):
    combo = fenetre.selecteur.budgets
    assert combo.count() == 2
    assert "Budget principal (045-01)" in combo.currentText()
    recus = []
    demo_state.contexte_change.connect(recus.append)
    index = next(i for i in range(combo.count()) if "Eau et assainissement" in combo.itemText(i))
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    annexe = combo.currentData()
    assert demo_state.ctx.budget_id == annexe.id and len(recus) == 1
    assert "Eau et assainissement (045-02) — exercice 2026" in fenetre.windowTitle()
    assert fenetre.selecteur.exercices.currentText() == "2026"
    assert int(settings.value("contexte/budget_id")) == annexe.id


def test_changer_d_exercice(fenetre, demo_state, settings):
    with demo_state.transaction() as session:
        ouvrir_exercice(session, demo_state.ctx, 2027, courant=False)
    demo_state.signaler("exercice")
    combo = fenetre.selecteur.exercices
    assert [combo.itemText(i) for i in range(combo.count())] == ["2026", "2027"]
    combo.setCurrentIndex(1)
    combo.activated.emit(1)
    assert demo_state.ctx.exercice == 2027
    assert fenetre.windowTitle().endswith("exercice 2027 — Corail")
    assert int(settings.value("contexte/exercice")) == 2027


def test_contexte_change_ailleurs_suit_dans_le_selecteur(fenetre, demo_state):
    ctx = demo_state.ctx
    autre = next(b for b in _budgets(demo_state) if b.id != ctx.budget_id)
    demo_state.changer_contexte(Context(autre.collectivite_id, autre.id, 2026, ctx.utilisateur, CLOCK))
    assert fenetre.selecteur.budget_choisi().id == autre.id


def test_contexte_memorise_entre_deux_sessions(demo_state, settings):
    db = demo_state.db
    premier = contexte_memorise(db, settings, "agent.test", CLOCK)
    assert premier.budget_id == demo_state.ctx.budget_id
    annexe = next(b for b in _budgets(demo_state) if b.code_bud == "02")
    settings.setValue("contexte/base", db.description)
    settings.setValue("contexte/budget_id", annexe.id)
    assert contexte_memorise(db, settings, "agent.test", CLOCK).budget_id == annexe.id
    settings.setValue("contexte/base", "sqlite:///une/autre/base.db")
    assert contexte_memorise(db, settings, "agent.test", CLOCK).budget_id == premier.budget_id


def test_fermer_retient_la_geometrie(qtbot, demo_state, settings):
    window = MainWindow(demo_state)
    qtbot.addWidget(window)
    window.resize(760, 520)
    window.show()
    taille = window.size()
    window.close()
    assert settings.value("fenetre/geometrie")
    autre = MainWindow(demo_state)
    qtbot.addWidget(autre)
    assert autre.size() == taille and taille.height() == 520


# -- start of the application -----------------------------------------------------------------

def test_base_inaccessible_code_3_et_message(qapp, tmp_path, settings, boites):
    url = f"sqlite:///{tmp_path / 'absent' / 'corail.db'}"
    assert main(["--database", url], settings=settings) == 3
    assert [b.genre for b in boites] == ["critical"]
    assert "n'existe pas" in boites[0].texte and "Traceback" not in boites[0].texte


def test_le_demarrage_n_importe_ni_la_demo_ni_les_ecrans():
    """What main.py imports before the window shows leaves out what a screen or an action
    needs first: the demo (its data, PES, numbering), the screens, the PDF editions, the Chorus
    Pro client (httpx: imported when a récupération starts)."""
    code = ("import sys, ui.app, ui.main_window; print('\\n'.join(m for m in sys.modules if m.startswith(("
            "'corail.services.demo', 'ui.saisie_des_mandats', 'reportlab', 'ui.tiers', 'httpx'))))")
    sortie = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, capture_output=True,
                            text=True, check=True).stdout.split()
    assert sortie == []
    assert "corail.services.demo" in sys.modules  # here (the fixtures): the check means something


def test_demarrer_avec_demo_ouvre_la_demo(etat_vide):
    ctx = demarrer(etat_vide, "agent.test", demo=True)
    budgets = _budgets(etat_vide)
    assert {b.collectivite for b in budgets} == {DEMO_NOM}
    assert ctx.budget_id == budgets[0].id


def test_bienvenue_cree_la_demo(qtbot, etat_vide):
    dialogue = AccueilDialog(etat_vide, "agent.test")
    qtbot.addWidget(dialogue)
    with qtbot.waitSignal(dialogue.accepted, timeout=10_000):
        dialogue.bouton_demo.click()
    assert len(dialogue.budgets_crees) == 2


def test_annuler_la_demo_ne_cree_rien(qtbot, etat_vide):
    run = lancer_demo(None, etat_vide, "agent.test")
    with qtbot.waitSignal(run.cancelled, timeout=10_000):
        run.dialog.findChild(QPushButton).click()  # Annuler
    assert _budgets(etat_vide) == []


def test_creer_une_collectivite_siret_invalide_rien_cree(qtbot, etat_vide, boites):
    dialogue = CreationCollectiviteDialog(etat_vide, "agent.test")
    qtbot.addWidget(dialogue)
    dialogue.nom.setText("Commune de Test")
    dialogue.siret.setText("21310555400018")
    dialogue.code_col.setText("123")
    dialogue.poste.setText("031000")
    dialogue.accept()
    assert boites and boites[0].genre == "warning" and "SIRET" in boites[0].texte
    assert dialogue.result() != QDialog.DialogCode.Accepted
    assert _budgets(etat_vide) == []
    dialogue.siret.setText("213 105 554 00017")
    dialogue.accept()
    assert dialogue.result() == QDialog.DialogCode.Accepted
    assert [b.collectivite for b in _budgets(etat_vide)] == ["Commune de Test"]


def test_bienvenue_creer_une_collectivite(qtbot, etat_vide, monkeypatch):
    def remplir(self):
        self.nom.setText("Syndicat des eaux")
        self.siret.setText("21310555400017")
        self.code_col.setText("456")
        self.poste.setText("031000")
        self.accept()
        return self.result()

    monkeypatch.setattr(CreationCollectiviteDialog, "exec", remplir)
    dialogue = AccueilDialog(etat_vide, "agent.test")
    qtbot.addWidget(dialogue)
    dialogue.bouton_creation.click()
    assert dialogue.result() == QDialog.DialogCode.Accepted
    ctx = contexte_memorise(etat_vide.db, etat_vide.settings, "agent.test", CLOCK,
                            budgets_preferes=dialogue.budgets_crees)
    assert ctx.exercice == 2026 and ctx.budget_id == dialogue.budgets_crees[0]


def test_settings_de_test_jamais_ceux_de_l_utilisateur(settings):
    assert settings.format() == QSettings.Format.IniFormat
    assert "corail-test.ini" in settings.fileName()
