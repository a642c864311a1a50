"""`all_summaries`, the one-statement pass over every lease, against `summarize_balance` lease by lease.

The bulk pass reads sums for most leases, only the charges of the leases that owe and every entry of
the leases with a reversal; whatever it reads, each lease's summary must be the one the pure function
gives from all of that lease's entries.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.ledger.balance import BalanceSummary, summarize_balance
from app.ledger.queries import all_summaries, lease_entries
from app.ledger.types import EntryKind
from app.models import Lease, LedgerEntry
from tests.support.databases import DEMO_AS_OF, Database


def _one_by_one(db: Database, as_of: date) -> dict[int, BalanceSummary]:
    with db.sessions() as s:
        summaries = {}
        for lease_id in s.scalars(select(Lease.id).order_by(Lease.id)):
            entries = lease_entries(s, lease_id, as_of=as_of)
            if entries:
                summaries[lease_id] = summarize_balance(entries, as_of)
        return summaries


@pytest.mark.parametrize(
    "as_of",
    [DEMO_AS_OF, DEMO_AS_OF - timedelta(days=19), date(2026, 6, 3)],
    ids=["today", "mid-month", "june"],
)
def test_every_lease_gets_what_summarize_balance_gives(demo_db: Database, as_of: date) -> None:
    with demo_db.sessions() as s:
        bulk = all_summaries(s, as_of=as_of)
        reversed_leases = set(
            s.scalars(
                select(LedgerEntry.lease_id).where(
                    LedgerEntry.kind == EntryKind.REVERSAL.value,
                    LedgerEntry.posted_on <= as_of,
                    LedgerEntry.effective_on <= as_of,
                )
            )
        )
    expected = _one_by_one(demo_db, as_of)

    assert list(bulk) == sorted(bulk)
    assert bulk == expected
    owing = {k for k, v in expected.items() if v.total_cents > 0}
    in_credit = {k for k, v in expected.items() if v.total_cents < 0}
    assert owing - reversed_leases and in_credit, "both paths without a reversal are exercised"
    if as_of == DEMO_AS_OF:
        assert reversed_leases, "the demo's returned payments exercise the reversal path"
