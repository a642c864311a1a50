from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.models import Lease, LedgerEntry
from tests.support.databases import Database


def _counts(db: Database) -> tuple[int, int]:
    with db.sessions() as s:
        return (
            int(s.scalar(select(func.count()).select_from(LedgerEntry)) or 0),
            int(s.scalar(select(func.count()).select_from(Lease)) or 0),
        )


def _lease_id(api: TestClient, db: Database) -> int:
    ref = db.report.personas["on_time"]  # type: ignore[union-attr]
    return int(api.get(f"/api/residents/{ref}/lease").json()["id"])


def test_posting_is_idempotent_over_http(api: TestClient, demo_db: Database) -> None:
    before = _counts(demo_db)
    entry = {
        "lease_id": _lease_id(api, demo_db),
        "kind": "charge",
        "amount_cents": 4500,
        "effective_on": "2026-11-23",
        "description": "Key fob replacement",
        "source": "pms",
        "external_id": "wo-8812",
    }
    first = api.post("/api/ledger/entries", json=entry)
    again = api.post("/api/ledger/entries", json=entry)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["entry"]["id"] == again.json()["entry"]["id"]
    assert _counts(demo_db)[0] == before[0] + 1
    conflict = api.post("/api/ledger/entries", json={**entry, "amount_cents": 5000})
    assert conflict.status_code == 409
    assert _counts(demo_db)[0] == before[0] + 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount_cents": 75.5}, "must be an integer number of cents"),
        ({"amount_cents": "75.00"}, "must be an integer number of cents"),
        ({"amount_cents": -4500}, "must be positive"),
        ({"effective_on": "2026-13-01"}, "effective_on"),
        ({"lease_id": 999_999}, "no lease with id 999999"),
        ({"kind": "refund"}, "kind"),
        ({"description": ""}, "description"),
    ],
)
def test_bad_entries_get_a_clear_error_and_write_nothing(
    api: TestClient, demo_db: Database, change: dict[str, Any], message: str
) -> None:
    before = _counts(demo_db)
    entry = {
        "lease_id": _lease_id(api, demo_db),
        "kind": "charge",
        "amount_cents": 4500,
        "effective_on": "2026-11-23",
        "description": "Key fob",
    } | change
    response = api.post("/api/ledger/entries", json=entry)
    assert response.status_code in (404, 422)
    assert message in response.json()["detail"]
    assert _counts(demo_db) == before


def _lease(**change: Any) -> dict[str, Any]:
    return {
        "property_code": "maple-court",
        "unit": "A-101",
        "residents": ["R10001"],
        "start_on": "2027-06-01",
        "end_on": "2028-05-31",
        "rent_cents": 1_400_00,
        "late_fee_amount_cents": 75_00,
    } | change


def test_create_a_lease(api: TestClient, demo_db: Database) -> None:
    response = api.post("/api/leases", json=_lease())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["rent_cents"] == 1_400_00 and body["status"] == "future"
    assert (
        body["late_fee_rule"]
        == "a $75.00 late fee is charged if rent is not paid within 3 days of the due date"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rent_cents": None}, "rent_cents"),
        ({"rent_cents": 0}, "rent_cents"),
        ({"rent_cents": 1400.5}, "must be an integer number of cents"),
        ({"start_on": "2027-02-30"}, "start_on"),
        ({"end_on": "2027-01-01"}, "end_on must be after start_on"),
        ({"residents": ["R99999"]}, "no resident matches"),
        ({"unit": "Z-999"}, "no unit 'Z-999'"),
        ({"start_on": "2026-06-01", "end_on": "2027-05-31"}, "already has active lease"),
    ],
)
def test_bad_leases_are_refused_and_write_nothing(
    api: TestClient, demo_db: Database, change: dict[str, Any], message: str
) -> None:
    before = _counts(demo_db)
    body = _lease(**change)
    if change.get("rent_cents", 1) is None:
        body.pop("rent_cents")
    response = api.post("/api/leases", json=body)
    assert response.status_code in (404, 409, 422), response.text
    assert message in response.json()["detail"]
    assert _counts(demo_db) == before


@pytest.mark.parametrize("source", ["stripe", "collections", "import-appfolio", "cli"])
def test_a_client_cannot_post_as_one_of_doorstep_s_own_writers(
    api: TestClient, demo_db: Database, source: str
) -> None:
    """Stripe's postings are found again by (source, external_id): a line posted as `stripe` for the
    payment's key would be taken for the webhook's own, and the real payment never posted."""
    before = _counts(demo_db)
    entry = {
        "lease_id": _lease_id(api, demo_db),
        "kind": "payment",
        "amount_cents": -100,
        "effective_on": "2026-11-23",
        "description": "Payment",
        "source": source,
        "external_id": "pi_3Q0000000000000:payment",
    }
    response = api.post("/api/ledger/entries", json=entry)
    assert response.status_code == 422, response.text
    assert f"source {source!r} is one Doorstep's own writers post under" in response.json()["detail"]
    assert _counts(demo_db) == before
