"""The answer checker: every amount and date in a reply must appear in this turn's tool results.

Facts are mined from the results generically: integer `*_cents` fields are amounts, `date` values are
dates, and text fields (passages, rules) contribute the amounts and dates written in them. An answer that
mentions anything else is not sent; the turn escalates instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.formatting import MONTHS_EN, MONTHS_ES

_MONEY = re.compile(r"(?<![\w.])-?\$\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{2}))?(?!\d)")
_MONTH_NAMES = {m.lower(): i + 1 for i, m in enumerate(MONTHS_EN)}
_MONTH_NAMES |= {m.lower()[:3]: i + 1 for i, m in enumerate(MONTHS_EN)}
_MONTH_NAMES |= {"sept": 9}
_EN_DATE = re.compile(
    r"\b("
    + "|".join(sorted(_MONTH_NAMES, key=len, reverse=True))
    + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?\b",
    re.IGNORECASE,
)
_ES_DATE = re.compile(
    r"\b(\d{1,2})\s+de\s+(" + "|".join(MONTHS_ES) + r")(?:\s+de\s+(\d{4}))?\b", re.IGNORECASE
)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_SLASH = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b")


@dataclass(frozen=True)
class Mention:
    amounts: set[int] = field(default_factory=set)
    dates: set[tuple[int | None, int, int]] = field(default_factory=set)
    """(year or None, month, day)."""


def mentions(text: str) -> Mention:
    """Amounts (in cents) and dates a piece of text states."""
    amounts = {int(m.group(1).replace(",", "")) * 100 + int(m.group(2) or 0) for m in _MONEY.finditer(text)}
    dates: set[tuple[int | None, int, int]] = set()
    for m in _EN_DATE.finditer(text):
        dates.add(
            (int(m.group(3)) if m.group(3) else None, _MONTH_NAMES[m.group(1).lower()], int(m.group(2)))
        )
    for m in _ES_DATE.finditer(text):
        dates.add(
            (
                int(m.group(3)) if m.group(3) else None,
                MONTHS_ES.index(m.group(2).lower()) + 1,
                int(m.group(1)),
            )
        )
    for m in _ISO.finditer(text):
        dates.add((int(m.group(1)), int(m.group(2)), int(m.group(3))))
    for m in _SLASH.finditer(text):
        month, day = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12 and 1 <= day <= 31:
            year = int(m.group(3)) if m.group(3) else None
            dates.add((year + 2000 if year is not None and year < 100 else year, month, day))
    return Mention(amounts, dates)


@dataclass
class Facts:
    amounts: set[int] = field(default_factory=set)
    dates: set[date] = field(default_factory=set)
    loose_dates: set[tuple[int | None, int, int]] = field(default_factory=set)

    def add_text(self, text: str) -> None:
        found = mentions(text)
        self.amounts |= found.amounts
        self.loose_dates |= found.dates

    def knows_date(self, when: tuple[int | None, int, int]) -> bool:
        year, month, day = when
        if any(d.month == month and d.day == day and (year is None or d.year == year) for d in self.dates):
            return True
        return any(
            m == month and d == day and (year is None or y in (None, year)) for y, m, d in self.loose_dates
        )


def facts_from(results: Iterable[Any]) -> Facts:
    """Everything the tool results of a turn state: amounts, dates, and those written in their text."""
    facts = Facts()
    for result in results:
        _walk(result, facts, key="")
    return facts


def _walk(value: Any, facts: Facts, key: str) -> None:
    if hasattr(value, "model_dump"):
        value = value.model_dump()
    if isinstance(value, dict):
        for k, v in value.items():
            _walk(v, facts, str(k))
    elif isinstance(value, list | tuple):
        for item in value:
            _walk(item, facts, key)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int) and key.endswith("_cents"):
        facts.amounts.update({value, abs(value)})
    elif isinstance(value, date):
        facts.dates.add(value)
    elif isinstance(value, str):
        facts.add_text(value)


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    unsupported_amounts: list[int]
    unsupported_dates: list[tuple[int | None, int, int]]


def check_answer(answer: str, facts: Facts) -> CheckResult:
    said = mentions(answer)
    amounts = sorted(a for a in said.amounts if a not in facts.amounts)
    dates = sorted((d for d in said.dates if not facts.knows_date(d)), key=lambda d: (d[0] or 0, d[1], d[2]))
    return CheckResult(not amounts and not dates, amounts, dates)
