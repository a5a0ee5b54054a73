"""The job runner: success, refusal, internal error and cancellation (rolled back)."""
from __future__ import annotations

import threading

import pytest
import shiboken6
from PySide6.QtCore import QThread, QThreadPool
from PySide6.QtWidgets import QPushButton, QWidget
from sqlalchemy import func, select

from corail.db.models import ArticleBudget
from corail.errors import ValidationError
from corail.jobs import JobControl
from corail.services.nomenclature import marquer_utilise
from ui.jobs import Job, run_job

pytestmark = pytest.mark.gui


def _utilises(state) -> int:
    with state.lecture() as session:
        return session.scalar(select(func.count()).select_from(ArticleBudget))


def test_succes_resultat_sur_le_thread_gui_et_ecrit(qtbot, state, boites):
    vus = []

    def marquer(control: JobControl) -> str:
        with state.transaction() as session:
            marquer_utilise(session, state.ctx, "60632")
            control.step(1, 1)
        return "fait"

    def fini(resultat):
        vus.append((resultat, QThread.currentThread() is qtbot_thread))

    qtbot_thread = QThread.currentThread()
    run = run_job(None, "Marquer", marquer, fini)
    with qtbot.waitSignal(run.succeeded, timeout=5000) as attente:
        pass
    assert attente.args == ["fait"]
    assert vus == [("fait", True)]
    assert _utilises(state) == 1
    assert boites == []
    assert not run.dialog.isVisible()


def test_refus_message_francais_et_rien_ecrit(qtbot, state, boites):
    def refuser(control: JobControl) -> None:
        with state.transaction() as session:
            marquer_utilise(session, state.ctx, "60632")
            raise ValidationError("Montant invalide : « 12,345 » (facture F-1)")

    run = run_job(None, "Import", refuser, lambda r: pytest.fail("on_done appelé"))
    with qtbot.waitSignal(run.failed, timeout=5000):
        pass
    assert [(b.genre, b.titre, b.texte) for b in boites] == [
        ("warning", "Import", "Montant invalide : « 12,345 » (facture F-1)")]
    assert _utilises(state) == 0


def test_erreur_interne_message_critique(qtbot, state, boites):
    run = run_job(None, "Calcul", lambda control: 1 / 0)
    with qtbot.waitSignal(run.failed, timeout=5000):
        pass
    assert boites[0].genre == "critical"
    assert "rien n'a été modifié" in boites[0].texte and "ZeroDivisionError" in boites[0].texte


def test_annuler_revient_en_arriere(qtbot, state, boites):
    commence = threading.Event()
    annules = []

    def long(control: JobControl) -> None:
        with state.transaction() as session:
            marquer_utilise(session, state.ctx, "60632")
            commence.set()
            for i in range(10_000):
                control.step(i, 10_000)  # raises Cancelled once Annuler is pressed
                threading.Event().wait(0.001)
        pytest.fail("non annulé")

    run = run_job(None, "Long travail", long, on_cancel=lambda: annules.append(True))
    assert commence.wait(5)
    with qtbot.waitSignal(run.cancelled, timeout=5000):
        run.dialog.findChild(QPushButton).click()  # the Annuler button
    assert annules == [True]
    assert _utilises(state) == 0
    assert boites == []


def test_progression_et_message_vers_le_dialogue(qtbot, qapp):
    pret = threading.Event()

    def etapes(control: JobControl) -> int:
        control.message("Lecture du flux…")
        control.step(3, 4)
        pret.wait(5)
        control.step(4, 4)
        return 4

    run = run_job(None, "Lecture", etapes)
    qtbot.waitUntil(lambda: run.dialog.maximum() == 4 and run.dialog.value() == 3, timeout=5000)
    assert run.dialog.labelText() == "Lecture du flux…"
    pret.set()
    assert run.attendre() == 4


def test_job_seul_emet_ses_signaux(qtbot):
    job = Job(lambda control: control.step(1, 2) or "ok")
    recus = []
    job.signals.progressed.connect(lambda done, total: recus.append((done, total)))
    with qtbot.waitSignal(job.signals.succeeded, timeout=5000) as attente:
        QThreadPool.globalInstance().start(job)
    assert attente.args == ["ok"] and recus == [(1, 2)]


def test_ecran_ferme_pendant_le_travail(qtbot, state, boites):
    ecran = QWidget()
    pret = threading.Event()

    def travail(control: JobControl) -> str:
        pret.wait(5)
        control.step(1, 1)
        return "fini"

    run = run_job(ecran, "Travail", travail)
    ecran.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(ecran), timeout=2000)
    with qtbot.waitSignal(run.succeeded, timeout=5000) as attente:
        pret.set()
    assert attente.args == ["fini"] and boites == []
