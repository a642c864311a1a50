from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.audit import verify_chain
from app.errors import Conflict, InvalidInput, NotFound
from app.ledger.posting import EntryCreate, post_entry, reverse_entry
from app.ledger.types import EntryKind
from app.models import AuditRecord, LedgerEntry
from tests.factories import make_household
from tests.support.databases import Database

TODAY = date(2026, 11, 23)


def _rent(lease_id: int, *, external_id: str | None = "rent-2026-11", cents: int = 1_500_00) -> EntryCreate:
    return EntryCreate(
        lease_id=lease_id,
        kind=EntryKind.RENT,
        amount_cents=cents,
        effective_on=date(2026, 11, 1),
        description="Rent - November 2026",
        source="pms",
        external_id=external_id,
    )


def _count(db: Database) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(LedgerEntry)) or 0)


def test_posting_the_same_external_id_twice_posts_once(db: Database) -> None:
    with db.sessions.begin() as s:
        _, lease = make_household(s)
        first = post_entry(s, _rent(lease.id), today=TODAY)
        again = post_entry(s, _rent(lease.id), today=TODAY)
    assert first.created and not again.created
    assert again.entry.id == first.entry.id
    assert _count(db) == 1


def test_a_repeat_with_a_different_amount_is_refused_and_writes_nothing(db: Database) -> None:
    with db.sessions.begin() as s:
        _, lease = make_household(s)
        post_entry(s, _rent(lease.id), today=TODAY)
        lease_id = lease.id
    with pytest.raises(Conflict, match="already posted"), db.sessions.begin() as s:
        post_entry(s, _rent(lease_id, cents=1_600_00), today=TODAY)
    assert _count(db) == 1


@pytest.mark.parametrize(
    ("kind", "cents", "message"),
    [
        (EntryKind.RENT, -100, "must be positive"),
        (EntryKind.PAYMENT, 100, "must be negative"),
        (EntryKind.CHARGE, 0, "must not be zero"),
        (EntryKind.REVERSAL, 100, "must name the entry"),
    ],
)
def test_amount_sign_must_match_kind(kind: EntryKind, cents: int, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        EntryCreate(lease_id=1, kind=kind, amount_cents=cents, effective_on=TODAY, description="x")


def test_float_amounts_are_refused() -> None:
    with pytest.raises(ValidationError, match="valid integer"):
        EntryCreate(
            lease_id=1,
            kind=EntryKind.RENT,
            amount_cents=75.5,
            effective_on=TODAY,  # type: ignore[arg-type]
            description="x",
        )


def test_unknown_lease_is_a_clear_error(db: Database) -> None:
    with pytest.raises(NotFound, match="no lease with id 999"), db.sessions.begin() as s:
        post_entry(s, _rent(999), today=TODAY)
    assert _count(db) == 0


def test_reversal_cancels_exactly_once(db: Database) -> None:
    with db.sessions.begin() as s:
        _, lease = make_household(s)
        payment = post_entry(
            s,
            EntryCreate(
                lease_id=lease.id,
                kind=EntryKind.PAYMENT,
                amount_cents=-1_500_00,
                effective_on=TODAY,
                description="Payment - ACH",
            ),
            today=TODAY,
        )
        reversal = reverse_entry(s, entry_id=payment.entry.id, reason="R01 insufficient funds", today=TODAY)
        assert reversal.entry.amount_cents == 1_500_00
        with pytest.raises(Conflict, match="already reversed"):
            reverse_entry(s, entry_id=payment.entry.id, reason="again", today=TODAY)
        with pytest.raises(InvalidInput, match="cannot itself be reversed"):
            reverse_entry(s, entry_id=reversal.entry.id, reason="undo", today=TODAY)


def test_ledger_lines_cannot_be_edited_or_deleted(db: Database) -> None:
    with db.sessions.begin() as s:
        _, lease = make_household(s)
        entry_id = post_entry(s, _rent(lease.id), today=TODAY).entry.id
    for statement in (
        f"UPDATE ledger_entries SET amount_cents = 1 WHERE id = {entry_id}",
        f"DELETE FROM ledger_entries WHERE id = {entry_id}",
        "DELETE FROM audit_log",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
    with db.sessions() as s:
        assert s.get(LedgerEntry, entry_id).amount_cents == 1_500_00  # type: ignore[union-attr]


def test_every_posting_is_audited_in_an_intact_chain(db: Database) -> None:
    with db.sessions.begin() as s:
        _, lease = make_household(s)
        post_entry(s, _rent(lease.id), today=TODAY)
        post_entry(s, _rent(lease.id, external_id="other"), today=TODAY)
    with db.sessions() as s:
        actions = s.scalars(select(AuditRecord.action).order_by(AuditRecord.id)).all()
        report = verify_chain(s)
    assert actions == ["ledger.post", "ledger.post"]
    assert report.ok and report.lines == 2
