"""Column types: money as integer cents, rates as integer ten-thousandths, UTC timestamps."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, Integer
from sqlalchemy.types import TypeDecorator

from corail.dates import UTC, as_utc
from corail.money import from_cents, to_cents


class Cents(TypeDecorator[Decimal]):
    """A Decimal amount stored as an integer number of cents (rounded by money.to_money)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else to_cents(value)

    def process_result_value(self, value, dialect):
        return None if value is None else from_cents(value)


class Taux(TypeDecorator[Decimal]):
    """A rate (percent, e.g. 12.1500) stored exactly as an integer of ten-thousandths."""

    impl = Integer
    cache_ok = True
    SCALE = 4

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("un taux ne se construit jamais depuis un float")
        scaled = Decimal(value).scaleb(self.SCALE)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"taux trop précis : {value} (4 décimales au plus)")
        return int(scaled)

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value).scaleb(-self.SCALE)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC, read back timezone-aware (UTC) on every engine."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return as_utc(value).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
