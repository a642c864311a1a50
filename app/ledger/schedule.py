"""Due dates: when the next rent is due, how much, and what happens if it is late."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from app.ledger.jurisdictions import Jurisdiction
from app.ledger.late_fees import effective_rule, first_late_day, late_fee_on
from app.ledger.types import LeaseTerms


def due_date_in(year: int, month: int, due_day: int) -> date:
    """The due date in a month; a due day past the month's end falls on its last day."""
    return date(year, month, min(due_day, calendar.monthrange(year, month)[1]))


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return due_date_in(year, month + 1, day.day)


@dataclass(frozen=True, slots=True)
class NextDue:
    due_on: date
    amount_cents: int
    """What the month's scheduled charges add: rent plus recurring charges."""
    items: tuple[tuple[str, int], ...]
    late_after: date
    """The first day the payment counts as late."""
    late_fee_cents: int
    """The fee charged on the first late day."""
    late_fee_max_cents: int | None
    """The most the fee can grow to (daily rules), or None when it does not grow."""


def next_due(
    terms: LeaseTerms, *, as_of: date, jurisdiction: Jurisdiction | None = None, lease_end: date | None = None
) -> NextDue | None:
    """The next due date on or after `as_of`, or None when the lease ends before it."""
    due_on = due_date_in(as_of.year, as_of.month, terms.due_day)
    if due_on < as_of:
        due_on = due_date_in(*_next_month(as_of), terms.due_day)
    if lease_end is not None and due_on > lease_end:
        return None
    eff = effective_rule(
        terms.late_fee, grace_days=terms.grace_days, rent_cents=terms.rent_cents, jurisdiction=jurisdiction
    )
    late_after = first_late_day(due_on, eff.grace_days)
    first_fee = late_fee_on(
        eff.rule, rent_cents=terms.rent_cents, due_on=due_on, grace_days=eff.grace_days, on=late_after
    )
    items = (("Rent", terms.rent_cents), *terms.recurring)
    return NextDue(
        due_on=due_on,
        amount_cents=sum(cents for _, cents in items),
        items=items,
        late_after=late_after,
        late_fee_cents=first_fee,
        late_fee_max_cents=eff.rule.cap_cents if eff.rule.daily_cents else None,
    )


def _next_month(day: date) -> tuple[int, int]:
    return (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
