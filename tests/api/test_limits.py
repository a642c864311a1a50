"""Every list and body is bounded: a huge request is refused before it can hold a worker."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.models import Lease
from tests.support.databases import Database


def _leases(db: Database) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Lease)) or 0)


def _lease(**change: Any) -> dict[str, Any]:
    return {
        "property_code": "maple-court",
        "unit": "A-101",
        "residents": ["R10001"],
        "start_on": "2027-06-01",
        "rent_cents": 1_400_00,
    } | change


def test_a_lease_with_100k_residents_is_refused_at_the_door(api: TestClient, demo_db: Database) -> None:
    before = _leases(demo_db)
    response = api.post("/api/leases", json=_lease(residents=[f"R{n}" for n in range(100_000)]))
    assert response.status_code == 413
    assert "64 KiB" in response.json()["detail"]
    assert _leases(demo_db) == before


def test_a_lease_names_at_most_ten_residents(api: TestClient) -> None:
    response = api.post("/api/leases", json=_lease(residents=[f"R{10001 + n}" for n in range(11)]))
    assert response.status_code == 422
    assert "residents" in response.json()["detail"]


def test_a_streamed_body_without_a_length_is_counted(api: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"property_code": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    response = api.post("/api/leases", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_long_strings_are_refused(api: TestClient) -> None:
    response = api.post("/api/leases", json=_lease(property_code="x" * 41))
    assert response.status_code == 422
    assert "property_code" in response.json()["detail"]


def test_a_description_with_a_bidi_override_is_refused(api: TestClient, demo_db: Database) -> None:
    ref = demo_db.report.personas["on_time"]  # type: ignore[union-attr]
    lease_id = api.get(f"/api/residents/{ref}/lease").json()["id"]
    entry = {
        "lease_id": lease_id,
        "kind": "charge",
        "amount_cents": 4500,
        "effective_on": "2026-11-23",
        "description": "Key fob \u202eeef",
    }
    response = api.post("/api/ledger/entries", json=entry)
    assert response.status_code == 422
    assert "U+202E" in response.json()["detail"]
