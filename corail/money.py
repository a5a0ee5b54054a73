"""Money: Decimal from strings, one rounding rule, integer cents in the database.

Every amount in Corail goes through this module:

* ``to_money`` turns a str / int / Decimal into a Decimal rounded to the cent,
  with the single rounding rule ``ROUNDING`` (ROUND_HALF_UP, the French
  commercial rule: 0,005 → 0,01);
* ``to_cents`` / ``from_cents`` convert to and from the integer stored in the
  database;
* ``parse_fr`` reads what a user types (``"3 277,42"``, ``"3277.42"``, with
  spaces, no-break or narrow no-break spaces as thousands separators);
* ``format_eur`` prints ``3 277,42`` with a no-break space (U+00A0) as the
  thousands separator; ``format_json`` prints ``"3277.42"`` for ``--json``.

A float is never accepted: it would carry binary rounding errors.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Iterable

from corail.errors import ValidationError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
ROUNDING = ROUND_HALF_UP
NBSP = "\u00a0"
_SPACES = (" ", NBSP, "\u202f", "\u2009")

#: Largest amount Corail accepts (PES amounts are at most 15 digits before the point).
MAX_AMOUNT = Decimal("999999999999.99")


class MoneyError(ValidationError, ValueError):
    """An amount that cannot be read; the message is French and names the value."""


def to_money(value: str | int | Decimal) -> Decimal:
    """The amount rounded to the cent with Corail's one rounding rule."""
    if isinstance(value, float):
        raise TypeError("un montant ne se construit jamais depuis un float")
    if isinstance(value, bool):
        raise TypeError("un booléen n'est pas un montant")
    if isinstance(value, str):
        text = value.strip()
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise MoneyError(f"montant illisible : « {value} »") from None
    elif isinstance(value, int):
        value = Decimal(value)
    if not value.is_finite():
        raise MoneyError(f"montant invalide : « {value} »")
    rounded = value.quantize(CENT, rounding=ROUNDING)
    if abs(rounded) > MAX_AMOUNT:
        raise MoneyError(f"montant hors limites : « {value} »")
    return rounded


def to_cents(value: str | int | Decimal) -> int:
    """Integer cents of an amount (rounded first)."""
    return int(to_money(value).scaleb(2))


def from_cents(cents: int) -> Decimal:
    """The Decimal amount of an integer number of cents."""
    return Decimal(int(cents)).scaleb(-2).quantize(CENT)


def parse_fr(text: str) -> Decimal:
    """Read an amount typed the French way: ``3 277,42``, ``-12,5``, ``3277.42``.

    A comma is the decimal separator; a dot is accepted as one when there is no
    comma. Thousands separators may be spaces (ordinary, no-break, narrow).
    """
    if text is None:
        raise MoneyError("montant manquant")
    raw = str(text).strip()
    if raw.endswith("€"):
        raw = raw[:-1].strip()
    cleaned = raw
    for space in _SPACES:
        cleaned = cleaned.replace(space, "")
    if not cleaned:
        raise MoneyError("montant manquant")
    if "," in cleaned:
        if cleaned.count(",") > 1 or "." in cleaned:
            raise MoneyError(f"montant illisible : « {text} »")
        cleaned = cleaned.replace(",", ".")
    if cleaned.count(".") > 1:
        raise MoneyError(f"montant illisible : « {text} »")
    body = cleaned.lstrip("+-")
    if not body or not all(c.isdigit() or c == "." for c in body) or body == ".":
        raise MoneyError(f"montant illisible : « {text} »")
    if len(body.partition(".")[2]) > 2:
        raise MoneyError(f"montant illisible : « {text} » (deux décimales au plus)")
    return to_money(cleaned)


def format_eur(amount: Decimal | None, *, symbol: bool = False) -> str:
    """``3 277,42`` (no-break space as thousands separator); ``""`` for None."""
    if amount is None:
        return ""
    value = to_money(amount)
    sign = "-" if value < 0 else ""
    integer, _, decimals = f"{abs(value):.2f}".partition(".")
    groups = []
    while len(integer) > 3:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    groups.insert(0, integer)
    text = f"{sign}{NBSP.join(groups)},{decimals}"
    return f"{text}{NBSP}€" if symbol else text


def format_json(amount: Decimal | None) -> str | None:
    """``"3277.42"``: the machine form used by ``--json``."""
    return None if amount is None else f"{to_money(amount):.2f}"


def total(amounts: Iterable[Decimal]) -> Decimal:
    """Sum of amounts, starting from a Decimal zero."""
    return sum((to_money(a) for a in amounts), ZERO)


def split_evenly(amount: Decimal, parts: int) -> list[Decimal]:
    """Split ``amount`` in ``parts`` cent amounts; the rounding cents go on the last part."""
    if parts <= 0:
        raise ValueError("parts must be positive")
    amount = to_money(amount)
    share = (amount / parts).quantize(CENT, rounding=ROUNDING)
    shares = [share] * (parts - 1)
    shares.append(amount - share * (parts - 1))
    return shares
