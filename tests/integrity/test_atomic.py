"""A posting commits or rolls back with the caller's transaction, on SQLite as on PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.audit import record, verify_chain
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


def test_lines_written_around_savepoints_chain_whether_the_savepoint_is_kept_or_rolled_back(
    db: Database,
) -> None:
    """A line chains to the last line still in the transaction: one written in a released savepoint
    (the delivery writer's batches), never one a rolled-back savepoint took away."""
    with db.sessions.begin() as session:
        record(session, actor="t", action="first", subject="s")
        with session.begin_nested():
            record(session, actor="t", action="kept", subject="s")
        record(session, actor="t", action="after-kept", subject="s")
        try:
            with session.begin_nested():
                record(session, actor="t", action="undone", subject="s")
                raise RuntimeError("this savepoint rolls back")
        except RuntimeError:
            pass
        record(session, actor="t", action="after-undone", subject="s")
    with db.sessions() as session:
        actions = session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)).all()
        assert actions[-4:] == ["first", "kept", "after-kept", "after-undone"]
        report = verify_chain(session)
        assert report.ok, report.reason


def test_a_savepoint_opened_before_any_change_rolls_back_with_its_transaction(db: Database) -> None:
    """On SQLite a SAVEPOINT sent first would open a transaction of its own, and releasing it would commit
    (`app.db` opens the real transaction first): what was written in it must go with the rollback."""
    with pytest.raises(RuntimeError, match="after the savepoint"), db.sessions.begin() as session:
        with session.begin_nested():
            record(session, actor="t", action="in-savepoint", subject="s")
        raise RuntimeError("the caller failed after the savepoint")
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditRecord)) == 0
