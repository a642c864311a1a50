from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.money import AmountError, format_cents, parse_amount, percent_of


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("75", 7500),
        ("75.5", 7550),
        ("$1,850.00", 185000),
        ("-20.05", -2005),
        (" 0.99 ", 99),
        (Decimal("12.30"), 1230),
    ],
)
def test_reads_dollars_and_cents(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize("bad", ["75.001", "abc", "", "1,85", "7 5", "1e3", "NaN", "$-5", "--5"])
def test_refuses_inexact_or_malformed_amounts(bad: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(bad)


def test_refuses_floats() -> None:
    with pytest.raises(AmountError, match="not a float"):
        parse_amount(75.5)  # type: ignore[arg-type]


def test_formats_for_people() -> None:
    assert format_cents(102_500) == "$1,025.00"
    assert format_cents(-5) == "-$0.05"
    assert format_cents(7500, signed=True) == "+$75.00"
    with pytest.raises(TypeError):
        format_cents(1.5)  # type: ignore[arg-type]


@given(st.integers(-(10**10), 10**10))
def test_format_then_parse_round_trips(cents: int) -> None:
    assert parse_amount(format_cents(cents).replace("$", "")) == cents


def test_percent_rounds_half_up() -> None:
    assert percent_of(1_234_50, 500) == 61_73
    assert percent_of(1_000, 5) == 1  # 0.5 cent rounds up
