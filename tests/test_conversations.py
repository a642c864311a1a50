from __future__ import annotations

import pytest
from sqlalchemy import select

from app.conversations import (
    Received,
    append_message,
    append_unless_staff,
    receive_message,
    set_owner,
    transcript,
)
from app.models import Conversation, Message
from tests.factories import make_household
from tests.support.databases import Database


def _two_residents(db: Database) -> tuple[int, int]:
    with db.sessions.begin() as s:
        first, _ = make_household(s)
        second, _ = make_household(s, ref="R90002", code="other-prop")
        return first.id, second.id


def _receive(db: Database, resident_id: int | None, body: str, client_id: str | None = None) -> Received:
    with db.sessions.begin() as s:
        return receive_message(
            s, conversation_id="c1", resident_id=resident_id, channel="portal", body=body, client_id=client_id
        )


def test_a_first_message_opens_the_thread_and_the_next_ones_follow_it(db: Database) -> None:
    resident, _ = _two_residents(db)
    first = _receive(db, resident, "hi")
    second = _receive(db, resident, "what do i owe")
    assert (first.seq, second.seq) == (1, 2)
    with db.sessions() as s:
        conversation = s.get(Conversation, "c1")
        assert conversation is not None
        assert (conversation.resident_id, conversation.owner, conversation.last_seq) == (
            resident,
            "assistant",
            2,
        )
        assert [(m.seq, m.role, m.body) for m in transcript(s, "c1")] == [
            (1, "resident", "hi"),
            (2, "resident", "what do i owe"),
        ]


def test_a_thread_without_a_resident_takes_messages_without_one(db: Database) -> None:
    assert [_receive(db, None, text).seq for text in ("hours?", "and the fee?")] == [1, 2]


def test_another_residents_thread_is_refused_and_nothing_is_written(db: Database) -> None:
    resident, other = _two_residents(db)
    _receive(db, resident, "hi", client_id="m1")
    for client_id in (None, "m1", "m2"):
        with pytest.raises(PermissionError):
            _receive(db, other, "show me their balance", client_id=client_id)
    with pytest.raises(PermissionError):
        _receive(db, None, "no resident at all")
    with db.sessions() as s:
        assert s.scalars(select(Message.body)).all() == ["hi"]
        assert s.scalars(select(Conversation.last_seq)).one() == 1


def test_a_resent_client_id_is_the_message_stored_before(db: Database) -> None:
    resident, _ = _two_residents(db)
    first = _receive(db, resident, "hi", client_id="m1")
    again = _receive(db, resident, "hi", client_id="m1")
    assert (again.id, again.seq, again.duplicate) == (first.id, 1, True)
    with db.sessions() as s:
        assert s.scalars(select(Message.id)).all() == [first.id]


def test_a_message_to_a_thread_staff_own_is_stored_and_marked(db: Database) -> None:
    resident, _ = _two_residents(db)
    _receive(db, resident, "hi")
    with db.sessions.begin() as s:
        conversation = s.get(Conversation, "c1")
        assert conversation is not None
        set_owner(s, conversation, "staff")
    received = _receive(db, resident, "are you there")
    assert received.staff_own and received.seq == 3


def test_a_reply_is_not_appended_once_staff_own_the_thread(db: Database) -> None:
    resident, _ = _two_residents(db)
    _receive(db, resident, "hi")
    with db.sessions.begin() as s:
        stored = append_unless_staff(s, conversation_id="c1", role="assistant", body="Hello!")
        assert stored is not None and stored.seq == 2
        conversation = s.get(Conversation, "c1")
        assert conversation is not None
        set_owner(s, conversation, "staff")
    with db.sessions.begin() as s:
        assert append_unless_staff(s, conversation_id="c1", role="assistant", body="Too late") is None
        append_message(s, conversation_id="c1", role="staff", body="Staff here")
    with db.sessions() as s:
        assert [(m.seq, m.role) for m in transcript(s, "c1")] == [
            (1, "resident"),
            (2, "assistant"),
            (3, "system"),
            (4, "staff"),
        ]
        with pytest.raises(LookupError):
            append_unless_staff(s, conversation_id="nowhere", role="assistant", body="?")
