"""Progress and cancellation for long jobs, without Qt.

A long service takes ``control: JobControl = NO_CONTROL`` and calls
``control.step(done, total)`` regularly; the call raises ``Cancelled`` once the
user has asked to stop, so the job unwinds and its transaction rolls back. The
UI wraps this object in a Qt signal (``ui/jobs.py``); the command line can print
it.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable

from corail.errors import Cancelled

__all__ = ["JobControl", "NO_CONTROL", "Cancelled"]


def _ignore_progress(done: int, total: int) -> None:
    return None


def _ignore_message(text: str) -> None:
    return None


@dataclass
class JobControl:
    """``total`` < 0 means unknown. ``on_progress`` and ``on_message`` run in the job's thread."""

    on_progress: Callable[[int, int], None] = _ignore_progress
    on_message: Callable[[str], None] = _ignore_message
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)

    def cancel(self) -> None:
        self._stop.set()

    @property
    def cancelled(self) -> bool:
        return self._stop.is_set()

    def check(self) -> None:
        if self._stop.is_set():
            raise Cancelled()

    def step(self, done: int, total: int = -1) -> None:
        self.check()
        self.on_progress(done, total)

    def message(self, text: str) -> None:
        self.check()
        self.on_message(text)


class _NoControl(JobControl):
    """The default: never cancelled, reports nowhere; shared, so it refuses cancel()."""

    def cancel(self) -> None:  # pragma: no cover - a programming error
        raise RuntimeError("NO_CONTROL cannot be cancelled")


NO_CONTROL: JobControl = _NoControl()
