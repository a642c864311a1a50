"""A resident's lease as of a day is never one that starts after that day: a balance, a ledger or lease
terms asked for as of 1970 do not come from a lease signed for 2199."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from app.accounts import current_lease
from app.deps import get_today
from app.errors import NotFound
from app.main import create_app
from app.models import Lease, LeaseResident, Resident
from tests.factories import make_household
from tests.support.databases import Database

TODAY = date(2026, 11, 23)
TOKEN = "test-token-0123456789abcdefghij"


def _far_future_lease(db: Database, *, moved_out_on: date | None = None) -> None:
    """R90001's 2026 lease (moved out of on `moved_out_on`, if given) and a renewal starting in 2199."""
    with db.sessions.begin() as s:
        resident, lease = make_household(s)
        lease.moved_out_on = moved_out_on
        later = Lease(
            ref="L99999",
            unit_id=lease.unit_id,
            status="future",
            start_on=date(2199, 1, 1),
            rent_cents=1_500_00,
        )
        s.add(later)
        s.flush()
        s.add(LeaseResident(lease_id=later.id, resident_id=resident.id))


def _lease_on(db: Database, day: date) -> str:
    with db.sessions() as s:
        resident = s.scalars(select(Resident).where(Resident.ref == "R90001")).one()
        return current_lease(s, resident, as_of=day).ref


def test_a_lease_that_starts_later_is_not_the_lease_of_an_earlier_day(db: Database) -> None:
    _far_future_lease(db)

    assert _lease_on(db, date(2026, 6, 1)) == "L90001"
    assert _lease_on(db, date(2199, 6, 1)) == "L99999"
    with pytest.raises(
        NotFound, match=r"^resident R90001 had no lease on 1970-01-01: their first starts 2026-01-01$"
    ):
        _lease_on(db, date(1970, 1, 1))


def test_between_a_move_out_and_the_next_lease_the_last_lease_is_the_one(db: Database) -> None:
    _far_future_lease(db, moved_out_on=date(2026, 12, 31))

    assert _lease_on(db, date(2030, 1, 1)) == "L90001"


@pytest.fixture
def api(db: Database) -> Iterator[TestClient]:
    app = create_app(db.settings.model_copy(update={"DOORSTEP_API_TOKEN": SecretStr(TOKEN)}))
    app.dependency_overrides[get_today] = lambda: TODAY
    with TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        yield client


@pytest.mark.parametrize("what", ["lease", "balance", "ledger"])
def test_the_api_as_of_a_day_before_any_lease_is_a_404_line(db: Database, api: TestClient, what: str) -> None:
    _far_future_lease(db)

    response = api.get(f"/api/residents/R90001/{what}", params={"as_of": "1970-01-01"})

    assert response.status_code == 404, response.text
    assert (
        response.json()["detail"]
        == "resident R90001 had no lease on 1970-01-01: their first starts 2026-01-01"
    )


def test_the_api_as_of_a_day_inside_the_first_lease_answers_from_it(db: Database, api: TestClient) -> None:
    _far_future_lease(db)

    response = api.get("/api/residents/R90001/lease", params={"as_of": "2026-03-01"})

    assert response.status_code == 200, response.text
    assert response.json()["ref"] == "L90001"
