"""A lease's payment history month by month, read from its ledger lines. Pure: no database, no clock.

A month is *late* when what was owed by its due date (that month's rent and charges plus anything
carried) was not covered by payments and credits made by the last day of grace: exactly when the
lease's late fee falls due. A reversal counts against the payment it reverses, so a returned payment
makes its month late unless it was made good in time. A month is *partial* when it was late although
something was paid around its due date. `days_late` is how long after the due date the month was
covered for good (a later return re-opens it), as far as the ledger showed on the day asked about.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from app.ledger.balance import visible_on
from app.ledger.late_fees import first_late_day
from app.ledger.schedule import add_months, due_date_in
from app.ledger.types import CHARGE_KINDS, Entry, EntryKind

LOOKBACK_MONTHS = 12
"""How many of the latest completed months the features read."""
PARTIAL_WINDOW_DAYS = 10
"""A payment this many days before the due date, or later up to the deadline, counts toward the month."""
MAX_DAYS_LATE = 31
"""Days late beyond this count as this many: a month that is a month late is simply very late."""


@dataclass(frozen=True, slots=True)
class LeaseHistory:
    """What the risk functions need to know of one lease."""

    lease_id: int
    lease_ref: str
    property_code: str
    start_on: date
    due_day: int
    grace_days: int
    """The grace the lease and its state's law give together (the longer of the two)."""
    monthly_cents: int
    """Rent plus the lease's recurring charges: one month's scheduled charges."""
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class MonthOutcome:
    due_on: date
    short_cents: int
    """What was still unpaid at the end of the last day of grace (0 when on time)."""
    late: bool
    partial: bool
    days_late: int
    """0 when on time; else days from the due date until covered for good, at most `MAX_DAYS_LATE`
    (a month still open counts the days so far)."""


class _Ledger:
    """Running sums of the entries visible on a day: charges by effective date, and payments, credits
    and reversals (net) by effective date, with the lowest later running total at each point (so
    "covered from this day on" is a binary search)."""

    def __init__(self, visible: Sequence[Entry]) -> None:
        charges: dict[date, int] = {}
        credits: dict[date, int] = {}
        for e in visible:
            if e.kind is EntryKind.DEPOSIT:
                continue
            side = charges if e.kind in CHARGE_KINDS else credits
            side[e.effective_on] = side.get(e.effective_on, 0) + (
                e.amount_cents if side is charges else -e.amount_cents
            )
        self.charge_days, self.charged = _running(charges)
        self.credit_days, self.credited = _running(credits)
        lowest: list[int] = []
        floor: int | None = None
        for total in reversed(self.credited):
            floor = total if floor is None else min(floor, total)
            lowest.append(floor)
        self.lowest_after = lowest[::-1]
        """`lowest_after[i]`: the least running credit from `credit_days[i]` on (non-decreasing)."""

    def charged_by(self, day: date) -> int:
        i = bisect_right(self.charge_days, day)
        return self.charged[i - 1] if i else 0

    def credited_by(self, day: date) -> int:
        i = bisect_right(self.credit_days, day)
        return self.credited[i - 1] if i else 0

    def covered_from(self, owed: int) -> date | None:
        """The first day from which the running credit never again falls below `owed`, or None."""
        i = bisect_left(self.lowest_after, owed)
        return self.credit_days[i] if i < len(self.credit_days) else None


def _running(by_day: dict[date, int]) -> tuple[list[date], list[int]]:
    days = sorted(by_day)
    totals: list[int] = []
    total = 0
    for day in days:
        total += by_day[day]
        totals.append(total)
    return days, totals


@dataclass(frozen=True, slots=True)
class HistoryOn:
    """A lease's payment history as its ledger showed it on one day."""

    on: date
    months: tuple[MonthOutcome, ...]
    """The latest completed months (grace ended by `on`), oldest first."""
    arrears_cents: int
    """What was due by the latest completed due date and is still unpaid on `on` (never negative:
    money paid ahead is not a debt carried)."""
    returned_payments: int
    """Payments reversed (returned by the bank) in the year up to `on`."""


def history_on(history: LeaseHistory, *, on: date, lookback: int | None = LOOKBACK_MONTHS) -> HistoryOn:
    """The lease's history as of `on`: its latest `lookback` completed months (all with None), what it
    carries past due, and its returned payments."""
    visible = visible_on(history.entries, on)
    dues = _completed_dues(visible, history.grace_days, on)
    ledger = _Ledger(visible)
    shown = dues if lookback is None else dues[-lookback:]
    months = tuple(_outcome(ledger, due, history.grace_days, on) for due in shown)
    arrears = max(ledger.charged_by(dues[-1]) - ledger.credited_by(on), 0) if dues else 0
    return HistoryOn(on, months, arrears, _returns(visible, since=on - timedelta(days=365)))


def month_is_late(history: LeaseHistory, *, due_on: date, known_on: date) -> bool:
    """Whether the rent due on `due_on` was late, by the ledger as it stood on `known_on` (a day after
    its grace ended)."""
    ledger = _Ledger(visible_on(history.entries, known_on))
    return _outcome(ledger, due_on, history.grace_days, known_on).late


def _completed_dues(visible: Sequence[Entry], grace_days: int, on: date) -> list[date]:
    return sorted(
        {
            e.effective_on
            for e in visible
            if e.kind is EntryKind.RENT and first_late_day(e.effective_on, grace_days) <= on
        }
    )


def _outcome(ledger: _Ledger, due: date, grace_days: int, on: date) -> MonthOutcome:
    charged = ledger.charged_by(due)
    last_grace_day = first_late_day(due, grace_days) - timedelta(days=1)
    paid_in_time = ledger.credited_by(last_grace_day)
    short = max(charged - paid_in_time, 0)
    if short == 0:
        return MonthOutcome(due, 0, late=False, partial=False, days_late=0)
    window_start = due - timedelta(days=PARTIAL_WINDOW_DAYS + 1)
    covered = ledger.covered_from(charged)
    until = on if covered is None else min(covered, on)
    return MonthOutcome(
        due_on=due,
        short_cents=short,
        late=True,
        partial=paid_in_time - ledger.credited_by(window_start) > 0,
        days_late=min(max((until - due).days, 0), MAX_DAYS_LATE),
    )


def _returns(visible: Sequence[Entry], *, since: date) -> int:
    payments = {e.id for e in visible if e.kind is EntryKind.PAYMENT}
    return sum(
        1
        for e in visible
        if e.kind is EntryKind.REVERSAL
        and e.effective_on >= since
        and (e.reverses_id in payments or (e.reverses_id is None and e.amount_cents > 0))
    )


def next_due_on(due_day: int, *, as_of: date) -> date:
    """The first due date on or after `as_of` for rent due on `due_day`."""
    due = due_date_in(as_of.year, as_of.month, due_day)
    return due if due >= as_of else due_date_in(*_month_after(as_of), due_day)


def _month_after(day: date) -> tuple[int, int]:
    following = add_months(day.replace(day=1), 1)
    return following.year, following.month
