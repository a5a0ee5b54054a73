"""The context every service receives: who works, on which budget and exercice, and when.

No globals: the UI and the command line build a ``Context`` and pass it, with a
session, to each service. The clock is injectable so tests fix "today".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from corail.dates import PARIS, UTC, as_utc, utcnow


class Clock:
    """The real clock. ``today()`` is the date in Paris, ``now()`` an aware UTC datetime."""

    def now(self) -> datetime:
        return utcnow()

    def today(self) -> date:
        return self.now().astimezone(PARIS).date()


@dataclass(frozen=True)
class FixedClock(Clock):
    """A clock stopped at ``moment`` (tests, reproducible demos)."""

    moment: datetime = datetime(2026, 10, 15, 9, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return as_utc(self.moment)


@dataclass(frozen=True)
class Context:
    collectivite_id: int
    budget_id: int
    exercice: int
    utilisateur: str
    clock: Clock = field(default_factory=Clock)

    def today(self) -> date:
        return self.clock.today()

    def now(self) -> datetime:
        return self.clock.now()
