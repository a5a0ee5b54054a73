"""The application's state shared by every screen: database, collectivité en cours, change bus.

Screens receive an ``AppState``; they never reach a global. Services are called
with a session from ``state.transaction()`` (a unit of work) or ``state.lecture()``
and the current ``state.ctx``.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from PySide6.QtCore import QObject, QSettings, Signal
from sqlalchemy.orm import Session

from corail.context import Clock, Context
from corail.db.engine import Database


class AppState(QObject):
    #: the collectivité / budget / exercice en cours changed (argument: the new Context)
    contexte_change = Signal(object)
    #: data changed; the argument names what ("tiers", "budget", "collectivite", "nomenclature"...)
    donnees_modifiees = Signal(str)

    def __init__(self, db: Database, ctx: Context | None, *, clock: Clock | None = None,
                 settings: QSettings | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self._ctx = ctx
        self.clock = clock or Clock()
        self.settings = settings or QSettings("Corail", "Corail")

    @property
    def ctx(self) -> Context:
        if self._ctx is None:
            raise RuntimeError("aucune collectivité en cours")
        return self._ctx

    @property
    def a_contexte(self) -> bool:
        return self._ctx is not None

    def changer_contexte(self, ctx: Context) -> None:
        self._ctx = ctx
        self.contexte_change.emit(ctx)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.db.transaction() as session:
            yield session

    def lecture(self) -> Session:
        return self.db.lecture()

    def signaler(self, quoi: str) -> None:
        self.donnees_modifiees.emit(quoi)
