"""Where an account stands against one period's rent, from its ledger lines alone. Pure.

The ledger holds cleared money only: a payment is posted when it succeeds (a pending ACH is a `payments`
row, not a ledger line), and a returned one is cancelled by its reversal. So "do cleared dollars cover
what is owed" is read straight off the standing lines:

- owed: every standing charge effective on or before the period's due date (older arrears included);
- cleared: every standing payment and credit visible on the day (payments apply oldest first, so they
  cover charges due by the due date before anything later);
- short: owed less cleared, never below 0. Half the rent is not the rent: any shortfall counts.
- rent_short: the same without late and NSF fees on the owed side. A late fee is charged on unpaid rent,
  never on unpaid fees, so the fee step and the formal notice read this one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from app.ledger.balance import cancel_reversals, visible_on
from app.ledger.schedule import add_months, due_date_in
from app.ledger.types import Entry, EntryKind

FEE_KINDS = frozenset({EntryKind.LATE_FEE, EntryKind.NSF_FEE})
ROUTINE_KINDS = frozenset({EntryKind.RENT, EntryKind.PAYMENT, EntryKind.LATE_FEE, EntryKind.NSF_FEE})
"""Lines that never make a balance "recently changed": the rent, the payments against it, and the fees the
lease sets (a returned payment's fee comes with its reversal, which does count)."""


@dataclass(frozen=True, slots=True)
class Period:
    """One rent period: from a due date up to (not including) the next one."""

    due_on: date
    next_due_on: date

    @property
    def last_day(self) -> date:
        return self.next_due_on - timedelta(days=1)


def period_for(due_day: int, on: date) -> Period:
    """The period `on` falls in: its due date is the latest one on or before `on`."""
    due = due_date_in(on.year, on.month, due_day)
    if due > on:
        first = on.replace(day=1)
        previous = add_months(first, -1)
        due = due_date_in(previous.year, previous.month, due_day)
    following = add_months(due.replace(day=1), 1)
    return Period(due, due_date_in(following.year, following.month, due_day))


def previous_period(period: Period, due_day: int) -> Period:
    return period_for(due_day, period.due_on - timedelta(days=1))


@dataclass(frozen=True, slots=True)
class Position:
    as_of: date
    period: Period
    balance_cents: int
    """Every visible line but deposits: what the ledger says is owed today (negative: a credit)."""
    owed_cents: int
    rent_owed_cents: int
    cleared_cents: int
    late_fee_charged: bool
    """A standing late fee is effective in this period already (from any source: the PM, an import)."""
    last_paid_on: date | None
    """The latest day a standing payment was made or cleared."""

    @property
    def short_cents(self) -> int:
        return max(0, self.owed_cents - self.cleared_cents)

    @property
    def rent_short_cents(self) -> int:
        return max(0, self.rent_owed_cents - self.cleared_cents)


def standing(entries: Iterable[Entry], as_of: date) -> list[Entry]:
    """The receivable lines visible on `as_of` that no reversal cancels (deposits apart)."""
    visible = [e for e in visible_on(entries, as_of) if e.kind is not EntryKind.DEPOSIT]
    if any(e.kind is EntryKind.REVERSAL for e in visible):
        return cancel_reversals(visible)[0]
    return visible


def position(entries: Sequence[Entry], *, period: Period, as_of: date) -> Position:
    visible = [e for e in visible_on(entries, as_of) if e.kind is not EntryKind.DEPOSIT]
    lines = standing(visible, as_of)
    owed = rent_owed = cleared = 0
    fee_charged = False
    last_paid: date | None = None
    for e in lines:
        if e.amount_cents > 0:
            if e.effective_on <= period.due_on:
                owed += e.amount_cents
                if e.kind not in FEE_KINDS:
                    rent_owed += e.amount_cents
            if e.kind is EntryKind.LATE_FEE and period.due_on <= e.effective_on < period.next_due_on:
                fee_charged = True
        else:
            cleared -= e.amount_cents
            if e.kind is EntryKind.PAYMENT:
                paid = max(e.effective_on, e.posted_on)
                last_paid = paid if last_paid is None or paid > last_paid else last_paid
    return Position(
        as_of=as_of,
        period=period,
        balance_cents=sum(e.amount_cents for e in visible),
        owed_cents=owed,
        rent_owed_cents=rent_owed,
        cleared_cents=cleared,
        late_fee_charged=fee_charged,
        last_paid_on=last_paid,
    )


def short_on(entries: Sequence[Entry], *, due_on: date, paid_by: date, as_of: date) -> int:
    """Rent (no fees) owed through `due_on` less the standing credits made by `paid_by`, as the ledger
    stands on `as_of`: how short the account really was on `paid_by`, once every payment made by then
    has cleared or been returned. What the simulation's checks read; the ladder itself never can."""
    lines = standing(entries, as_of)
    owed = sum(
        e.amount_cents
        for e in lines
        if e.amount_cents > 0 and e.effective_on <= due_on and e.kind not in FEE_KINDS
    )
    paid = -sum(e.amount_cents for e in lines if e.amount_cents < 0 and e.effective_on <= paid_by)
    return max(0, owed - paid)


@dataclass(frozen=True, slots=True)
class Change:
    """A line that changed the balance recently, as staff should hear of it."""

    kind: EntryKind
    amount_cents: int
    posted_on: date
    description: str


def recent_changes(
    entries: Iterable[Entry],
    *,
    as_of: date,
    days: int,
    routine: frozenset[str],
    own: frozenset[int],
) -> list[Change]:
    """Non-routine lines posted in the last `days` days (today included): a charge staff added, a credit,
    a reversal. Not the rent, not payments, not the lease's recurring charges (`routine` charge codes),
    not the ladder's own fees (`own` entry ids)."""
    since = as_of - timedelta(days=days)
    return [
        Change(e.kind, e.amount_cents, e.posted_on, e.description)
        for e in entries
        if since < e.posted_on <= as_of
        and e.effective_on <= as_of
        and e.kind not in ROUTINE_KINDS
        and e.kind is not EntryKind.DEPOSIT
        and e.id not in own
        and not (e.kind is EntryKind.CHARGE and e.charge_code in routine)
    ]


def credits_applied(entries: Iterable[Entry], *, as_of: date, days: int) -> list[Change]:
    """Credits, concessions and deposit movements out (a deposit applied or released) in the last `days`
    days: what makes a balance ambiguous until staff look. A deposit received is not one."""
    since = as_of - timedelta(days=days)
    return [
        Change(e.kind, e.amount_cents, e.posted_on, e.description)
        for e in entries
        if since < e.posted_on <= as_of
        and e.effective_on <= as_of
        and e.amount_cents < 0
        and (e.kind is EntryKind.CREDIT or e.kind is EntryKind.DEPOSIT)
    ]
