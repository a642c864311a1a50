"""Conversations and their messages: who owns a thread (assistant or staff) and what was said."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from app.models import Conversation, Message


def open_conversation(
    session: Session, *, conversation_id: str, resident_id: int | None, channel: str, language: str = "en"
) -> Conversation:
    """The conversation with this id, created on first use. A thread never changes resident."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        conversation = Conversation(
            id=conversation_id, resident_id=resident_id, channel=channel, language=language
        )
        session.add(conversation)
        session.flush()
    elif conversation.resident_id != resident_id:
        raise PermissionError("this conversation belongs to another resident")
    return conversation


_MESSAGES = Message.metadata.tables[Message.__tablename__]
_CONVERSATIONS = Conversation.metadata.tables[Conversation.__tablename__]
_INSERT_MESSAGE = insert(_MESSAGES).returning(_MESSAGES.c.id)
# The next number in a thread: one UPDATE ... RETURNING, which also locks the conversation's row until the
# transaction ends, so two writers (two processes, a staff reply racing a turn) never take the same seq.
_NEXT_SEQ = (
    update(_CONVERSATIONS)
    .where(_CONVERSATIONS.c.id == bindparam("conversation_id"))
    .values(last_seq=_CONVERSATIONS.c.last_seq + 1)
    .returning(_CONVERSATIONS.c.last_seq)
)
_BY_CLIENT_ID = select(Message).where(
    Message.conversation_id == bindparam("conversation_id"), Message.client_id == bindparam("client_id")
)


@dataclass(frozen=True, slots=True)
class Stored:
    """A message as appended: its row id and its place in the conversation."""

    id: int
    seq: int


def append_message(
    session: Session,
    *,
    conversation_id: str,
    role: str,
    body: str,
    meta: dict[str, Any] | None = None,
    client_id: str | None = None,
) -> Stored:
    """Append a message (an event of the thread) with the next seq. A plain INSERT rather than the ORM's
    unit of work: two run in every turn, and a flush costs twice the statement."""
    seq = session.execute(_NEXT_SEQ, {"conversation_id": conversation_id}).scalar_one()
    row = {
        "conversation_id": conversation_id,
        "role": role,
        "body": body,
        "meta": meta or {},
        "seq": seq,
        "client_id": client_id,
    }
    return Stored(int(session.execute(_INSERT_MESSAGE, row).scalar_one()), int(seq))


def add_message(
    session: Session, *, conversation_id: str, role: str, body: str, meta: dict[str, Any] | None = None
) -> int:
    """Append a message to the conversation; its id."""
    return append_message(session, conversation_id=conversation_id, role=role, body=body, meta=meta).id


def message_by_client_id(session: Session, conversation_id: str, client_id: str) -> Message | None:
    """The resident message a client already sent under this id, if any."""
    return session.scalars(
        _BY_CLIENT_ID, {"conversation_id": conversation_id, "client_id": client_id}
    ).first()


def events_after(
    session: Session, conversation_id: str, after_seq: int, *, limit: int = 500
) -> list[Message]:
    """The thread's events numbered above `after_seq`, in order (what a reconnecting client missed)."""
    return list(
        session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.seq > after_seq)
            .order_by(Message.seq)
            .limit(limit)
        )
    )


def transcript(session: Session, conversation_id: str) -> list[Message]:
    return list(
        session.scalars(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
        )
    )


def staff_owns(conversation: Conversation) -> bool:
    """While staff own a conversation the assistant stays silent."""
    return conversation.owner == "staff"


Owner = Literal["assistant", "waiting", "staff"]


def owner_state(conversation: Conversation) -> Owner:
    """Who answers, as a resident sees it: staff (took it over), waiting (handed to staff, who have not
    taken it yet: the assistant still helps meanwhile), or the assistant."""
    if conversation.owner == "staff":
        return "staff"
    return "waiting" if conversation.status == "waiting_staff" else "assistant"


def set_owner(
    session: Session,
    conversation: Conversation,
    owner: Owner,
    *,
    staff_id: int | None = None,
    staff_name: str | None = None,
    client_id: str | None = None,
) -> Stored | None:
    """Move the conversation to `owner` and append the owner event residents see; None when it already
    was there (nothing is appended). Staff ownership names who took it."""
    if owner_state(conversation) == owner and (owner != "staff" or conversation.owner_staff_id == staff_id):
        return None
    conversation.owner = "staff" if owner == "staff" else "assistant"
    conversation.status = {"staff": "open", "waiting": "waiting_staff", "assistant": "open"}[owner]
    conversation.owner_staff_id = staff_id if owner == "staff" else None
    session.flush()
    return append_message(
        session,
        conversation_id=conversation.id,
        role="system",
        body="",
        meta={"event": "owner", "owner": owner, "staff_name": staff_name if owner == "staff" else None},
        client_id=client_id,
    )
