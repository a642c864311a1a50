"""Deposits are counted once and never go below nothing: not today, not on any later day, on every path
that posts (the ledger service, the staff API)."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from app.deps import get_today
from app.errors import InvalidInput
from app.ledger.balance import summarize_balance
from app.ledger.posting import EntryCreate, post_entry, reverse_entry
from app.ledger.queries import lease_entries
from app.ledger.types import EntryKind
from app.main import create_app
from app.models import LedgerEntry
from tests.factories import make_household
from tests.support.databases import Database

TODAY = date(2026, 11, 23)
TOKEN = "test-token-0123456789abcdefghij"


def staff_app(db: Database) -> FastAPI:
    """The real app on `db`, with a staff API token and "today" fixed."""
    app = create_app(db.settings.model_copy(update={"DOORSTEP_API_TOKEN": SecretStr(TOKEN)}))
    app.dependency_overrides[get_today] = lambda: TODAY
    return app


def _deposit(lease_id: int, cents: int, on: date) -> EntryCreate:
    return EntryCreate(
        lease_id=lease_id,
        kind=EntryKind.DEPOSIT,
        amount_cents=cents,
        effective_on=on,
        description="Security deposit",
    )


def _held(db: Database, lease_id: int, on: date) -> int:
    with db.sessions() as s:
        return summarize_balance(lease_entries(s, lease_id), on).deposit_held_cents


def _lease(db: Database) -> int:
    with db.sessions.begin() as s:
        _, lease = make_household(s)
        return lease.id


def test_a_release_cannot_spend_a_deposit_that_is_not_held_yet(db: Database) -> None:
    """A receipt dated next month is not held today: releasing it now would show -$500.00 held until
    then."""
    lease_id = _lease(db)
    with db.sessions.begin() as s:
        post_entry(s, _deposit(lease_id, 500_00, date(2026, 12, 15)), today=TODAY)
    with (
        pytest.raises(InvalidInput, match=r"holds \$0.00 of deposit on 2026-11-23"),
        db.sessions.begin() as s,
    ):
        post_entry(s, _deposit(lease_id, -500_00, TODAY), today=TODAY)
    assert _held(db, lease_id, TODAY) == 0
    assert _held(db, lease_id, date(2026, 12, 15)) == 500_00
    with db.sessions.begin() as s:  # on or after the day it is held, it can be released
        post_entry(s, _deposit(lease_id, -500_00, date(2026, 12, 15)), today=TODAY)
    assert _held(db, lease_id, date(2027, 1, 1)) == 0


def test_reversing_a_future_dated_deposit_takes_effect_when_it_does(db: Database) -> None:
    """The correction of a receipt dated next month is dated with it, so held money never dips below
    nothing in between (and the correction is not refused for it)."""
    lease_id = _lease(db)
    with db.sessions.begin() as s:
        receipt = post_entry(s, _deposit(lease_id, 500_00, date(2026, 12, 15)), today=TODAY).entry.id
    with db.sessions.begin() as s:
        correction = reverse_entry(s, entry_id=receipt, reason="posted in error", today=TODAY).entry
    assert correction.kind == EntryKind.DEPOSIT.value and correction.effective_on == date(2026, 12, 15)
    assert [_held(db, lease_id, d) for d in (TODAY, date(2026, 12, 15))] == [0, 0]


def test_the_api_refuses_a_release_larger_than_what_is_held_with_422(db: Database) -> None:
    lease_id = _lease(db)
    body = {
        "lease_id": lease_id,
        "kind": "deposit",
        "effective_on": TODAY.isoformat(),
        "description": "Security deposit",
    }
    with TestClient(staff_app(db), headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        received = client.post("/api/ledger/entries", json=body | {"amount_cents": 500_00})
        assert received.status_code == 201, received.text
        deposit_id = received.json()["entry"]["id"]
        too_much = client.post("/api/ledger/entries", json=body | {"amount_cents": -9_000_00})
        assert too_much.status_code == 422, too_much.text
        assert "holds $500.00 of deposit" in too_much.json()["detail"]
        # A receivable reversal of the deposit is refused too: the $500 is never counted twice.
        as_receivable = client.post(
            "/api/ledger/entries",
            json=body | {"kind": "reversal", "amount_cents": -500_00, "reverses_id": deposit_id},
        )
        assert as_receivable.status_code == 422, as_receivable.text
        assert "is a deposit" in as_receivable.json()["detail"]
    with db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == 1
    assert _held(db, lease_id, TODAY) == 500_00
