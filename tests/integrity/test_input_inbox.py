"""The staff inbox's bodies are checked at the door, over HTTP as the page sends them: an id no table can
hold, a date outside the ledger's calendar and a message with a NUL or a direction override are each a
422 naming the field, and nothing changes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy import func, select

from agents.plan_review.graph import build_review_graph
from app.accounts import find_resident
from app.channels.broker import LocalBroker
from app.deps import get_today
from app.main import create_app
from app.models import AuditRecord, Escalation, Message, PaymentPlan, PlanInstallment
from app.payment_plans import record_proposal
from app.staff import create_staff
from tests.channels.test_inbox import make_escalation
from tests.support.databases import DEMO_AS_OF, Database
from tools.escalation import EscalationReason

PASSWORD = "correct horse battery"


@dataclass
class Staff:
    client: TestClient
    db: Database
    csrf: str


@pytest.fixture
def manager(demo_db: Database) -> Iterator[Staff]:
    """The inbox app on the demo database, signed in as a manager (who may assign and decide plans)."""
    with demo_db.sessions.begin() as session:
        create_staff(
            session,
            email="manager@example.com",
            role="manager",
            password=PASSWORD,
            name="Denise Alvarado",
            actor="test",
        )
    app = create_app(demo_db.settings, today=lambda: DEMO_AS_OF)
    app.dependency_overrides[get_today] = lambda: DEMO_AS_OF
    with TestClient(app) as client:
        if getattr(app.state, "broker", None) is None:
            app.state.broker = LocalBroker()
        app.state.review_graph = build_review_graph(checkpointer=InMemorySaver())
        login = client.post("/inbox/login", json={"email": "manager@example.com", "password": PASSWORD})
        assert login.status_code == 200, login.text
        yield Staff(client, demo_db, str(login.json()["csrf_token"]))


def _post(staff: Staff, path: str, body: dict[str, Any]) -> Any:
    return staff.client.post(path, json=body, headers={"X-CSRF-Token": staff.csrf})


def _written(db: Database) -> tuple[int, int, int]:
    """Audit lines, messages and plan installments: what any accepted action adds to."""
    with db.sessions() as s:
        return (
            int(s.scalar(select(func.count()).select_from(AuditRecord)) or 0),
            int(s.scalar(select(func.count()).select_from(Message)) or 0),
            int(s.scalar(select(func.count()).select_from(PlanInstallment)) or 0),
        )


def _proposal(db: Database) -> tuple[int, str]:
    conversation_id, _ = make_escalation(
        db, "delinquent", reason=EscalationReason.PLAN_REVIEW, text="can i pay half now and half on the 15th"
    )
    with db.sessions.begin() as session:
        resident = find_resident(session, db.report.personas["delinquent"])  # type: ignore[union-attr]
        plan = record_proposal(
            session,
            lease_id=resident.leases[0].lease_id,
            conversation_id=conversation_id,
            today=DEMO_AS_OF,
            parts=[(DEMO_AS_OF + timedelta(days=3), 600_00), (DEMO_AS_OF + timedelta(days=17), 600_00)],
            proposed_by="assistant",
            note="half now, half on the 15th",
        )
        return plan.id, conversation_id


def _plan_status(db: Database, plan_id: int) -> str:
    with db.sessions() as s:
        plan = s.get(PaymentPlan, plan_id)
        assert plan is not None
        return plan.status


@pytest.mark.parametrize("staff_id", [2**31, 2**62])
def test_assigning_to_a_staff_id_no_table_can_hold_is_refused(manager: Staff, staff_id: int) -> None:
    _, escalation_id = make_escalation(manager.db, "disputed")
    before = _written(manager.db)

    response = _post(manager, f"/inbox/api/escalations/{escalation_id}/assign", {"staff_id": staff_id})

    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(
        "body.staff_id: Input should be less than or equal to 2147483647"
    )
    assert _written(manager.db) == before
    with manager.db.sessions() as s:
        escalation = s.get(Escalation, escalation_id)
        assert escalation is not None and escalation.assigned_to_id is None


def test_resolving_with_an_escalation_id_no_table_can_hold_is_refused(manager: Staff) -> None:
    _, escalation_id = make_escalation(manager.db, "disputed")
    before = _written(manager.db)

    response = _post(
        manager,
        f"/inbox/api/escalations/{escalation_id}/resolve",
        {"note": "Explained the fee.", "escalation_id": 2**40},
    )

    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("body.escalation_id: Input should be less than or equal to")
    assert _written(manager.db) == before
    with manager.db.sessions() as s:
        escalation = s.get(Escalation, escalation_id)
        assert escalation is not None and escalation.status == "open"


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_an_installment_dated_outside_the_ledger_calendar_is_refused(manager: Staff, day: str) -> None:
    plan_id, _ = _proposal(manager.db)
    before = _written(manager.db)
    installments = [
        {"due_on": (DEMO_AS_OF + timedelta(days=3)).isoformat(), "amount_cents": 600_00},
        {"due_on": day, "amount_cents": 600_00},
    ]

    response = _post(
        manager,
        f"/inbox/api/approvals/payment_plan/{plan_id}",
        {"action": "edit", "installments": installments},
    )

    assert response.status_code == 422, response.text
    assert response.json()["detail"] == (
        "body.installments.1.due_on: Value error, dates must lie between 1970-01-01 and 2199-12-31"
    )
    assert _written(manager.db) == before
    assert _plan_status(manager.db, plan_id) == "proposed"


@pytest.mark.parametrize("character", ["\x00", "\u202e", "\u2066"])
def test_a_decision_message_with_a_control_or_direction_override_is_refused(
    manager: Staff, character: str
) -> None:
    """The message goes to the resident: a NUL or a right-to-left override must not reach them."""
    plan_id, _ = _proposal(manager.db)
    before = _written(manager.db)

    response = _post(
        manager,
        f"/inbox/api/approvals/payment_plan/{plan_id}",
        {"action": "reject", "message": f"We cannot offer this{character} plan"},
    )

    assert response.status_code == 422, response.text
    assert response.json()["detail"] == (
        "body.message: Value error, text may not contain control or direction-override characters "
        f"(U+{ord(character):04X})"
    )
    assert _written(manager.db) == before
    assert _plan_status(manager.db, plan_id) == "proposed"


def test_a_plain_decision_message_still_reaches_the_resident(manager: Staff) -> None:
    plan_id, conversation_id = _proposal(manager.db)

    response = _post(
        manager,
        f"/inbox/api/approvals/payment_plan/{plan_id}",
        {"action": "reject", "message": "  We cannot split it three ways.\nCall the office.  "},
    )

    assert response.status_code == 200, response.text
    assert _plan_status(manager.db, plan_id) == "rejected"
    assert "We cannot split it three ways.\nCall the office." in (response.json()["resident_message"] or "")
    assert conversation_id == response.json()["conversation_id"]
