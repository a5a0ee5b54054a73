"""GUI fixtures: a migrated SQLite database, settings in a temporary INI file, and every
modal box patched (recorded in ``boites``) so no test ever blocks on a dialog."""
from __future__ import annotations

import gc
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox

from corail.context import Context
from corail.services.demo import creer_demo
from tests.conftest import CLOCK, init_collectivite
from ui.state import AppState


@dataclass
class Boite:
    genre: str
    titre: str
    texte: str


@pytest.fixture(autouse=True)
def _ramasser_sur_le_thread_gui(qapp):
    """The screens and dialogs of a test are freed here, on the GUI thread, not by a garbage
    collection that would happen to run later in a job's pool thread (a crash in Qt)."""
    yield
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


@pytest.fixture(autouse=True)
def boites(monkeypatch) -> list[Boite]:
    """QMessageBox's static dialogs and QDesktopServices.openUrl, recorded instead of shown."""
    vues: list[Boite] = []

    def fausse(genre, reponse):
        def boite(parent, titre, texte, *args, **kwargs):
            vues.append(Boite(genre, titre, texte))
            return reponse
        return staticmethod(boite)

    ok = QMessageBox.StandardButton.Ok
    for genre in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, genre, fausse(genre, ok))
    monkeypatch.setattr(QMessageBox, "question", fausse("question", QMessageBox.StandardButton.Yes))
    monkeypatch.setattr(QMessageBox, "about", fausse("about", None))
    monkeypatch.setattr(QDesktopServices, "openUrl",
                        staticmethod(lambda url: vues.append(Boite("openUrl", "", url.toString()))
                                     or True))
    return vues


@pytest.fixture
def settings(tmp_path) -> QSettings:
    """Never the user's settings: an INI file in the test's folder."""
    s = QSettings(str(tmp_path / "corail-test.ini"), QSettings.Format.IniFormat)
    yield s
    s.sync()


@pytest.fixture
def state(qapp, sqlite_db, settings) -> AppState:
    """COMMUNE TEST (init), exercice 2026, with the fixed test clock."""
    ctx = init_collectivite(sqlite_db)
    return AppState(sqlite_db, ctx, clock=CLOCK, settings=settings)


@pytest.fixture
def etat_vide(qapp, sqlite_db, settings) -> AppState:
    """A migrated database without any collectivité."""
    return AppState(sqlite_db, None, clock=CLOCK, settings=settings)


@pytest.fixture
def demo_state(qapp, sqlite_db, settings, tmp_path) -> AppState:
    """The demo commune (two budgets), on its budget principal."""
    with sqlite_db.transaction() as session:
        res = creer_demo(session, CLOCK, "agent.test", dossier_flux=tmp_path / "flux-demo")
    ctx = Context(res.collectivite_id, res.budget_ids[0], res.exercice, "agent.test", CLOCK)
    return AppState(sqlite_db, ctx, clock=CLOCK, settings=settings)
