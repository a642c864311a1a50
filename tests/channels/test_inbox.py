"""The staff inbox without HTTP: the queue, claiming, taking over, replying, handing back, resolving,
the conversation view, canned replies and exports, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy import select

from agents.assistant.graph import build_graph
from agents.assistant.runner import Assistant
from agents.planners.base import PlanStep, ToolCall
from app.accounts import find_resident
from app.channels.inbox import Forbidden, Inbox
from app.channels.inbox_models import CannedReplyIn
from app.conversations import append_message, open_conversation
from app.errors import Conflict
from app.models import AuditRecord, Conversation, Escalation, Message
from app.staff import StaffIdentity, create_staff, identity
from tests.agents.scripted import ScriptedPlanner
from tests.support.databases import DEMO_AS_OF, Database
from tools.context import ResidentContext
from tools.escalation import EscalateArgs, EscalationReason, escalate

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def make_staff(db: Database, role: str = "agent", name: str = "Jordan Ellis") -> StaffIdentity:
    with db.sessions.begin() as session:
        email = f"{name.split()[0].lower()}.{uuid.uuid4().hex[:6]}@doorstep.example.com"
        user = create_staff(session, email=email, role=role, password=None, name=name, actor="test")
        return identity(user)


def make_escalation(
    db: Database,
    persona: str,
    *,
    reason: EscalationReason = EscalationReason.DISPUTE,
    priority: str | None = None,
    channel: str = "portal",
    text: str = "this late fee is wrong, I paid on the 3rd",
) -> tuple[str, int]:
    """A resident's conversation with one message, escalated by the assistant's own tool."""
    ref = db.report.personas[persona]  # type: ignore[union-attr]
    conversation_id = f"{channel}-{ref}-{uuid.uuid4().hex[:6]}"
    with db.sessions.begin() as session:
        resident = find_resident(session, ref)
        open_conversation(session, conversation_id=conversation_id, resident_id=resident.id, channel=channel)
        append_message(session, conversation_id=conversation_id, role="resident", body=text)
        resident_id = resident.id
    ctx = ResidentContext(
        resident_id=resident_id, sessions=db.sessions, today=DEMO_AS_OF, conversation_id=conversation_id
    )
    result = escalate(
        ctx,
        EscalateArgs(reason=reason, summary=f"{ref} says: {text}", priority=priority),  # type: ignore[arg-type]
    )
    assert result.escalation_id is not None
    return conversation_id, result.escalation_id


def make_inbox(db: Database, **kwargs: object) -> Inbox:
    return Inbox(sessions=db.sessions, today=lambda: DEMO_AS_OF, clock=lambda: NOW, **kwargs)  # type: ignore[arg-type]


def _audit(db: Database, action: str) -> list[AuditRecord]:
    with db.sessions() as session:
        return list(session.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def test_the_queue_puts_the_most_urgent_first_and_filters_by_property_and_status(demo_db: Database) -> None:
    agent = make_staff(demo_db)
    inbox = make_inbox(demo_db)
    _, normal = make_escalation(demo_db, "disputed")
    _, urgent = make_escalation(
        demo_db, "delinquent", reason=EscalationReason.EMERGENCY, text="water everywhere"
    )
    queue = inbox.queue(agent)
    ids = [item.escalation_id for item in queue.items]
    assert ids.index(urgent) < ids.index(normal)
    first = queue.items[ids.index(urgent)]
    assert first.priority == "urgent" and first.reason == "emergency" and first.owner == "waiting"
    assert first.sla_due_at is not None and first.sla_state in ("ok", "due_soon", "breached")
    assert first.resident_ref == demo_db.report.personas["delinquent"]  # type: ignore[union-attr]
    assert first.property_code is not None and first.age_seconds >= 0
    other = next(code for code, _ in queue.properties if code != first.property_code)
    assert all(i.property_code == other for i in inbox.queue(agent, property_code=other).items)
    assert urgent in [i.escalation_id for i in inbox.queue(agent, property_code=first.property_code).items]
    inbox.resolve(agent, urgent, "Plumber sent; resident called back.")
    assert urgent not in [i.escalation_id for i in inbox.queue(agent).items]
    resolved = inbox.queue(agent, status="resolved").items
    assert resolved[0].escalation_id == urgent and resolved[0].sla_state == "met"


def test_an_sla_past_due_shows_as_breached_until_staff_answer(demo_db: Database) -> None:
    agent = make_staff(demo_db)
    conversation_id, escalation_id = make_escalation(demo_db, "disputed")
    with demo_db.sessions.begin() as session:
        row = session.get(Escalation, escalation_id)
        assert row is not None
        row.sla_due_at = NOW - timedelta(minutes=5)
    inbox = make_inbox(demo_db)
    item = next(i for i in inbox.queue(agent).items if i.escalation_id == escalation_id)
    assert item.sla_state == "breached" and item.sla_seconds_left == -300
    inbox.reply(agent, conversation_id, "Looking at it now.")
    item = next(i for i in inbox.queue(agent).items if i.escalation_id == escalation_id)
    assert item.sla_state == "met" and item.sla_seconds_left is None


def test_a_claimed_escalation_is_refused_to_a_colleague_who_can_still_assign_it(demo_db: Database) -> None:
    jordan, sam = make_staff(demo_db), make_staff(demo_db, name="Sam Whitaker")
    inbox = make_inbox(demo_db)
    _, escalation_id = make_escalation(demo_db, "disputed")
    inbox.claim(jordan, escalation_id)
    mine = inbox.queue(jordan, status="mine").items
    assert [i.escalation_id for i in mine] == [escalation_id]
    assert mine[0].status == "claimed" and mine[0].assigned_to and mine[0].assigned_to.name == "Jordan Ellis"
    with pytest.raises(Conflict, match="Jordan Ellis already has"):
        inbox.claim(sam, escalation_id)
    inbox.assign(jordan, escalation_id, sam.id)
    assert [i.escalation_id for i in inbox.queue(sam, status="mine").items] == [escalation_id]
    assert inbox.queue(jordan, status="mine").items == []
    lines = _audit(demo_db, "escalation.assign")
    assert lines[-1].actor == jordan.actor and lines[-1].data["assigned_to"] == sam.id


def test_after_take_over_a_resident_message_gets_no_assistant_reply(demo_db: Database) -> None:
    agent = make_staff(demo_db)
    inbox = make_inbox(demo_db)
    conversation_id, _ = make_escalation(demo_db, "disputed")
    taken = inbox.take_over(agent, conversation_id)
    assert taken.owner == "staff"
    assistant = Assistant(
        sessions=demo_db.sessions,
        graph=build_graph(checkpointer=InMemorySaver()),
        planner=ScriptedPlanner(PlanStep(intent="balance", calls=[ToolCall("get_balance", {})])),
        today=lambda: DEMO_AS_OF,
    )
    with demo_db.sessions() as session:
        resident_id = session.get(Conversation, conversation_id).resident_id  # type: ignore[union-attr]
    outcome = assistant.respond(conversation_id=conversation_id, text="hello??", resident_id=resident_id)
    assert outcome.silent and outcome.reply is None
    view = inbox.view(agent, conversation_id)
    assert [e.role for e in view.events][-2:] == ["system", "resident"]
    assert (
        view.events[-2].kind == "owner" and view.events[-2].text == "Jordan Ellis took over the conversation"
    )
    assert not [e for e in view.events if e.role == "assistant"]


def test_a_staff_reply_is_the_next_event_numbered_and_signed(demo_db: Database) -> None:
    agent = make_staff(demo_db)
    inbox = make_inbox(demo_db)
    conversation_id, escalation_id = make_escalation(demo_db, "disputed")
    before = inbox.view(agent, conversation_id).last_seq
    result = inbox.reply(agent, conversation_id, "Hi, I'm checking the fee now.\nBack shortly.")
    # The reply took the conversation over first (one owner event), then the reply itself.
    assert result.seq == before + 2 and result.last_seq == before + 2 and result.owner == "staff"
    with demo_db.sessions() as session:
        row = session.scalars(
            select(Message).where(Message.conversation_id == conversation_id, Message.seq == result.seq)
        ).one()
        assert row.role == "staff" and row.meta == {"staff_id": agent.id}
        assert row.body == "Hi, I'm checking the fee now.\nBack shortly."
    owner, last_seq, events = inbox.events_after(agent, conversation_id, before)
    assert owner == "staff" and last_seq == result.seq
    assert [(e.seq, e.kind, e.staff_name) for e in events] == [
        (before + 1, "owner", "Jordan Ellis"),
        (before + 2, "message", "Jordan Ellis"),
    ]
    queue_item = next(i for i in inbox.queue(agent).items if i.escalation_id == escalation_id)
    assert queue_item.assigned_to is not None and queue_item.assigned_to.id == agent.id
    assert _audit(demo_db, "conversation.staff_reply")[-1].actor == agent.actor


def test_a_colleague_cannot_reply_in_a_conversation_someone_else_took_over(demo_db: Database) -> None:
    jordan, sam = make_staff(demo_db), make_staff(demo_db, name="Sam Whitaker")
    inbox = make_inbox(demo_db)
    conversation_id, _ = make_escalation(demo_db, "disputed")
    inbox.take_over(jordan, conversation_id)
    with pytest.raises(Conflict, match="Jordan Ellis has taken this conversation over"):
        inbox.reply(sam, conversation_id, "hello")
    inbox.take_over(sam, conversation_id)
    assert inbox.reply(sam, conversation_id, "Sam here, I have it now.").owner == "staff"


def test_hand_back_lets_the_assistant_answer_again(demo_db: Database) -> None:
    agent = make_staff(demo_db)
    inbox = make_inbox(demo_db)
    conversation_id, _ = make_escalation(demo_db, "disputed")
    inbox.take_over(agent, conversation_id)
    back = inbox.hand_back(agent, conversation_id)
    assert back.owner == "assistant"
    assert inbox.view(agent, conversation_id).events[-1].text == "The assistant is answering again"
    with pytest.raises(Conflict, match="already has"):
        inbox.hand_back(agent, conversation_id)
    assert _audit(demo_db, "conversation.hand_back")[-1].actor == agent.actor


def test_resolving_records_who_and_why_and_returns_the_conversation_to_the_assistant(
    demo_db: Database,
) -> None:
    agent = make_staff(demo_db)
    inbox = make_inbox(demo_db)
    conversation_id, escalation_id = make_escalation(demo_db, "disputed")
    inbox.take_over(agent, conversation_id)
    result = inbox.resolve(agent, escalation_id, "Fee reversed by the manager; resident told.")
    assert result.owner == "assistant"
    with demo_db.sessions() as session:
        row = session.get(Escalation, escalation_id)
        assert row is not None and row.status == "resolved" and row.resolved_by == agent.actor
        assert row.resolution_note == "Fee reversed by the manager; resident told." and row.resolved_at
        assert session.get(Conversation, conversation_id).owner == "assistant"  # type: ignore[union-attr]
    with pytest.raises(Conflict, match="already resolved"):
        inbox.resolve(agent, escalation_id, "again")
    line = _audit(demo_db, "escalation.resolve")[-1]
    assert line.actor == agent.actor and line.data["note"].startswith("Fee reversed")


def test_the_conversation_view_puts_the_ledger_lease_and_summary_beside_the_transcript(
    demo_db: Database,
) -> None:
    agent = make_staff(demo_db)
    inbox = make_inbox(demo_db)
    conversation_id, _ = make_escalation(demo_db, "disputed")
    view = inbox.view(agent, conversation_id)
    ref = demo_db.report.personas["disputed"]  # type: ignore[union-attr]
    assert view.resident is not None and view.resident.ref == ref
    assert view.balance is not None and view.balance.resident_ref == ref
    assert view.lease is not None and view.lease.rent_cents > 0
    assert [e.seq for e in view.events] == sorted(e.seq for e in view.events)
    assert view.events[0].role == "resident" and view.events[0].text.startswith("this late fee is wrong")
    assert view.escalations[0].summary.startswith(f"{ref} says") and view.escalations[0].reason == "dispute"
    first_name = view.resident.name.split()[0]
    assert view.suggested_reply.startswith(f"Hi {first_name}, this is Jordan from the office.")
    assert "I'm looking into" in view.suggested_reply
    assert "waive" not in view.suggested_reply.lower()


def test_a_suggested_reply_for_a_legal_question_gives_no_figures(demo_db: Database) -> None:
    agent = make_staff(demo_db)
    conversation_id, _ = make_escalation(
        demo_db, "delinquent", reason=EscalationReason.LEGAL, text="are you going to evict me"
    )
    draft = make_inbox(demo_db).view(agent, conversation_id).suggested_reply
    assert "property manager" in draft and "balance" not in draft.lower()


def test_a_canned_reply_is_filled_with_the_residents_figures(demo_db: Database) -> None:
    agent = make_staff(demo_db)
    inbox = make_inbox(demo_db)
    conversation_id, _ = make_escalation(demo_db, "delinquent")
    made = inbox.create_canned_reply(
        agent, CannedReplyIn(title="Balance", body="Hi {first_name}, your balance is {balance}. {unknown}")
    )
    assert [r.title for r in inbox.canned_replies(agent)] == ["Balance"]
    view = inbox.view(agent, conversation_id)
    draft = inbox.use_canned_reply(agent, made.id, conversation_id).text
    assert view.balance is not None and view.resident is not None
    dollars = f"${view.balance.total_cents // 100:,}.{view.balance.total_cents % 100:02d}"
    assert draft == f"Hi {view.resident.name.split()[0]}, your balance is {dollars}. {{unknown}}"
    assert _audit(demo_db, "canned_reply.create")[-1].actor == agent.actor


def test_a_transcript_exports_as_text_and_as_json(demo_db: Database) -> None:
    agent = make_staff(demo_db)
    inbox = make_inbox(demo_db)
    conversation_id, _ = make_escalation(demo_db, "disputed")
    inbox.reply(agent, conversation_id, "Checking now.")
    text = inbox.export(agent, conversation_id, "text")
    assert text.filename.endswith(".txt") and text.media_type.startswith("text/plain")
    assert "Resident: this late fee is wrong" in text.content
    assert "Staff (Jordan Ellis): Checking now." in text.content
    data = json.loads(inbox.export(agent, conversation_id, "json").content)
    assert data["conversation_id"] == conversation_id
    assert [e["seq"] for e in data["events"]] == sorted(e["seq"] for e in data["events"])
    assert data["events"][-1]["text"] == "Checking now." and data["events"][-1]["role"] == "staff"
    assert [line.data["format"] for line in _audit(demo_db, "conversation.export")] == ["text", "json"]


def test_an_sms_conversations_reply_goes_to_the_sms_bridge(demo_db: Database) -> None:
    agent = make_staff(demo_db)
    sent: list[tuple[str, str, int]] = []

    def bridge(session: object, *, conversation_id: str, text: str, actor: str) -> str:
        sent.append((conversation_id, text, actor))
        return "queued"

    conversation_id, _ = make_escalation(demo_db, "disputed", channel="sms")
    assert make_inbox(demo_db, sms_sender=bridge).reply(agent, conversation_id, "On it.").sms == "queued"
    assert sent == [(conversation_id, "On it.", agent.actor)]
    without = make_inbox(demo_db).reply(agent, conversation_id, "Still on it.")
    assert without.sms == "not_sent" and len(sent) == 1
    portal_id, _ = make_escalation(demo_db, "delinquent")
    assert make_inbox(demo_db, sms_sender=bridge).reply(agent, portal_id, "Hi").sms is None and len(sent) == 1


def test_staff_without_the_conversations_role_see_nothing(demo_db: Database) -> None:
    nobody = StaffIdentity(id=1, email="x@example.com", name="X", role="agent")
    object.__setattr__(nobody, "role", "visitor")  # a role the app does not know grants nothing
    with pytest.raises((Forbidden, KeyError)):
        make_inbox(demo_db).queue(nobody)


def test_a_reply_in_an_sms_conversation_waits_in_the_sms_outbox(demo_db: Database) -> None:
    from app.channels.inbox import sms_bridge
    from app.models import Resident, SmsMessage

    agent = make_staff(demo_db)
    conversation_id, _ = make_escalation(demo_db, "disputed", channel="sms")
    with demo_db.sessions.begin() as session:
        resident = session.get(Resident, session.get(Conversation, conversation_id).resident_id)  # type: ignore[union-attr]
        assert resident is not None
        resident.phone, resident.sms_consent, resident.do_not_contact = "+15125550199", True, False
    inbox = make_inbox(demo_db, sms_sender=sms_bridge(demo_db.settings))
    assert inbox.reply(agent, conversation_id, "Hi, this is Jordan. Checking the fee now.").sms == "queued"
    with demo_db.sessions() as session:
        texts = session.scalars(select(SmsMessage).where(SmsMessage.conversation_id == conversation_id)).all()
        assert [(t.direction, t.phone, t.status) for t in texts] == [("outbound", "+15125550199", "queued")]
        assert texts[0].body.startswith("Hi, this is Jordan.")
