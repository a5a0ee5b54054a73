"""Dates and timestamps.

Accounting dates are ``datetime.date`` and are shown JJ/MM/AAAA. Timestamps are
timezone-aware UTC ``datetime`` values, stored in UTC and shown in Europe/Paris
as ``JJ/MM/AAAA HHhMM`` (the étapes' format).
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
UTC = timezone.utc


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken as already UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def to_paris(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(PARIS)


def format_date(value: date | datetime | None) -> str:
    """``05/10/2026``; ``""`` for None. A datetime is shown as its Paris date."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_paris(value).date()
    return value.strftime("%d/%m/%Y")


def format_horodatage(moment: datetime | None) -> str:
    """``05/10/2026 14h07`` in Paris time; ``""`` for None."""
    if moment is None:
        return ""
    return to_paris(moment).strftime("%d/%m/%Y %Hh%M")


def parse_date_fr(text: str) -> date:
    """Read ``05/10/2026`` or ``2026-10-05``; ValueError with a French message otherwise."""
    raw = (text or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"date invalide : « {text} » (attendu JJ/MM/AAAA)")


def bornes_exercice(annee: int) -> tuple[date, date]:
    """First and last day of an exercice (the journée complémentaire is handled by services)."""
    return date(annee, 1, 1), date(annee, 12, 31)
