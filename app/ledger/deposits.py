"""Security deposits held: pure functions over a lease's deposit lines, (effective date, signed cents).

Positive lines are money received and held, negative ones money released. What is held on a day is the
sum of the lines effective by then, so a release must leave that sum at zero or more on its own day and
on every day after it: a receipt dated next month is not held today.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date


def lowest_held(lines: Iterable[tuple[date, int]], *, from_day: date) -> tuple[date, int]:
    """The day, on or after `from_day`, when the least is held, and how much (the earliest such day)."""
    ordered = sorted(lines)
    held = sum(cents for day, cents in ordered if day <= from_day)
    low_day, low = from_day, held
    later = [(day, cents) for day, cents in ordered if day > from_day]
    for index, (day, cents) in enumerate(later):
        held += cents
        last_of_day = index + 1 == len(later) or later[index + 1][0] != day
        if last_of_day and held < low:
            low_day, low = day, held
    return low_day, low
