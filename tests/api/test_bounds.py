"""Inputs the database or the date arithmetic cannot hold are refused with 422, never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.support.databases import Database


def test_a_lease_id_beyond_64_bits_is_refused(api: TestClient, demo_db: Database) -> None:
    entry = {
        "lease_id": 2**70,
        "kind": "charge",
        "amount_cents": 4500,
        "effective_on": "2026-11-23",
        "description": "Key fob",
    }
    response = api.post("/api/ledger/entries", json=entry)
    assert response.status_code == 422
    assert "lease_id" in response.json()["detail"]


@pytest.mark.parametrize("offset", [2**63, -1, 10**7])
def test_an_offset_out_of_range_is_refused(api: TestClient, offset: int) -> None:
    response = api.get("/api/residents", params={"offset": offset})
    assert response.status_code == 422
    assert "offset" in response.json()["detail"]


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01", "0", "86400", "2026-11-23T00:00:00"])
@pytest.mark.parametrize("view", ["balance", "lease", "ledger"])
def test_a_date_outside_the_calendar_is_refused(
    api: TestClient, demo_db: Database, view: str, as_of: str
) -> None:
    ref = demo_db.report.personas["on_time"]  # type: ignore[union-attr]
    response = api.get(f"/api/residents/{ref}/{view}", params={"as_of": as_of})
    assert response.status_code == 422, response.text
    assert "as_of" in response.json()["detail"]


def test_the_last_day_of_the_calendar_is_answered(api: TestClient, demo_db: Database) -> None:
    ref = demo_db.report.personas["on_time"]  # type: ignore[union-attr]
    response = api.get(f"/api/residents/{ref}/balance", params={"as_of": "2199-12-31"})
    assert response.status_code == 200, response.text


def test_a_nul_in_a_lookup_is_refused(api: TestClient) -> None:
    """PostgreSQL cannot even compare a NUL: it used to be a 500 there."""
    for response in (api.get("/api/residents", params={"q": "R1\x00"}), api.get("/api/residents/R1%00")):
        assert response.status_code == 422 and "control characters" in response.json()["detail"]


def test_payment_and_resident_that_do_not_exist_are_refused(api: TestClient, demo_db: Database) -> None:
    ref = demo_db.report.personas["on_time"]  # type: ignore[union-attr]
    lease_id = api.get(f"/api/residents/{ref}/lease").json()["id"]
    entry = {
        "lease_id": lease_id,
        "kind": "charge",
        "amount_cents": 4500,
        "effective_on": "2026-11-23",
        "description": "Key fob",
    }
    for link in ({"payment_id": 999_999_999}, {"resident_id": 999_999_999}):
        response = api.post("/api/ledger/entries", json=entry | link)
        assert response.status_code in (404, 422), response.text
        assert "999999999" in response.json()["detail"]


def test_a_line_naming_another_lease_s_payment_or_resident_or_backdated_is_refused(
    api: TestClient, demo_db: Database
) -> None:
    from sqlalchemy import func, select

    from app.models import LedgerEntry, Payment, Resident

    personas = demo_db.report.personas  # type: ignore[union-attr]
    lease_id = api.get(f"/api/residents/{personas['on_time']}/lease").json()["id"]
    with demo_db.sessions() as s:
        other_payment = s.scalar(select(Payment.id).where(Payment.lease_id != lease_id).limit(1))
        stranger = s.scalar(select(Resident.id).where(Resident.ref == personas["partial"]))
        before = s.scalar(select(func.count()).select_from(LedgerEntry))
    entry = {
        "lease_id": lease_id,
        "kind": "charge",
        "amount_cents": 4500,
        "effective_on": "2026-11-23",
        "description": "Key fob",
    }
    for change, message in (
        ({"payment_id": other_payment}, "belongs to another lease"),
        ({"resident_id": stranger}, "is not on lease"),
        ({"posted_on": "2020-01-01"}, "posted_on"),
        ({"effective_on": "0001-01-01"}, "effective_on"),
        ({"effective_on": "9999-12-31"}, "effective_on"),
        ({"description": "Key\u0000fob"}, "description"),
        ({"description": "Key \u202eboF"}, "description"),
        ({"description": "Key\u2028fob"}, "description"),
        ({"charge_code": "KEY\u2029FOB"}, "charge_code"),
    ):
        response = api.post("/api/ledger/entries", json=entry | change)
        assert response.status_code == 422, (change, response.text)
        assert message in response.json()["detail"]
    with demo_db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == before


@pytest.mark.parametrize("value", [2**31, 2**63 - 1])
@pytest.mark.parametrize("field", ["lease_id", "payment_id", "resident_id", "reverses_id"])
def test_an_id_no_table_can_hold_is_refused(
    api: TestClient, demo_db: Database, field: str, value: int
) -> None:
    """Ids are PostgreSQL INTEGER columns: 2^31 and above could not even be compared there (a 500)."""
    from sqlalchemy import func, select

    from app.models import LedgerEntry

    ref = demo_db.report.personas["on_time"]  # type: ignore[union-attr]
    lease_id = api.get(f"/api/residents/{ref}/lease").json()["id"]
    entry = {
        "lease_id": lease_id,
        "kind": "reversal" if field == "reverses_id" else "charge",
        "amount_cents": -4500 if field == "reverses_id" else 4500,
        "effective_on": "2026-11-23",
        "description": "Key fob",
    }
    with demo_db.sessions() as s:
        before = s.scalar(select(func.count()).select_from(LedgerEntry))
    response = api.post("/api/ledger/entries", json=entry | {field: value})
    assert response.status_code == 422, response.text
    assert f"body.{field}" in response.json()["detail"]
    with demo_db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == before


def test_a_query_parameter_given_twice_is_refused(api: TestClient, demo_db: Database) -> None:
    """Which of two as_of dates would be answered is the framework's choice, not the caller's."""
    ref = demo_db.report.personas["on_time"]  # type: ignore[union-attr]
    response = api.get(f"/api/residents/{ref}/balance?as_of=2026-01-01&as_of=2026-11-23")
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == ["query.as_of: Given more than once; give it once"]
    assert api.get("/api/residents?limit=5&limit=6").status_code == 422
