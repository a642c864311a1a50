"""Reading the ledger out of the database into the plain types the pure functions take."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from app.ledger.balance import BalanceSummary, allocate_credits, settled_balance, summarize_balance
from app.ledger.types import Entry, EntryKind, LateFeeKind, LateFeeRule, LeaseTerms
from app.memo import Memo
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


def _entries(rows: Iterable[Sequence[Any]]) -> list[Entry]:
    kinds = _KINDS
    return [Entry(r[1], kinds[r[2]], r[3], r[4], r[5], r[6], r[7], r[8]) for r in rows]


def _entries_query(as_of: date | None) -> Select[*tuple[Any, ...]]:
    query = select(*_ENTRY_COLUMNS)
    if as_of is not None:
        query = query.where(LedgerEntry.posted_on <= as_of, LedgerEntry.effective_on <= as_of)
    return query


# One lease's entries, built once with bound parameters: a statement built per call costs as much in
# SQLAlchemy as running it, and this one runs in almost every assistant turn.
_LEASE_ENTRIES = (
    select(*_ENTRY_COLUMNS).where(LedgerEntry.lease_id == bindparam("lease_id")).order_by(LedgerEntry.id)
)
_LEASE_ENTRIES_AS_OF = _LEASE_ENTRIES.where(
    LedgerEntry.posted_on <= bindparam("as_of"), LedgerEntry.effective_on <= bindparam("as_of")
)


def lease_entries(session: Session, lease_id: int, *, as_of: date | None = None) -> list[Entry]:
    if as_of is None:
        return _entries(session.execute(_LEASE_ENTRIES, {"lease_id": lease_id}))
    return _entries(session.execute(_LEASE_ENTRIES_AS_OF, {"lease_id": lease_id, "as_of": as_of}))


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
    """Every lease's itemized balance, keyed by lease id (ascending): for each lease with an entry
    visible on `as_of`, exactly what `summarize_balance` gives for its entries.

    What stays open depends on the charges and only the sum of the credits, and most households owe
    nothing on a given day. So one statement, read straight off the driver's cursor, brings each
    lease's sums (total, credited, deposits), the charges of the leases that owe, and every entry of
    the few leases with a reversal (a reversal decides which credits stand). Most leases are one row.
    On other databases, every entry goes through `summarize_balance`.
    """
    connection = session.connection()
    sql = _LEDGER_SQL.get(connection.dialect.name)
    if sql is None:
        return _summaries_one_by_one(session, as_of=as_of)
    cursor: Any = connection.connection.cursor()
    try:
        cursor.execute(sql.ledger, sql.parameters(as_of))
        rows: list[_Row] = cursor.fetchall()
    finally:
        cursor.close()
    return _summaries_from_rows(rows, as_of, sql.read_date)


# The rows of `_LedgerSql.ledger`, by their first column: SUMS, one per lease (SUMS, lease_id, None,
# total, None, credited, None, None, deposit, None); CHARGE, a charge of a lease that owes and has no
# reversal; and WHOLE, any entry of a lease with a reversal (WHOLE or CHARGE, lease_id, effective_on,
# amount_cents, description, id, kind, posted_on, reverses_id, charge_code). Dates are ISO strings on
# SQLite and `date` on PostgreSQL.
_Row = tuple[int, int, Any, int, Any, int, Any, Any, Any, Any]
_COLUMNS = "lease_id, effective_on, amount_cents, description, id, kind, posted_on, reverses_id, charge_code"
SUMS, CHARGE, WHOLE = 0, 1, 2


def _summaries_from_rows(
    rows: list[_Row], as_of: date, read_date: Callable[[Any], date] | None
) -> dict[int, BalanceSummary]:
    sums: dict[int, _Row] = {}
    charges: dict[int, list[Entry]] = {}
    whole: dict[int, list[Entry]] = {}
    days: Memo[Any, date] = Memo(read_date or _same_date)
    kinds = _KINDS
    for r in rows:
        if r[0] == SUMS:
            sums[r[1]] = r
        else:
            entry = Entry(r[5], kinds[r[6]], r[3], days[r[2]], days[r[7]], r[4], r[8], r[9])
            (charges if r[0] == CHARGE else whole).setdefault(r[1], []).append(entry)
    out: dict[int, BalanceSummary] = {}
    for lease_id in sorted(sums):
        _, _, _, total, _, credited, _, _, deposit, _ = sums[lease_id]
        if lease_id in whole:  # a reversal decides which credits stand
            out[lease_id] = summarize_balance(whole[lease_id], as_of)
        elif total > 0:
            out[lease_id] = allocate_credits(
                charges[lease_id],
                credit_cents=credited,
                total_cents=total,
                deposit_held_cents=deposit,
                as_of=as_of,
            )
        else:  # its credits cover every charge: nothing is open
            out[lease_id] = settled_balance(total, deposit_held_cents=deposit, as_of=as_of)
    return out


@dataclass(frozen=True)
class _LedgerSql:
    """The read of the ledger behind `all_summaries`, in one database's dialect."""

    placeholder: str
    sums_from: str
    """The table as named to sum it by lease: SQLite is told to read the covering lease index alone, in
    lease order, rather than the table (migration 0004)."""
    bind_date: Callable[[date], object]
    read_date: Callable[[Any], date] | None
    """How to read a date column off the driver, when it does not give a `date`."""

    def parameters(self, as_of: date) -> tuple[object, ...]:
        """`ledger`'s parameters: `as_of`, in every place it is asked for."""
        return (self.bind_date(as_of),) * self.ledger.count(self.placeholder)

    @property
    def ledger(self) -> str:
        """Each lease's sums; every entry of the leases with a reversal; the charges of the other
        leases that owe. One statement: one snapshot."""
        visible = f"posted_on <= {self.placeholder} AND effective_on <= {self.placeholder}"
        receivable = "kind <> 'deposit'"
        return (
            "WITH sums AS ("
            f" SELECT lease_id, SUM(CASE WHEN {receivable} THEN amount_cents ELSE 0 END) AS total,"
            f" SUM(CASE WHEN {receivable} AND amount_cents < 0 THEN -amount_cents ELSE 0 END) AS credited,"
            " SUM(CASE WHEN kind = 'deposit' THEN amount_cents ELSE 0 END) AS deposit,"
            " SUM(CASE WHEN kind = 'reversal' THEN 1 ELSE 0 END) AS reversals"
            f" FROM {self.sums_from} WHERE {visible} GROUP BY lease_id)"
            f" SELECT {SUMS}, lease_id, NULL, CAST(total AS BIGINT), NULL, CAST(credited AS BIGINT),"
            " NULL, NULL, CAST(deposit AS BIGINT), NULL FROM sums"
            f" UNION ALL SELECT {WHOLE}, {_COLUMNS} FROM ledger_entries"
            f" WHERE lease_id IN (SELECT lease_id FROM sums WHERE reversals > 0) AND {visible}"
            f" UNION ALL SELECT {CHARGE}, {_COLUMNS} FROM ledger_entries"
            " WHERE lease_id IN (SELECT lease_id FROM sums WHERE total > 0 AND reversals = 0)"
            f" AND {visible} AND amount_cents > 0 AND {receivable}"
        )


_LEDGER_SQL = {
    "sqlite": _LedgerSql(
        "?", "ledger_entries INDEXED BY ix_ledger_entries_lease_balance", date.isoformat, date.fromisoformat
    ),
    "postgresql": _LedgerSql("%s", "ledger_entries", lambda day: day, None),
}


def _same_date(day: date) -> date:
    return day


def _summaries_one_by_one(session: Session, *, as_of: date) -> dict[int, BalanceSummary]:
    """The portable version, for databases other than SQLite and PostgreSQL."""
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
