"""A number that reaches the database unbounded and that no column can hold is a 422, not a 500: the
safety net under every route's own bounds (here the inbox's, whose ids allow up to 2^63-1)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.models import Escalation
from app.staff import create_staff
from tests.channels.test_inbox import make_escalation
from tests.support.databases import DEMO_AS_OF, Database

PASSWORD = "correct horse battery"


@pytest.fixture
def manager(demo_db: Database) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The app with a manager signed in to the inbox: the client and its CSRF headers."""
    with demo_db.sessions.begin() as session:
        create_staff(
            session, email="manager@example.com", role="manager", password=PASSWORD, name="M", actor="test"
        )
    app = create_app(demo_db.settings, today=lambda: DEMO_AS_OF)
    with TestClient(app) as client:
        signed_in = client.post("/inbox/login", json={"email": "manager@example.com", "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        yield client, {"X-CSRF-Token": signed_in.json()["csrf_token"], "Origin": "http://testserver"}


def test_an_id_beyond_the_database_s_integers_is_a_422(
    manager: tuple[TestClient, dict[str, str]], demo_db: Database
) -> None:
    client, headers = manager
    _, escalation_id = make_escalation(demo_db, "on_time")

    response = client.post(
        f"/inbox/api/escalations/{escalation_id}/assign", json={"staff_id": 2**63 - 1}, headers=headers
    )

    if demo_db.backend == "sqlite":  # SQLite's integers are 64-bit: simply nobody
        assert response.status_code == 404, response.text
        return
    assert response.status_code == 422, response.text
    assert "larger than the database holds" in response.json()["detail"]
    with demo_db.sessions() as session:
        escalation = session.get(Escalation, escalation_id)
        assert escalation is not None and escalation.assigned_to_id is None
