"""What a household owes on a date, itemized: open charges, unapplied credit, aging; its recent credits.

Payments and credits are applied to the oldest open charge first (same-day charges: rent, then other
charges, then fees). A reversal cancels the entry it reverses, so a returned payment re-opens what it
had paid. Deposits are held money, not part of what is owed; they are reported beside the balance.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from app.ledger.types import CHARGE_PRIORITY, AgingBucket, Entry, EntryKind


@dataclass(frozen=True, slots=True)
class OpenCharge:
    entry: Entry
    open_cents: int
    days_past_due: int

    @property
    def bucket(self) -> AgingBucket:
        return bucket_for(self.days_past_due)


@dataclass(frozen=True, slots=True)
class BalanceSummary:
    """What is owed on a date and what it is made of. The credits behind it are history, not part of
    the balance: `recent_credits` lists them for one account."""

    as_of: date
    total_cents: int
    """Positive: owed. Negative: the household is in credit."""
    open_charges: tuple[OpenCharge, ...]
    unapplied_credit_cents: int
    deposit_held_cents: int
    aging: dict[AgingBucket, int]

    @property
    def charged_cents(self) -> int:
        return sum(c.open_cents for c in self.open_charges)


_NO_AGING: dict[AgingBucket, int] = dict.fromkeys(AgingBucket, 0)


def bucket_for(days_past_due: int) -> AgingBucket:
    if days_past_due <= 0:
        return AgingBucket.CURRENT
    if days_past_due <= 30:
        return AgingBucket.DAYS_1_30
    if days_past_due <= 60:
        return AgingBucket.DAYS_31_60
    if days_past_due <= 90:
        return AgingBucket.DAYS_61_90
    return AgingBucket.DAYS_90_PLUS


def visible_on(entries: Iterable[Entry], as_of: date) -> list[Entry]:
    """The entries the ledger showed on `as_of`: posted by then and effective by then."""
    return [e for e in entries if e.posted_on <= as_of and e.effective_on <= as_of]


def _charge_order(entry: Entry) -> tuple[date, int, int, str, int]:
    return (
        entry.effective_on,
        CHARGE_PRIORITY.get(entry.kind, 9),
        entry.amount_cents,
        entry.description,
        entry.id,
    )


def _credit_order(entry: Entry) -> tuple[date, int, str, int]:
    return (entry.effective_on, entry.amount_cents, entry.description, entry.id)


def cancel_reversals(entries: Sequence[Entry]) -> tuple[list[Entry], list[Entry]]:
    """Split into (entries still standing, pairs cancelled by a reversal). A reversal whose target is
    not among `entries` stands on its own: positive re-opens as a charge, negative acts as a credit."""
    by_id = {e.id: e for e in entries}
    cancelled: set[int] = set()
    for e in entries:
        if e.kind is EntryKind.REVERSAL and e.reverses_id in by_id:
            cancelled.update((e.id, e.reverses_id))
    standing = [e for e in entries if e.id not in cancelled]
    return standing, [e for e in entries if e.id in cancelled]


def _standing_receivable(visible: Sequence[Entry]) -> tuple[list[Entry], list[Entry]]:
    """(every entry but deposits, those of them no reversal cancels)."""
    receivable = [e for e in visible if e.kind is not EntryKind.DEPOSIT]
    if any(e.kind is EntryKind.REVERSAL for e in receivable):
        return receivable, cancel_reversals(receivable)[0]
    return receivable, receivable


def summarize_balance(entries: Iterable[Entry], as_of: date) -> BalanceSummary:
    """Itemize the balance on `as_of`. The total always equals the sum of the visible entries."""
    visible = visible_on(entries, as_of)
    receivable, standing = _standing_receivable(visible)
    deposit = sum(e.amount_cents for e in visible if e.kind is EntryKind.DEPOSIT)
    return allocate_credits(
        [e for e in standing if e.amount_cents > 0],
        credit_cents=-sum(e.amount_cents for e in standing if e.amount_cents < 0),
        total_cents=sum(e.amount_cents for e in receivable),
        deposit_held_cents=deposit,
        as_of=as_of,
    )


def allocate_credits(
    charges: Sequence[Entry],
    *,
    credit_cents: int,
    total_cents: int,
    deposit_held_cents: int,
    as_of: date,
) -> BalanceSummary:
    """Apply `credit_cents` of standing credits to the standing `charges`, oldest first, and summarize.

    Only the credits' sum matters to what stays open, so a caller that already has the sums (one SQL
    pass over many ledgers) need not read the credits themselves. `total_cents` is the sum of every
    visible entry but deposits, cancelled pairs included (they sum to nothing).
    """
    pool = credit_cents
    charged = sum(c.amount_cents for c in charges)
    if pool >= charged:  # every charge is paid: nothing to allocate one by one
        assert total_cents == charged - pool, "allocation lost a cent"
        return settled_balance(total_cents, deposit_held_cents=deposit_held_cents, as_of=as_of)

    open_charges: list[OpenCharge] = []
    for charge in sorted(charges, key=_charge_order):
        applied = min(pool, charge.amount_cents)
        pool -= applied
        if charge.amount_cents > applied:
            days = (as_of - charge.effective_on).days
            open_charges.append(OpenCharge(charge, charge.amount_cents - applied, days))

    aging = _NO_AGING.copy()
    for oc in open_charges:
        aging[oc.bucket] += oc.open_cents
    assert total_cents == sum(oc.open_cents for oc in open_charges) - pool, "allocation lost a cent"
    return BalanceSummary(
        as_of=as_of,
        total_cents=total_cents,
        open_charges=tuple(open_charges),
        unapplied_credit_cents=pool,
        deposit_held_cents=deposit_held_cents,
        aging=aging,
    )


def settled_balance(total_cents: int, *, deposit_held_cents: int, as_of: date) -> BalanceSummary:
    """The balance of a ledger whose standing credits cover every charge (`total_cents` <= 0): nothing
    open, `-total_cents` unapplied."""
    return BalanceSummary(as_of, total_cents, (), -total_cents, deposit_held_cents, _NO_AGING.copy())


def recent_credits(entries: Iterable[Entry], as_of: date, *, limit: int) -> tuple[Entry, ...]:
    """The newest `limit` payments and credits counted in the balance on `as_of` (a reversal cancels
    the credit it reverses), newest first."""
    _, standing = _standing_receivable(visible_on(entries, as_of))
    credits = sorted((e for e in standing if e.amount_cents < 0), key=_credit_order, reverse=True)
    return tuple(credits[:limit])


def changes_since(entries: Iterable[Entry], since: date, as_of: date) -> tuple[list[Entry], int]:
    """Entries posted from `since` to `as_of` (oldest first) and how much they moved the balance."""
    changed = sorted(
        (e for e in entries if since <= e.posted_on <= as_of and e.effective_on <= as_of),
        key=lambda e: (e.posted_on, e.id),
    )
    delta = sum(e.amount_cents for e in changed if e.kind is not EntryKind.DEPOSIT)
    return changed, delta
