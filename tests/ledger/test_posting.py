from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.audit import verify_chain
from app.errors import Conflict, InvalidInput, NotFound
from app.ledger.balance import summarize_balance
from app.ledger.posting import EntryCreate, post_entry, reverse_entry
from app.ledger.queries import lease_entries
from app.ledger.types import EntryKind
from app.models import AuditRecord, LedgerEntry, Payment
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


def _line(lease_id: int, kind: EntryKind, cents: int, **extra: object) -> EntryCreate:
    return EntryCreate(
        lease_id=lease_id,
        kind=kind,
        amount_cents=cents,
        effective_on=date(2026, 11, 1),
        description=str(extra.pop("description", kind.value)),
        **extra,  # type: ignore[arg-type]
    )


def _summary(db: Database, lease_id: int) -> tuple[int, int]:
    with db.sessions() as s:
        summary = summarize_balance(lease_entries(s, lease_id), TODAY)
    return summary.total_cents, summary.deposit_held_cents


def test_reversing_a_deposit_moves_held_money_not_what_is_owed(db: Database) -> None:
    with db.sessions.begin() as s:
        _, lease = make_household(s)
        post_entry(s, _line(lease.id, EntryKind.RENT, 190_00), today=TODAY)
        deposit = post_entry(s, _line(lease.id, EntryKind.DEPOSIT, 500_00), today=TODAY)
        lease_id = lease.id
    assert _summary(db, lease_id) == (190_00, 500_00)
    with db.sessions.begin() as s:
        reversal = reverse_entry(s, entry_id=deposit.entry.id, reason="check bounced", today=TODAY)
    assert reversal.entry.kind == EntryKind.DEPOSIT.value and reversal.entry.amount_cents == -500_00
    # Still 190.00 owed, and nothing held: the $500 is counted once, on the deposit side.
    assert _summary(db, lease_id) == (190_00, 0)
    # A receivable reversal of a deposit, as the API might be asked for, is refused.
    with pytest.raises(InvalidInput, match="is a deposit"), db.sessions.begin() as s:
        post_entry(s, _line(lease_id, EntryKind.REVERSAL, -500_00, reverses_id=deposit.entry.id), today=TODAY)


def test_a_deposit_release_cannot_exceed_what_is_held(db: Database) -> None:
    with db.sessions.begin() as s:
        _, lease = make_household(s)
        post_entry(s, _line(lease.id, EntryKind.DEPOSIT, 500_00), today=TODAY)
        post_entry(s, _line(lease.id, EntryKind.DEPOSIT, -300_00), today=TODAY)
        lease_id = lease.id
    with pytest.raises(InvalidInput, match=r"holds \$200.00 of deposit"), db.sessions.begin() as s:
        post_entry(s, _line(lease_id, EntryKind.DEPOSIT, -9_000_00), today=TODAY)
    assert _summary(db, lease_id)[1] == 200_00
    with db.sessions.begin() as s:  # releasing exactly what is held is fine
        post_entry(s, _line(lease_id, EntryKind.DEPOSIT, -200_00), today=TODAY)
    assert _summary(db, lease_id)[1] == 0


def test_the_posting_date_is_always_today() -> None:
    with pytest.raises(ValidationError, match="posted_on"):
        EntryCreate.model_validate(
            {
                "lease_id": 1,
                "kind": "charge",
                "amount_cents": 100,
                "effective_on": "2026-11-01",
                "posted_on": "2020-01-01",
                "description": "Backdated",
            }
        )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("effective_on", "0001-01-01", "dates must lie between"),
        ("effective_on", "9999-12-31", "dates must lie between"),
        ("lease_id", 2**70, "less than or equal to"),
        ("description", "Rent\x00", "U\\+0000"),
        ("description", "Rent \u202eevil", "U\\+202E"),
        ("external_id", "abc\u200b", "U\\+200B"),
    ],
)
def test_values_the_ledger_cannot_hold_are_refused(field: str, value: object, message: str) -> None:
    body: dict[str, object] = {
        "lease_id": 1,
        "kind": "charge",
        "amount_cents": 100,
        "effective_on": "2026-11-01",
        "description": "Key",
    }
    body[field] = value
    with pytest.raises(ValidationError, match=message):
        EntryCreate.model_validate(body)


def test_a_line_may_only_name_its_own_lease_s_payment_and_residents(db: Database) -> None:
    with db.sessions.begin() as s:
        resident, lease = make_household(s)
        other_resident, other = make_household(s, ref="R90002", code="other-prop")
        payment = Payment(
            lease_id=other.id,
            processor="stripe",
            processor_ref="pi_1",
            method="ach",
            amount_cents=100_00,
            status="succeeded",
            initiated_on=TODAY,
        )
        s.add(payment)
        s.flush()
        ids = (lease.id, resident.id, other_resident.id, payment.id)
    lease_id, resident_id, other_resident_id, payment_id = ids
    for extra, message in (
        ({"payment_id": payment_id}, "belongs to another lease"),
        ({"payment_id": 424242}, "no payment with id 424242"),
        ({"resident_id": other_resident_id}, "is not on lease"),
        ({"resident_id": 424242}, "no resident with id 424242"),
    ):
        with pytest.raises(InvalidInput, match=message), db.sessions.begin() as s:
            post_entry(s, _line(lease_id, EntryKind.PAYMENT, -100_00, **extra), today=TODAY)
    assert _count(db) == 0
    with db.sessions.begin() as s:
        post_entry(s, _line(lease_id, EntryKind.CHARGE, 100, resident_id=resident_id), today=TODAY)
    assert _count(db) == 1
