"""Money at the edges: parsing what people type into integer cents, and formatting cents for people.

Inside Doorstep every amount is an `int` of cents. Nothing here returns or accepts a float.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_AMOUNT = re.compile(r"^\s*(?P<sign>-)?\s*\$?\s*(?P<body>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d{1,2}))?\s*$")
MAX_CENTS = 10**11  # $1,000,000,000.00: far above any rent ledger line, well inside 64-bit integers.


class AmountError(ValueError):
    """A money amount that cannot be read exactly as dollars and cents."""


def parse_amount(text: str | int | Decimal) -> int:
    """Read "1,850.00", "$75", "-20.5" (and Decimal) into cents; refuse anything inexact.

    Floats are refused on purpose: 0.1 + 0.2 is not 0.3, and a ledger cannot round silently.
    An `int` is taken as whole dollars only when it comes from code; prefer passing cents directly.
    """
    if isinstance(text, bool) or isinstance(text, float):
        raise AmountError(f"amount must be written as text like 75.00, not a {type(text).__name__}")
    if isinstance(text, int):
        return _checked(text * 100)
    if isinstance(text, Decimal):
        return _from_decimal(text)
    match = _AMOUNT.match(text)
    if not match:
        raise AmountError(f"{text!r} is not an amount: write dollars and cents like 75 or 1,850.00")
    body = match["body"].replace(",", "")
    frac = (match["frac"] or "").ljust(2, "0")
    cents = int(body) * 100 + int(frac or "0")
    return _checked(-cents if match["sign"] else cents)


def _from_decimal(value: Decimal) -> int:
    try:
        cents = value * 100
        if cents != cents.to_integral_value():
            raise AmountError(f"{value} has more than two decimal places")
        return _checked(int(cents))
    except InvalidOperation as exc:
        raise AmountError(f"{value!r} is not a finite amount") from exc


def _checked(cents: int) -> int:
    if abs(cents) > MAX_CENTS:
        raise AmountError("amount is larger than any ledger line Doorstep accepts")
    return cents


def format_cents(cents: int, *, signed: bool = False) -> str:
    """1234567 -> "$12,345.67"; -500 -> "-$5.00" (or "+$5.00"/"-$5.00" with signed=True)."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"format_cents takes integer cents, got {type(cents).__name__}")
    sign = "-" if cents < 0 else ("+" if signed and cents > 0 else "")
    dollars, rest = divmod(abs(cents), 100)
    return f"{sign}${dollars:,}.{rest:02d}"


def percent_of(cents: int, basis_points: int) -> int:
    """`basis_points`/10,000 of `cents`, rounded half up to the cent (5% of $1,234.50 = $61.73)."""
    numerator = cents * basis_points
    return (numerator + 5_000) // 10_000 if numerator >= 0 else -((-numerator + 5_000) // 10_000)
