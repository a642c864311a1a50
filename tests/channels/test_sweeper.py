"""A message stored but never answered (its process stopped between the ack and the turn) is answered by
whichever process sweeps next, once, and heard live by the resident's open widget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from agents.assistant.runner import Accepted
from app.accounts import find_resident
from app.channels import sweeper
from app.channels.chat import portal_conversation_id
from app.conversations import append_message, open_conversation, set_owner
from app.models import Conversation, Message, StaffUser
from tests.channels.test_chat_protocol import hello, until
from tests.support.databases import Database


def _stored_but_not_answered(
    client: TestClient, db: Database, ref: str, text: str, age: timedelta
) -> Accepted:
    """What a process that died right after the ack leaves behind: the message, and no turn."""
    service, _ = client.app.state.channels._chat  # type: ignore[attr-defined]
    with db.sessions() as s:
        resident_id = find_resident(s, ref).id
    accepted: Accepted = service.assistant.accept(
        conversation_id=portal_conversation_id(ref), text=text, resident_id=resident_id, channel="portal"
    )
    with db.sessions.begin() as s:
        s.execute(
            update(Message)
            .where(Message.id == accepted.message_id)
            .values(created_at=datetime.now(UTC) - age)
        )
    return accepted


def _sweep(client: TestClient) -> int:
    runtime = client.app.state.channels  # type: ignore[attr-defined]
    count: int = client.portal.call(runtime.sweep_once, runtime._chat[1])
    client.portal.call(runtime._chat[1].drain)
    return count


def _replies(db: Database, conversation_id: str) -> list[tuple[int | None, str]]:
    with db.sessions() as s:
        rows = s.execute(
            select(Message.seq, Message.role)
            .where(Message.conversation_id == conversation_id, Message.role != "resident")
            .order_by(Message.seq)
        ).all()
    return [(seq, role) for seq, role in rows]


def test_a_message_left_unanswered_is_answered_once_and_heard_live(
    chat_client: TestClient, demo_db: Database
) -> None:
    ref = demo_db.report.personas["partial"]  # type: ignore[union-attr]
    conversation_id = portal_conversation_id(ref)
    with chat_client.websocket_connect("/ws/chat") as ws:
        hello(ws, ref)
        lost = _stored_but_not_answered(chat_client, demo_db, ref, "how much do i owe", timedelta(minutes=5))

        assert _sweep(chat_client) == 1
        frames: list[dict[str, Any]] = until(ws, lambda f: f["type"] == "reply")
        assert frames[-1]["seq"] == lost.seq + 1
        assert "$" in frames[-1]["text"]

        assert _sweep(chat_client) == 0  # answered: never a second reply
    assert _replies(demo_db, conversation_id) == [(lost.seq + 1, "assistant")]


def test_a_recent_message_a_staff_thread_and_an_old_one_are_left_alone(
    chat_client: TestClient, demo_db: Database
) -> None:
    personas = demo_db.report.personas  # type: ignore[union-attr]
    with chat_client.websocket_connect("/ws/chat") as ws:
        hello(ws, personas["partial"])  # builds the assistant
    _stored_but_not_answered(
        chat_client, demo_db, personas["partial"], "when is rent due", timedelta(seconds=10)
    )
    _stored_but_not_answered(chat_client, demo_db, personas["sometimes_late"], "hello?", timedelta(days=3))
    staff_ref = personas["delinquent"]
    _stored_but_not_answered(chat_client, demo_db, staff_ref, "are you there", timedelta(minutes=5))
    with demo_db.sessions.begin() as s:
        staff = s.scalars(select(StaffUser)).first()
        assert staff is not None
        conversation = s.get(Conversation, portal_conversation_id(staff_ref))
        assert conversation is not None
        set_owner(s, conversation, "staff", staff_id=staff.id, staff_name=staff.name)

    assert _sweep(chat_client) == 0
    with demo_db.sessions() as s:
        assert s.scalar(select(func.count()).where(Message.role == "assistant")) == 0


@pytest.fixture
def db_with_stale(db: Database) -> tuple[Database, str]:
    """A portal thread whose last event is a resident's message from five minutes ago."""
    conversation_id = "portal-stale"
    with db.sessions.begin() as s:
        open_conversation(s, conversation_id=conversation_id, resident_id=None, channel="portal")
        stored = append_message(s, conversation_id=conversation_id, role="resident", body="is my payment in?")
        s.execute(
            update(Message)
            .where(Message.id == stored.id)
            .values(created_at=datetime.now(UTC) - timedelta(minutes=5))
        )
    return db, conversation_id


def test_two_processes_sweeping_at_once_claim_a_message_once(db_with_stale: tuple[Database, str]) -> None:
    db, conversation_id = db_with_stale
    now = datetime.now(UTC)
    with db.sessions() as s:
        seen_by_a = sweeper.stale_messages(s, now=now)
        seen_by_b = sweeper.stale_messages(s, now=now)
    assert [c.conversation_id for c in seen_by_a] == [conversation_id]

    with db.sessions.begin() as s:
        first = sweeper.claim(s, seen_by_a[0], now=now)
    with db.sessions.begin() as s:
        second = sweeper.claim(s, seen_by_b[0], now=now + timedelta(seconds=1))
    assert (first, second) == (True, False)


def test_a_turn_whose_worker_died_is_taken_back_only_while_unanswered_and_the_assistants(
    chat_client: TestClient, demo_db: Database
) -> None:
    personas = demo_db.report.personas  # type: ignore[union-attr]
    now = datetime.now(UTC)
    with chat_client.websocket_connect("/ws/chat") as ws:
        hello(ws, personas["partial"])
    unanswered = _stored_but_not_answered(
        chat_client, demo_db, personas["partial"], "how much do i owe", timedelta()
    )
    with demo_db.sessions.begin() as s:
        assert sweeper.take_back(s, unanswered, now=now)

    # The worker stored its reply before it died: nothing to take back.
    answered = _stored_but_not_answered(
        chat_client, demo_db, personas["partial"], "when is rent due", timedelta()
    )
    with demo_db.sessions.begin() as s:
        append_message(
            s, conversation_id=answered.conversation_id, role="assistant", body="Rent is due on the 1st."
        )
    with demo_db.sessions.begin() as s:
        assert not sweeper.take_back(s, answered, now=now)

    # Staff took the thread since: theirs to answer.
    with chat_client.websocket_connect("/ws/chat") as ws:
        hello(ws, personas["on_time"])
    staffed = _stored_but_not_answered(
        chat_client, demo_db, personas["on_time"], "how much do i owe", timedelta()
    )
    with demo_db.sessions.begin() as s:
        conversation = s.get(Conversation, staffed.conversation_id)
        assert conversation is not None
        set_owner(s, conversation, "staff")
    with demo_db.sessions.begin() as s:
        assert not sweeper.take_back(s, staffed, now=now)
