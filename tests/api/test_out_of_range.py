"""A number no column can hold is a 422, never a 500: first at the route's own bounds (ids are bounded
by what a PostgreSQL integer holds), and, under them, a safety net for any number that reaches the
database unbounded (PostgreSQL's "integer out of range", SQLite's OverflowError)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.bounds import MAX_DB_ID
from app.main import create_app
from app.models import Escalation
from app.staff import create_staff
from tests.channels.test_inbox import make_escalation
from tests.support.databases import DEMO_AS_OF, Database

PASSWORD = "correct horse battery"


@pytest.fixture
def app(demo_db: Database) -> FastAPI:
    app = create_app(demo_db.settings, today=lambda: DEMO_AS_OF)

    @app.get("/test/unbounded")
    def unbounded(request: Request, n: int) -> dict[str, int]:
        """A route that forgot its bounds: the number goes to the database as it came."""
        with request.app.state.sessions() as session:
            return {"n": session.execute(text("SELECT CAST(:n AS INTEGER)"), {"n": n}).scalar_one()}

    return app


@pytest.fixture
def manager(app: FastAPI, demo_db: Database) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The app with a manager signed in to the inbox: the client and its CSRF headers."""
    with demo_db.sessions.begin() as session:
        create_staff(
            session, email="manager@example.com", role="manager", password=PASSWORD, name="M", actor="test"
        )
    with TestClient(app) as client:
        signed_in = client.post("/inbox/login", json={"email": "manager@example.com", "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        yield client, {"X-CSRF-Token": signed_in.json()["csrf_token"], "Origin": "http://testserver"}


def test_an_id_no_column_holds_is_refused_by_the_route_and_changes_nothing(
    manager: tuple[TestClient, dict[str, str]], demo_db: Database
) -> None:
    client, headers = manager
    _, escalation_id = make_escalation(demo_db, "on_time")

    response = client.post(
        f"/inbox/api/escalations/{escalation_id}/assign", json={"staff_id": MAX_DB_ID + 1}, headers=headers
    )

    assert response.status_code == 422, response.text
    assert "staff_id" in response.json()["detail"]
    with demo_db.sessions() as session:
        escalation = session.get(Escalation, escalation_id)
        assert escalation is not None and escalation.assigned_to_id is None


def test_a_number_that_reaches_the_database_unbounded_is_a_422(
    manager: tuple[TestClient, dict[str, str]], demo_db: Database
) -> None:
    client, _ = manager
    # PostgreSQL's integer stops at 2^31 - 1; SQLite's at 2^63 - 1.
    too_big = 2**40 if demo_db.backend == "postgres" else 2**70

    fits = client.get("/test/unbounded", params={"n": 41})
    response = client.get("/test/unbounded", params={"n": too_big})

    assert fits.status_code == 200 and fits.json() == {"n": 41}
    assert response.status_code == 422, response.text
    assert "larger than the database holds" in response.json()["detail"]
