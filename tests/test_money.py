from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corail.money import (
    NBSP, MoneyError, format_eur, format_json, from_cents, parse_fr, split_evenly, to_cents,
    to_money, total,
)


def test_arrondi_unique_demi_superieur():
    assert to_money("3245.681450") == Decimal("3245.68")
    assert to_money("0.005") == Decimal("0.01")
    assert to_money("-0.005") == Decimal("-0.01")
    assert to_money("2.675") == Decimal("2.68")  # a float would give 2.67


def test_float_refuse():
    with pytest.raises(TypeError):
        to_money(0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize("texte, attendu", [
    ("3 277,42", "3277.42"), (f"3{NBSP}277,42", "3277.42"), ("3\u202f277,42", "3277.42"),
    ("3277.42", "3277.42"), ("-12,5", "-12.50"), ("40 €", "40.00"), ("0,5", "0.50"),
])
def test_parse_fr(texte, attendu):
    assert parse_fr(texte) == Decimal(attendu)


@pytest.mark.parametrize("texte", ["", "abc", "1,2,3", "1.234,56", "--1", "1e5", ".", "NaN",
                                   "800.123", "0,004", "1,000.00"])
def test_parse_fr_refuse(texte):
    with pytest.raises(MoneyError):
        parse_fr(texte)


def test_format_eur_espace_insecable():
    assert format_eur(Decimal("3277.42")) == f"3{NBSP}277,42"
    assert format_eur(Decimal("1234567.8")) == f"1{NBSP}234{NBSP}567,80"
    assert format_eur(Decimal("-40")) == "-40,00"
    assert format_eur(Decimal("0")) == "0,00"
    assert format_eur(Decimal("40"), symbol=True) == f"40,00{NBSP}€"
    assert format_eur(None) == ""
    assert format_json(Decimal("3277.4")) == "3277.40"


def test_centimes_aller_retour():
    assert to_cents("3277.42") == 327742
    assert from_cents(327742) == Decimal("3277.42")
    assert total([Decimal("0.10")] * 3) == Decimal("0.30")


def test_repartition_centimes_sur_la_derniere_part():
    parts = split_evenly(Decimal("100.00"), 3)
    assert parts == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert sum(parts) == Decimal("100.00")


@given(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False))
def test_format_parse_aller_retour(montant):
    assert parse_fr(format_eur(montant)) == montant
    assert from_cents(to_cents(montant)) == montant
