from __future__ import annotations

import uuid
from datetime import date

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy import select

from agents.assistant.graph import build_graph
from agents.assistant.runner import Assistant
from agents.plan_review.graph import Installment, StaffDecision, build_review_graph
from agents.plan_review.service import pending_request, resume_review
from agents.planners.base import PlanStep, ToolCall
from app.accounts import find_resident
from app.conversations import transcript
from app.models import AuditRecord, PaymentPlan
from tests.agents.scripted import ScriptedPlanner
from tests.support.databases import DEMO_AS_OF, Database

pytestmark = pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)


def _propose(db: Database) -> tuple[Assistant, int, str]:
    review = build_review_graph(checkpointer=InMemorySaver())
    planner = ScriptedPlanner(
        PlanStep(intent="payment_plan", calls=[ToolCall("propose_payment_plan", {"installments": 2})])
    )
    assistant = Assistant(
        sessions=db.sessions,
        graph=build_graph(checkpointer=InMemorySaver()),
        planner=planner,
        today=lambda: DEMO_AS_OF,
        review_graph=review,
    )
    conversation = uuid.uuid4().hex
    with db.sessions() as s:
        resident = find_resident(s, db.report.personas["delinquent"])  # type: ignore[union-attr]
    outcome = assistant.respond(
        conversation_id=conversation, text="can i pay in 2 parts", resident_id=resident.id
    )
    assert outcome.reply is not None and "Nothing changes until staff approve it" in outcome.reply
    with db.sessions() as s:
        plan_id = s.scalars(select(PaymentPlan.id).where(PaymentPlan.conversation_id == conversation)).one()
    return assistant, plan_id, conversation


def test_a_proposal_waits_for_staff_and_changes_nothing(demo_db: Database) -> None:
    assistant, plan_id, _ = _propose(demo_db)
    request = pending_request(assistant.review_graph, plan_id=plan_id)  # type: ignore[arg-type]
    assert request is not None and len(request.installments) == 2
    with demo_db.sessions() as s:
        assert s.get(PaymentPlan, plan_id).status == "proposed"  # type: ignore[union-attr]


def test_approval_schedules_the_installments_and_tells_the_resident(demo_db: Database) -> None:
    assistant, plan_id, conversation = _propose(demo_db)
    result = resume_review(
        assistant.review_graph,
        plan_id=plan_id,  # type: ignore[arg-type]
        decision=StaffDecision(action="accept", staff="collections@doorstep.example.com"),
        sessions=demo_db.sessions,
        today=DEMO_AS_OF,
    )
    assert result["status"] == "active"
    with demo_db.sessions() as s:
        plan = s.get(PaymentPlan, plan_id)
        assert plan is not None and plan.decided_by == "collections@doorstep.example.com"
        assert {i.status for i in plan.installments} == {"scheduled"}
        assert transcript(s, conversation)[-1].body.startswith("The office approved your payment plan")
        audit = s.scalars(select(AuditRecord).where(AuditRecord.action == "plan.approve")).one()
        assert audit.actor == "collections@doorstep.example.com"
    assert pending_request(assistant.review_graph, plan_id=plan_id) is None  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="not waiting"):
        resume_review(
            assistant.review_graph,
            plan_id=plan_id,  # type: ignore[arg-type]
            decision=StaffDecision(action="reject", staff="x"),
            sessions=demo_db.sessions,
            today=DEMO_AS_OF,
        )


def test_an_edit_is_offered_to_the_resident(demo_db: Database) -> None:
    assistant, plan_id, conversation = _propose(demo_db)
    edited = [
        Installment(due_on=date(2026, 12, 1), amount_cents=100_00),
        Installment(due_on=date(2026, 12, 15), amount_cents=200_00),
    ]
    result = resume_review(
        assistant.review_graph,
        plan_id=plan_id,  # type: ignore[arg-type]
        decision=StaffDecision(action="edit", staff="manager", installments=edited),
        sessions=demo_db.sessions,
        today=DEMO_AS_OF,
    )
    assert result["status"] == "offered"
    assert "$100.00 (Dec 1), $200.00 (Dec 15)" in result["resident_message"]
    with demo_db.sessions() as s:
        assert "Reply YES to accept" in transcript(s, conversation)[-1].body


def test_a_rejection_passes_on_staffs_message(demo_db: Database) -> None:
    assistant, plan_id, conversation = _propose(demo_db)
    resume_review(
        assistant.review_graph,
        plan_id=plan_id,  # type: ignore[arg-type]
        decision=StaffDecision(action="reject", staff="manager", message="Please call us to talk it over."),
        sessions=demo_db.sessions,
        today=DEMO_AS_OF,
    )
    with demo_db.sessions() as s:
        assert s.get(PaymentPlan, plan_id).status == "rejected"  # type: ignore[union-attr]
        assert transcript(s, conversation)[-1].body.endswith("Please call us to talk it over.")
