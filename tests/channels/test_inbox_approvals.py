"""The approvals queue: payment plans the assistant proposed, approved, edited or rejected by the signed-in
manager, with who decided recorded on the plan and in the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy import select

from agents.plan_review.graph import build_review_graph
from app.accounts import find_resident
from app.channels.inbox import Forbidden
from app.channels.inbox_approvals import Approvals
from app.channels.inbox_models import ApprovalDecision, InstallmentIn
from app.conversations import transcript
from app.errors import Conflict, InvalidInput
from app.models import AuditRecord, PaymentPlan
from app.payment_plans import record_proposal
from tests.channels.test_inbox import make_escalation, make_staff
from tests.support.databases import DEMO_AS_OF, Database
from tools.escalation import EscalationReason


def _proposal(db: Database) -> tuple[int, str]:
    conversation_id, _ = make_escalation(
        db, "delinquent", reason=EscalationReason.PLAN_REVIEW, text="can i pay half now and half on the 15th"
    )
    with db.sessions.begin() as session:
        resident = find_resident(session, db.report.personas["delinquent"])  # type: ignore[union-attr]
        lease_id = resident.leases[0].lease_id
        plan = record_proposal(
            session,
            lease_id=lease_id,
            conversation_id=conversation_id,
            today=DEMO_AS_OF,
            parts=[(DEMO_AS_OF + timedelta(days=3), 600_00), (DEMO_AS_OF + timedelta(days=17), 600_00)],
            proposed_by="assistant",
            note="half now, half on the 15th",
        )
        return plan.id, conversation_id


def _approvals(db: Database) -> Approvals:
    return Approvals(
        sessions=db.sessions,
        today=lambda: DEMO_AS_OF,
        review_graph=build_review_graph(checkpointer=InMemorySaver()),
    )


def _decider(db: Database, plan_id: int) -> list[str]:
    with db.sessions() as session:
        return [
            line.actor
            for line in session.scalars(select(AuditRecord).where(AuditRecord.subject == f"plan:{plan_id}"))
        ]


def test_a_proposed_plan_waits_in_the_queue_and_approval_records_the_manager(demo_db: Database) -> None:
    manager = make_staff(demo_db, "manager", name="Denise Alvarado")
    approvals = _approvals(demo_db)
    plan_id, conversation_id = _proposal(demo_db)
    waiting = approvals.pending(manager)
    item = next(i for i in waiting if i.id == plan_id)
    assert item.kind == "payment_plan" and item.total_cents == 1200_00 and len(item.installments) == 2
    assert item.resident_ref == demo_db.report.personas["delinquent"]  # type: ignore[union-attr]
    assert item.balance_cents is not None and item.note == "half now, half on the 15th"
    result = approvals.decide(manager, "payment_plan", plan_id, ApprovalDecision(action="approve"))
    assert result.status == "active" and result.decided_by == manager.actor
    assert result.resident_message and result.resident_message.startswith(
        "The office approved your payment plan"
    )
    with demo_db.sessions() as session:
        plan = session.get(PaymentPlan, plan_id)
        assert plan is not None and plan.decided_by == manager.actor
        assert {i.status for i in plan.installments} == {"scheduled"}
        assert transcript(session, conversation_id)[-1].body == result.resident_message
    assert _decider(demo_db, plan_id) == ["assistant", manager.actor]
    assert plan_id not in [i.id for i in approvals.pending(manager)]
    with pytest.raises(Conflict, match="already active"):
        approvals.decide(manager, "payment_plan", plan_id, ApprovalDecision(action="reject", message="no"))


def test_an_edited_plan_is_offered_to_the_resident_with_the_new_installments(demo_db: Database) -> None:
    manager = make_staff(demo_db, "manager", name="Denise Alvarado")
    approvals = _approvals(demo_db)
    plan_id, _ = _proposal(demo_db)
    parts = [
        InstallmentIn(due_on=DEMO_AS_OF + timedelta(days=2), amount_cents=400_00),
        InstallmentIn(due_on=DEMO_AS_OF + timedelta(days=16), amount_cents=400_00),
        InstallmentIn(due_on=DEMO_AS_OF + timedelta(days=30), amount_cents=400_00),
    ]
    result = approvals.decide(
        manager,
        "payment_plan",
        plan_id,
        ApprovalDecision(action="edit", installments=parts, message="Three parts."),
    )
    assert result.status == "offered" and result.resident_message is not None
    assert "Reply YES to accept it" in result.resident_message and "$400.00" in result.resident_message
    with demo_db.sessions() as session:
        plan = session.get(PaymentPlan, plan_id)
        assert plan is not None and plan.decided_by == manager.actor
        assert [i.amount_cents for i in plan.installments] == [400_00, 400_00, 400_00]
    assert _decider(demo_db, plan_id)[-1] == manager.actor


def test_a_rejection_needs_a_reason_which_the_resident_is_told(demo_db: Database) -> None:
    manager = make_staff(demo_db, "manager", name="Denise Alvarado")
    approvals = _approvals(demo_db)
    plan_id, _ = _proposal(demo_db)
    with pytest.raises(InvalidInput, match="needs a reason"):
        approvals.decide(manager, "payment_plan", plan_id, ApprovalDecision(action="reject"))
    result = approvals.decide(
        manager,
        "payment_plan",
        plan_id,
        ApprovalDecision(action="reject", message="Please call the office so we can talk options."),
    )
    assert result.status == "rejected"
    assert result.resident_message == (
        "The office couldn't approve the payment plan. Please call the office so we can talk options."
    )
    assert _decider(demo_db, plan_id)[-1] == manager.actor


def test_edits_that_make_no_sense_are_refused_and_change_nothing(demo_db: Database) -> None:
    manager = make_staff(demo_db, "manager", name="Denise Alvarado")
    approvals = _approvals(demo_db)
    plan_id, _ = _proposal(demo_db)
    past = [InstallmentIn(due_on=DEMO_AS_OF - timedelta(days=1), amount_cents=100_00)]
    with pytest.raises(InvalidInput, match="before today"):
        approvals.decide(manager, "payment_plan", plan_id, ApprovalDecision(action="edit", installments=past))
    same_day = [InstallmentIn(due_on=DEMO_AS_OF, amount_cents=100_00)] * 2
    with pytest.raises(InvalidInput, match="different days"):
        approvals.decide(
            manager, "payment_plan", plan_id, ApprovalDecision(action="edit", installments=same_day)
        )
    with demo_db.sessions() as session:
        assert session.get(PaymentPlan, plan_id).status == "proposed"  # type: ignore[union-attr]


def test_only_managers_and_admins_see_or_decide_approvals(demo_db: Database) -> None:
    agent = make_staff(demo_db, "agent")
    admin = make_staff(demo_db, "admin", name="Ops Admin")
    approvals = _approvals(demo_db)
    plan_id, _ = _proposal(demo_db)
    with pytest.raises(Forbidden):
        approvals.pending(agent)
    with pytest.raises(Forbidden):
        approvals.decide(agent, "payment_plan", plan_id, ApprovalDecision(action="approve"))
    assert (
        approvals.decide(admin, "payment_plan", plan_id, ApprovalDecision(action="approve")).status
        == "active"
    )
