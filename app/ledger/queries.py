"""Reading the ledger out of the database into the plain types the pure functions take."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from itertools import groupby
from operator import itemgetter

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.ledger.balance import BalanceSummary, summarize_balance
from app.ledger.types import Entry, EntryKind, LateFeeKind, LateFeeRule, LeaseTerms
from app.models import Lease, LedgerEntry, RecurringCharge

_ENTRY_COLUMNS = (
    LedgerEntry.lease_id,
    LedgerEntry.id,
    LedgerEntry.kind,
    LedgerEntry.amount_cents,
    LedgerEntry.effective_on,
    LedgerEntry.posted_on,
    LedgerEntry.description,
    LedgerEntry.reverses_id,
    LedgerEntry.charge_code,
)
_KINDS = {k.value: k for k in EntryKind}


def _entries(rows: Iterable[tuple]) -> list[Entry]:  # type: ignore[type-arg]
    kinds = _KINDS
    return [Entry(r[1], kinds[r[2]], r[3], r[4], r[5], r[6], r[7], r[8]) for r in rows]


def _entries_query(as_of: date | None) -> Select:  # type: ignore[type-arg]
    query = select(*_ENTRY_COLUMNS)
    if as_of is not None:
        query = query.where(LedgerEntry.posted_on <= as_of, LedgerEntry.effective_on <= as_of)
    return query


def lease_entries(session: Session, lease_id: int, *, as_of: date | None = None) -> list[Entry]:
    rows = session.execute(
        _entries_query(as_of).where(LedgerEntry.lease_id == lease_id).order_by(LedgerEntry.id)
    )
    return _entries(rows)


def lease_terms(lease: Lease) -> LeaseTerms:
    return LeaseTerms(
        rent_cents=lease.rent_cents,
        due_day=lease.due_day,
        grace_days=lease.grace_days,
        late_fee=LateFeeRule(
            kind=LateFeeKind(lease.late_fee_kind),
            amount_cents=lease.late_fee_amount_cents,
            percent_bp=lease.late_fee_percent_bp,
            daily_cents=lease.late_fee_daily_cents,
            cap_cents=lease.late_fee_cap_cents,
        ),
        nsf_fee_cents=lease.nsf_fee_cents,
        recurring=tuple((c.description, c.amount_cents) for c in lease.recurring_charges),
    )


def recurring_for(session: Session, lease_ids: Iterable[int]) -> dict[int, list[RecurringCharge]]:
    ids = list(lease_ids)
    out: dict[int, list[RecurringCharge]] = {i: [] for i in ids}
    for charge in session.scalars(select(RecurringCharge).where(RecurringCharge.lease_id.in_(ids))):
        out[charge.lease_id].append(charge)
    return out


def all_summaries(session: Session, *, as_of: date) -> dict[int, BalanceSummary]:
    """Every lease's itemized balance in one pass over the ledger (one query, then pure functions)."""
    rows = session.execute(_entries_query(as_of).order_by(LedgerEntry.lease_id)).all()
    return {
        lease_id: summarize_balance(_entries(group), as_of)
        for lease_id, group in groupby(rows, key=itemgetter(0))
    }


def balances_by_sql(session: Session, *, as_of: date) -> dict[int, int]:
    """The plain GROUP BY sum of the same ledger: the floor the itemized pass is measured against."""
    query = (
        select(LedgerEntry.lease_id, func.sum(LedgerEntry.amount_cents))
        .where(LedgerEntry.kind != EntryKind.DEPOSIT.value)
        .where(LedgerEntry.posted_on <= as_of, LedgerEntry.effective_on <= as_of)
        .group_by(LedgerEntry.lease_id)
    )
    return {lease_id: int(total) for lease_id, total in session.execute(query)}
