"""A posting commits or rolls back with the caller's transaction, on SQLite as on PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.audit import verify_chain
from app.ledger.posting import EntryCreate, post_entry
from app.ledger.types import EntryKind
from app.models import AuditRecord, LedgerEntry
from tests.factories import make_household
from tests.support.databases import Database

TODAY = date(2026, 11, 23)


def test_a_posting_rolled_back_with_its_transaction_leaves_nothing_behind(db: Database) -> None:
    with db.sessions.begin() as s:
        _, lease = make_household(s)
        lease_id = lease.id
    with pytest.raises(RuntimeError, match="after posting"), db.sessions.begin() as s:
        new = EntryCreate(
            lease_id=lease_id,
            kind=EntryKind.RENT,
            amount_cents=1_500_00,
            effective_on=TODAY,
            description="Rent",
        )
        assert post_entry(s, new, today=TODAY).created
        raise RuntimeError("the caller failed after posting")
    with db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == 0
        assert s.scalar(select(func.count()).select_from(AuditRecord)) == 0
        assert verify_chain(s).ok
