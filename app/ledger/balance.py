"""What a household owes on a date, itemized: open charges, the credits applied, unapplied credit, aging.

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
    as_of: date
    total_cents: int
    """Positive: owed. Negative: the household is in credit."""
    open_charges: tuple[OpenCharge, ...]
    credits_applied: tuple[Entry, ...]
    """Payments and credits counted in this balance, newest first."""
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


def summarize_balance(entries: Iterable[Entry], as_of: date) -> BalanceSummary:
    """Itemize the balance on `as_of`. The total always equals the sum of the visible entries."""
    visible = visible_on(entries, as_of)
    receivable = [e for e in visible if e.kind is not EntryKind.DEPOSIT]
    if any(e.kind is EntryKind.REVERSAL for e in receivable):
        standing, _ = cancel_reversals(receivable)
    else:
        standing = receivable
    credits = sorted((e for e in standing if e.amount_cents < 0), key=_credit_order)
    charges = [e for e in standing if e.amount_cents > 0]
    total = sum(e.amount_cents for e in receivable)
    deposit = sum(e.amount_cents for e in visible if e.kind is EntryKind.DEPOSIT)
    pool = -sum(e.amount_cents for e in credits)
    charged = sum(e.amount_cents for e in charges)
    if pool >= charged:  # every charge is paid: nothing to allocate one by one
        return settled_summary(
            as_of=as_of,
            total_cents=total,
            credits_applied=tuple(reversed(credits)),
            unapplied_credit_cents=pool - charged,
            deposit_held_cents=deposit,
        )

    charges.sort(key=_charge_order)
    open_charges: list[OpenCharge] = []
    for charge in charges:
        applied = min(pool, charge.amount_cents)
        pool -= applied
        if charge.amount_cents > applied:
            days = (as_of - charge.effective_on).days
            open_charges.append(OpenCharge(charge, charge.amount_cents - applied, days))

    aging = _NO_AGING.copy()
    for oc in open_charges:
        aging[oc.bucket] += oc.open_cents
    assert total == sum(oc.open_cents for oc in open_charges) - pool, "allocation lost a cent"
    return BalanceSummary(
        as_of=as_of,
        total_cents=total,
        open_charges=tuple(open_charges),
        credits_applied=tuple(reversed(credits)),
        unapplied_credit_cents=pool,
        deposit_held_cents=deposit,
        aging=aging,
    )


def settled_summary(
    *,
    as_of: date,
    total_cents: int,
    credits_applied: tuple[Entry, ...],
    unapplied_credit_cents: int,
    deposit_held_cents: int,
) -> BalanceSummary:
    """The summary of a ledger whose credits cover every charge: nothing open, the rest unapplied.

    `credits_applied` are the standing credits newest first, in the order `summarize_balance` gives
    them: reversed (effective_on, amount_cents, description, id).
    """
    assert total_cents == -unapplied_credit_cents, "allocation lost a cent"
    return BalanceSummary(
        as_of=as_of,
        total_cents=total_cents,
        open_charges=(),
        credits_applied=credits_applied,
        unapplied_credit_cents=unapplied_credit_cents,
        deposit_held_cents=deposit_held_cents,
        aging=_NO_AGING.copy(),
    )


def changes_since(entries: Iterable[Entry], since: date, as_of: date) -> tuple[list[Entry], int]:
    """Entries posted from `since` to `as_of` (oldest first) and how much they moved the balance."""
    changed = sorted(
        (e for e in entries if since <= e.posted_on <= as_of and e.effective_on <= as_of),
        key=lambda e: (e.posted_on, e.id),
    )
    delta = sum(e.amount_cents for e in changed if e.kind is not EntryKind.DEPOSIT)
    return changed, delta
