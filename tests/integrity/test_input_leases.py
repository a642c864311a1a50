"""A unit is let to one lease at a time: a new lease whose dates meet another lease's on the unit is
refused with one readable line, whether that lease is active or has not started yet, and nothing is
written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from app.deps import get_today
from app.main import create_app
from app.models import Lease
from tests.factories import make_household
from tests.support.databases import Database

TODAY = date(2026, 11, 23)
TOKEN = "test-token-0123456789abcdefghij"


@pytest.fixture
def api(db: Database) -> Iterator[TestClient]:
    """The staff API on a database holding one household: unit 101 of test-prop, leased 2026-01-01 to
    2026-12-31 to R90001."""
    with db.sessions.begin() as s:
        make_household(s)
    app = create_app(db.settings.model_copy(update={"DOORSTEP_API_TOKEN": SecretStr(TOKEN)}))
    app.dependency_overrides[get_today] = lambda: TODAY
    with TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        yield client


def _lease(start_on: str, end_on: str | None) -> dict[str, Any]:
    return {
        "property_code": "test-prop",
        "unit": "101",
        "residents": ["R90001"],
        "start_on": start_on,
        "end_on": end_on,
        "rent_cents": 1_500_00,
    }


def _leases(db: Database) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Lease)) or 0)


@pytest.mark.parametrize(
    ("start_on", "end_on"),
    [
        ("2027-06-01", "2028-05-31"),  # starts inside the future lease
        ("2027-01-01", "2027-03-01"),  # ends on the future lease's first day
        ("2027-01-01", None),  # open-ended, starting before it
    ],
)
def test_a_lease_overlapping_a_future_lease_on_the_unit_is_refused(
    api: TestClient, db: Database, start_on: str, end_on: str | None
) -> None:
    renewal = api.post("/api/leases", json=_lease("2027-03-01", "2028-02-29"))
    assert renewal.status_code == 201, renewal.text
    before = _leases(db)

    response = api.post("/api/leases", json=_lease(start_on, end_on))

    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert detail == (
        f"unit 101 already has future lease {renewal.json()['ref']} (2027-03-01 to 2028-02-29), "
        f"which overlaps the new lease's {start_on} to {end_on or 'no end date'}"
    )
    assert _leases(db) == before


def test_leases_that_follow_each_other_on_a_unit_are_accepted(api: TestClient, db: Database) -> None:
    first = api.post("/api/leases", json=_lease("2027-01-01", "2027-12-31"))
    second = api.post("/api/leases", json=_lease("2028-01-01", None))

    assert (first.status_code, second.status_code) == (201, 201), (first.text, second.text)
    assert first.json()["status"] == second.json()["status"] == "future"
    assert _leases(db) == 3


def test_a_lease_still_running_refuses_a_new_lease_that_starts_before_it_ends(
    api: TestClient, db: Database
) -> None:
    response = api.post("/api/leases", json=_lease("2026-12-31", None))

    assert response.status_code == 409, response.text
    assert "already has active lease L90001 (2026-01-01 to 2026-12-31)" in response.json()["detail"]
    assert _leases(db) == 1


def test_a_lease_moved_out_of_frees_the_unit_from_the_day_after(api: TestClient, db: Database) -> None:
    with db.sessions.begin() as s:
        lease = s.scalars(select(Lease)).one()
        lease.moved_out_on, lease.status = date(2026, 8, 31), "ended"

    same_day = api.post("/api/leases", json=_lease("2026-08-31", None))
    day_after = api.post("/api/leases", json=_lease("2026-09-01", None))

    assert same_day.status_code == 409, same_day.text
    assert day_after.status_code == 201, day_after.text
