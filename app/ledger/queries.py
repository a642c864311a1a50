"""Reading the ledger out of the database into the plain types the pure functions take."""

from __future__ import annotations

import gc
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.ledger.balance import BalanceSummary, settled_summary, summarize_balance
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


def _entries(rows: Iterable[Sequence[Any]]) -> list[Entry]:
    kinds = _KINDS
    return [Entry(r[1], kinds[r[2]], r[3], r[4], r[5], r[6], r[7], r[8]) for r in rows]


def _entries_query(as_of: date | None) -> Select[*tuple[Any, ...]]:
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
    """Every lease's itemized balance, keyed by lease id (ascending): for each lease with an entry
    visible on `as_of`, exactly what `summarize_balance` gives for its entries.

    Most households owe nothing on a given day: their credits cover every charge, so nothing is open
    and their summary is their credits, itemized, and totals. So one statement, read straight off the
    driver's cursor, brings each lease's total, every credit and deposit, and the charges of only the
    leases that owe or have a reversal; those few go through `summarize_balance` in full. On other
    databases, every entry goes through `summarize_balance`.
    """
    connection = session.connection()
    sql = _LEDGER_SQL.get(connection.dialect.name)
    if sql is None:
        return _summaries_one_by_one(session, as_of=as_of)
    cursor: Any = connection.connection.cursor()
    try:
        with _gc_paused():
            return _summaries_by_scan(cursor, sql, as_of)
    finally:
        cursor.close()


def _summaries_by_scan(cursor: Any, sql: _LedgerSql, as_of: date) -> dict[int, BalanceSummary]:
    on = sql.bind_date(as_of)
    cursor.execute(sql.ledger, (on,) * 6)
    ledger = _Ledger(cursor.fetchall(), sql.read_date)
    out: dict[int, BalanceSummary] = {}
    for lease_id in ledger.leases:
        total = ledger.totals.get(lease_id, 0)
        if total > 0 or lease_id in ledger.reversed:
            out[lease_id] = summarize_balance(ledger.entries_of(lease_id), as_of)
        else:  # its credits cover every charge
            out[lease_id] = settled_summary(
                as_of=as_of,
                total_cents=total,
                credits_applied=ledger.credits_newest_first(lease_id),
                unapplied_credit_cents=-total,
                deposit_held_cents=ledger.deposited.get(lease_id, 0),
            )
    return out


# The rows of `_LedgerSql.ledger`: per lease (0, lease_id, None, total, None, reversals, None...), and
# per entry (1, lease_id, effective_on, amount_cents, description, id, kind, posted_on, reverses_id,
# charge_code). Sorted as tuples, one lease's credits come out in `summarize_balance`'s credit order.
# Dates are ISO strings on SQLite (which sort as the dates do) and `date` on PostgreSQL.
_Row = tuple[int, int, Any, int, Any, int, Any, Any, Any, Any]
_COLUMNS = "lease_id, effective_on, amount_cents, description, id, kind, posted_on, reverses_id, charge_code"


class _Ledger:
    """One read of the ledger, by lease: its total, its credits (as entries, in credit order), its
    deposits, and, for the leases that owe or have a reversal, their other entries."""

    def __init__(self, rows: list[_Row], read_date: Callable[[Any], date] | None) -> None:
        rows.sort()  # the totals, then the entries by lease, each lease's in credit order
        split = bisect_left(rows, (1,))
        self.totals: dict[int, int] = {r[1]: r[3] for r in rows[:split]}
        self.reversed = {r[1] for r in rows[:split] if r[5]}
        entry_rows = rows[split:]
        del rows
        credit_rows = [r for r in entry_rows if r[3] < 0 and r[6] != "deposit"]
        self.credits = _build_entries(credit_rows, read_date)
        self.bounds: dict[int, tuple[int, int]] = {}
        start = 0
        for lease_id, count in Counter(map(itemgetter(1), credit_rows)).items():
            self.bounds[lease_id] = (start, start + count)
            start += count
        self.others: dict[int, list[_Row]] = {}
        self.deposited: dict[int, int] = {}
        for r in entry_rows:
            if r[3] > 0 or r[6] == "deposit":  # deposits, and the charges of the leases that owe
                self.others.setdefault(r[1], []).append(r)
                if r[6] == "deposit":
                    self.deposited[r[1]] = self.deposited.get(r[1], 0) + r[3]
        self.leases = sorted(self.totals.keys() | self.deposited.keys())
        self.read_date = read_date

    def credits_newest_first(self, lease_id: int) -> tuple[Entry, ...]:
        start, end = self.bounds.get(lease_id, (0, 0))
        return tuple(self.credits[start:end][::-1])

    def entries_of(self, lease_id: int) -> list[Entry]:
        start, end = self.bounds.get(lease_id, (0, 0))
        return self.credits[start:end] + _build_entries(self.others.get(lease_id, []), self.read_date)


@dataclass(frozen=True)
class _LedgerSql:
    """The read of the ledger behind `all_summaries`, in one database's dialect."""

    placeholder: str
    scan: str
    """The table as named to read all of it: SQLite is told not to go through an index."""
    bind_date: Callable[[date], object]
    read_date: Callable[[Any], date] | None
    """How to read a date column off the driver, when it does not give a `date`."""

    @property
    def ledger(self) -> str:
        """Each lease's total (deposits aside) and number of reversals; every credit and deposit; and
        the charges of the leases that owe or have a reversal. One statement: one snapshot."""
        visible = f"posted_on <= {self.placeholder} AND effective_on <= {self.placeholder}"
        return (
            "WITH totals AS ("
            " SELECT lease_id, SUM(amount_cents) AS total,"
            " SUM(CASE WHEN kind = 'reversal' THEN 1 ELSE 0 END) AS reversals"
            f" FROM {self.scan} WHERE {visible} AND kind <> 'deposit' GROUP BY lease_id)"
            " SELECT 0, lease_id, NULL, CAST(total AS BIGINT), NULL, reversals, NULL, NULL, NULL, NULL"
            " FROM totals"
            f" UNION ALL SELECT 1, {_COLUMNS} FROM {self.scan}"
            f" WHERE {visible} AND (amount_cents < 0 OR kind = 'deposit')"
            f" UNION ALL SELECT 1, {_COLUMNS} FROM ledger_entries"
            " WHERE lease_id IN (SELECT lease_id FROM totals WHERE total > 0 OR reversals > 0)"
            f" AND {visible} AND amount_cents > 0 AND kind <> 'deposit'"
        )


_LEDGER_SQL = {
    "sqlite": _LedgerSql("?", "ledger_entries NOT INDEXED", date.isoformat, date.fromisoformat),
    "postgresql": _LedgerSql("%s", "ledger_entries", lambda day: day, None),
}


def _build_entries(rows: list[_Row], read_date: Callable[[Any], date] | None) -> list[Entry]:
    """An `Entry` per row, built by filling its slots: the same objects `Entry(...)` makes, in half
    the time, because a frozen dataclass's own `__init__` goes through `object.__setattr__` per field."""
    if _ENTRY_SLOTS is None:
        return [_entry(r, read_date) for r in rows]
    new, kinds, days = object.__new__, _KINDS, _Memo(read_date or _same_date)
    id_, kind, amount, effective, posted, description, reverses, code = _ENTRY_SLOTS
    entries = []
    for r in rows:
        e = new(Entry)
        id_(e, r[5])
        kind(e, kinds[r[6]])
        amount(e, r[3])
        effective(e, days[r[2]])
        posted(e, days[r[7]])
        description(e, r[4])
        reverses(e, r[8])
        code(e, r[9])
        entries.append(e)
    return entries


def _entry(r: _Row, read_date: Callable[[Any], date] | None) -> Entry:
    effective, posted = (read_date(r[2]), read_date(r[7])) if read_date else (r[2], r[7])
    return Entry(r[5], _KINDS[r[6]], r[3], effective, posted, r[4], r[8], r[9])


def _same_date(day: date) -> date:
    return day


def _slot_setters() -> tuple[Callable[[Entry, Any], None], ...] | None:
    """`Entry`'s slot setters in field order, or None if filling slots would not match `Entry(...)`."""
    names = tuple(f.name for f in fields(Entry))
    expected = (
        "id",
        "kind",
        "amount_cents",
        "effective_on",
        "posted_on",
        "description",
        "reverses_id",
        "charge_code",
    )
    if names != expected or hasattr(Entry, "__post_init__") or "__slots__" not in vars(Entry):
        return None
    return tuple(vars(Entry)[name].__set__ for name in names)


_ENTRY_SLOTS = _slot_setters()


class _Memo(dict[Any, date]):
    """Dates repeat a lot in a ledger: read each one once."""

    def __init__(self, read: Callable[[Any], date]) -> None:
        super().__init__()
        self.read = read

    def __missing__(self, key: Any) -> date:
        value = self[key] = self.read(key)
        return value


@contextmanager
def _gc_paused() -> Iterator[None]:
    """While a few hundred thousand small objects are built in one go, the cyclic garbage collector
    would walk the growing heap again and again for cycles these objects cannot form."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


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
