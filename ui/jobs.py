"""Long work off the GUI thread, with progress and cancellation (Anki's CollectionOp, Orange's TaskState).

A job is a plain function ``fn(control) -> result`` that opens its own
``with state.transaction()``: it calls ``control.step(done, total)`` as it goes,
which raises ``Cancelled`` once the user pressed *Annuler*, so the transaction
rolls back and nothing is written. ``fn`` must not touch any widget.

* ``Job`` is the ``QRunnable`` that runs ``fn`` on the ``QThreadPool``; its
  ``JobSignals`` carry progress and the outcome back to the GUI thread.
* ``run_job(parent, titre, fn, on_done)`` is what screens call: a
  ``QProgressDialog`` whose *Annuler* button cancels the job, errors shown with
  ``afficher_erreur``, ``on_done(result)`` called on the GUI thread.
"""
from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget
from shiboken6 import isValid

from corail.jobs import Cancelled, JobControl
from ui.common import afficher_erreur

#: progress is re-emitted at most this often (a service may call ``step`` for every line)
INTERVALLE_PROGRESSION = 0.05
#: a job shorter than this never shows its progress dialog
DELAI_AFFICHAGE_MS = 400


class JobSignals(QObject):
    """Created in the GUI thread, emitted from the pool thread: deliveries are queued."""

    progressed = Signal(int, int)
    message = Signal(str)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()


class Job(QRunnable):
    """Runs ``fn(control)`` once on a pool thread and reports through ``signals``."""

    def __init__(self, fn: Callable[[JobControl], object]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # JobRun keeps it (and its signals) alive until the end
        self.signals = JobSignals()
        self.fn = fn
        self._dernier = 0.0
        self.control = JobControl(on_progress=self._progression, on_message=self.signals.message.emit)

    def _progression(self, done: int, total: int) -> None:
        maintenant = time.monotonic()
        if done < total and maintenant - self._dernier < INTERVALLE_PROGRESSION:
            return
        self._dernier = maintenant
        self.signals.progressed.emit(done, total)

    def run(self) -> None:
        try:
            result = self.fn(self.control)
        except Cancelled:
            self.signals.cancelled.emit()
        except Exception as exc:  # handed to the GUI thread, shown there in French
            self.signals.failed.emit(exc)
        else:
            self.signals.succeeded.emit(result)


class JobRun(QObject):
    """One started job seen from the GUI thread: its progress dialog and its outcome.

    ``succeeded`` / ``failed`` / ``cancelled`` are re-emitted here, on the GUI
    thread, after the dialog closed and the callbacks ran: tests wait on them.
    """

    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None, titre: str, job: Job, *,
                 on_done: Callable[[object], None] | None,
                 on_cancel: Callable[[], None] | None,
                 on_error: Callable[[BaseException], None] | None,
                 texte: str) -> None:
        # owned by the application, not by ``parent``: closing a screen mid-job must not
        # free the job (and its signals) while the pool thread still runs it
        super().__init__(QCoreApplication.instance())
        self.titre, self.job = titre, job
        self.termine = False
        self.resultat: object = None
        self._on_done, self._on_cancel, self._on_error = on_done, on_cancel, on_error
        self._parent = parent
        self.dialog = QProgressDialog(texte, "Annuler", 0, 0, parent)
        self.dialog.setWindowTitle(titre)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal if parent is not None
                                      else Qt.WindowModality.ApplicationModal)
        self.dialog.setMinimumDuration(DELAI_AFFICHAGE_MS)
        self.dialog.setMinimumWidth(380)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.canceled.connect(self.annuler)
        signals = job.signals
        signals.progressed.connect(self._progression)
        signals.message.connect(self._message)
        signals.succeeded.connect(self._reussi)
        signals.failed.connect(self._echoue)
        signals.cancelled.connect(self._annule)

    def annuler(self) -> None:
        """What *Annuler* does: ask the job to stop at its next ``step``."""
        if not self.termine:
            self.job.control.cancel()
            if isValid(self.dialog):
                self.dialog.setLabelText("Annulation en cours…")

    def _progression(self, done: int, total: int) -> None:
        if self.termine or self.job.control.cancelled or not isValid(self.dialog):
            return
        if total > 0:
            self.dialog.setMaximum(total)
            self.dialog.setValue(min(done, total))
        else:
            self.dialog.setMaximum(0)

    def _message(self, texte: str) -> None:
        if not self.termine and isValid(self.dialog):
            self.dialog.setLabelText(texte)

    def _fin(self) -> None:
        self.termine = True
        if not isValid(self._parent):  # the screen was closed meanwhile
            self._parent = None
        if isValid(self.dialog):
            self.dialog.canceled.disconnect(self.annuler)  # closing it emits canceled
            self.dialog.reset()  # stops its pending "show after DELAI_AFFICHAGE_MS" timer
            self.dialog.close()
            self.dialog.deleteLater()
        self.deleteLater()

    def _reussi(self, result: object) -> None:
        self._fin()
        self.resultat = result
        if self._on_done is not None:
            self._on_done(result)
        self.succeeded.emit(result)

    def _echoue(self, exc: BaseException) -> None:
        self._fin()
        if self._on_error is not None:
            self._on_error(exc)
        else:
            afficher_erreur(self._parent, exc, self.titre)
        self.failed.emit(exc)

    def _annule(self) -> None:
        self._fin()
        if self._on_cancel is not None:
            self._on_cancel()
        self.cancelled.emit()

    def attendre(self) -> object:
        """Block in a local event loop until the job ends; its result, or None."""
        if not self.termine:
            boucle = QEventLoop()
            for signal in (self.succeeded, self.failed, self.cancelled):
                signal.connect(boucle.quit)
            boucle.exec()
        return self.resultat


def run_job(parent: QWidget | None, titre: str, fn: Callable[[JobControl], object],
            on_done: Callable[[object], None] | None = None, *,
            on_cancel: Callable[[], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None,
            texte: str | None = None, pool: QThreadPool | None = None) -> JobRun:
    """Start ``fn(control)`` in the background behind a progress dialog titled ``titre``.

    ``fn`` opens its own ``with state.transaction()``; on *Annuler* it is rolled
    back. Errors are shown with ``afficher_erreur`` unless ``on_error`` is given.
    """
    job = Job(fn)
    run = JobRun(parent, titre, job, on_done=on_done, on_cancel=on_cancel, on_error=on_error,
                 texte=texte or f"{titre}…")
    (pool or QThreadPool.globalInstance()).start(job)
    return run
