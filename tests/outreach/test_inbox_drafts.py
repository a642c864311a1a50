"""Outreach drafts in the inbox's approvals queue: a message the ladder drafted under `shadow` (or a notice
under `assist`) waits there for a manager, who sends it as drafted, sends an edited text, or keeps it
from going; whoever decided is recorded, and the next run sends exactly what was approved."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.channels.inbox import Forbidden
from app.channels.inbox_approvals import Approvals
from app.channels.inbox_models import ApprovalDecision
from app.errors import Conflict, InvalidInput
from app.models import AuditRecord, OutreachDraft, SmsMessage
from tests.channels.test_inbox import make_staff
from tests.outreach.test_outreach import AFTERNOON, _draft, _ladder, _lease, _run, _staff
from tests.support.databases import DEMO_AS_OF, Database


def _approvals(db: Database) -> Approvals:
    return Approvals(sessions=db.sessions, today=lambda: DEMO_AS_OF, review_graph=None)


def test_a_held_message_is_approved_edited_or_rejected_from_the_inbox(db: Database) -> None:
    _staff(db)
    edited_lease, _ = _lease(db, mode="shadow")
    rejected_lease, _ = _lease(db, mode="shadow")
    sent_lease, _ = _lease(db, mode="auto")
    _ladder(db)
    _run(db, AFTERNOON)
    manager, agent = make_staff(db, "manager", "Mara Lopez"), make_staff(db, "agent")
    approvals = _approvals(db)

    waiting = [item for item in approvals.pending(manager) if item.kind == "outreach_draft"]
    first, second = _draft(db, edited_lease), _draft(db, rejected_lease)
    assert [item.id for item in waiting] == [first.id, second.id]  # the auto one went: nothing to decide
    assert waiting[0].title.startswith("Reminder by text") and waiting[0].body == first.body
    assert waiting[0].channel == "sms" and waiting[0].total_cents is None
    with pytest.raises(Forbidden):
        approvals.pending(agent)

    text = "Hi, November's rent is open. Call the office if you need a plan. Reply STOP to opt out."
    edit = approvals.decide(
        manager, "outreach_draft", first.id, ApprovalDecision(action="edit", message=text)
    )
    with pytest.raises(InvalidInput, match="reason"):
        approvals.decide(manager, "outreach_draft", second.id, ApprovalDecision(action="reject"))
    reject = approvals.decide(
        manager,
        "outreach_draft",
        second.id,
        ApprovalDecision(action="reject", message="paying at the office"),
    )
    with pytest.raises(Conflict):  # decided already: a second click changes nothing
        approvals.decide(manager, "outreach_draft", second.id, ApprovalDecision(action="approve"))

    assert (edit.status, edit.decided_by, edit.resident_message) == ("ready", manager.email, text)
    assert (reject.status, reject.decided_by, reject.resident_message) == ("rejected", manager.email, None)
    assert [item for item in approvals.pending(manager) if item.kind == "outreach_draft"] == []
    with db.sessions() as session:
        lines = session.scalars(
            select(AuditRecord).where(AuditRecord.action.in_(["outreach.edited", "outreach.rejected"]))
        ).all()
        assert sorted((line.action, line.actor) for line in lines) == [
            ("outreach.edited", manager.email),
            ("outreach.rejected", manager.email),
        ]
        assert session.get(OutreachDraft, second.id).reason == "paying at the office"  # type: ignore[union-attr]

    report = _run(db, AFTERNOON)
    assert report.outbox == [first.id]  # the edited text goes; the rejected one never does
    with db.sessions() as session:
        sent = session.scalars(
            select(SmsMessage.body).where(SmsMessage.direction == "outbound").order_by(SmsMessage.id)
        ).all()
    assert sent[-1] == text and _draft(db, sent_lease).status == "sent"


def test_an_outreach_decision_with_installments_is_refused(db: Database) -> None:
    _staff(db)
    lease, _ = _lease(db, mode="shadow")
    _ladder(db)
    _run(db, AFTERNOON)
    manager = make_staff(db, "manager", "Mara Lopez")
    draft = _draft(db, lease)
    decision = ApprovalDecision.model_validate(
        {"action": "edit", "message": "x", "installments": [{"due_on": "2026-11-30", "amount_cents": 100}]}
    )
    with pytest.raises(InvalidInput, match="installments"):
        _approvals(db).decide(manager, "outreach_draft", draft.id, decision)
    assert _draft(db, lease).status == "awaiting_approval"
