"""Conversations and their messages: who owns a thread (assistant or staff) and what was said."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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
_INSERT_MESSAGE = insert(_MESSAGES).returning(_MESSAGES.c.id, _MESSAGES.c.created_at)
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
# A resident's message, on the hot path of every turn: plain statements built once. The seq is taken only in
# the resident's own thread (the UPDATE matches on both), so a thread of another resident is refused before
# anything is written.
_NEXT_SEQ_OF_RESIDENT = (
    update(_CONVERSATIONS)
    .where(
        _CONVERSATIONS.c.id == bindparam("conversation_id"),
        _CONVERSATIONS.c.resident_id.is_not_distinct_from(bindparam("of_resident")),
    )
    .values(last_seq=_CONVERSATIONS.c.last_seq + 1)
    .returning(_CONVERSATIONS.c.last_seq, _CONVERSATIONS.c.owner)
)
_NEXT_SEQ_UNLESS_STAFF = _NEXT_SEQ.where(_CONVERSATIONS.c.owner != "staff")
_OWNER = select(_CONVERSATIONS.c.owner).where(_CONVERSATIONS.c.id == bindparam("conversation_id"))
_RESIDENT_OF = select(_CONVERSATIONS.c.resident_id).where(_CONVERSATIONS.c.id == bindparam("conversation_id"))
_INSERT_CONVERSATION = insert(_CONVERSATIONS)
_EARLIER = (
    select(_MESSAGES.c.id, _MESSAGES.c.seq, _CONVERSATIONS.c.resident_id)
    .join(_CONVERSATIONS, _CONVERSATIONS.c.id == _MESSAGES.c.conversation_id)
    .where(
        _MESSAGES.c.conversation_id == bindparam("conversation_id"),
        _MESSAGES.c.client_id == bindparam("client_id"),
    )
)


@dataclass(frozen=True, slots=True)
class Stored:
    """A message as appended: its row id, its place in the conversation and when it was stored (as a later
    read returns it)."""

    id: int
    seq: int
    at: datetime | None = None


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
    seq = int(session.execute(_NEXT_SEQ, {"conversation_id": conversation_id}).scalar_one())
    message_id, at = _insert_message(
        session, conversation_id, role=role, body=body, meta=meta, seq=seq, client_id=client_id
    )
    return Stored(message_id, seq, at)


@dataclass(frozen=True, slots=True)
class Received:
    """A resident's message as `receive_message` stored it (or found it stored before)."""

    id: int
    seq: int
    staff_own: bool = False
    """Staff owned the thread as the message was numbered: the assistant stays silent."""
    duplicate: bool = False
    """The thread already had a message under this client id: this is that one; nothing was stored."""
    at: datetime | None = None
    """When it was stored, as the database reads it back (None for a duplicate)."""


def receive_message(
    session: Session,
    *,
    conversation_id: str,
    resident_id: int | None,
    channel: str,
    body: str,
    meta: dict[str, Any] | None = None,
    client_id: str | None = None,
) -> Received:
    """Store a resident's message as the next event of their conversation, opened on first use: what
    `open_conversation`, `message_by_client_id` and `append_message` do together, in two statements when
    the thread exists (every turn runs this). A thread never changes resident: PermissionError, and
    nothing is written."""
    if client_id is not None:
        earlier = session.execute(
            _EARLIER, {"conversation_id": conversation_id, "client_id": client_id}
        ).first()
        if earlier is not None:
            _check_resident(earlier.resident_id, resident_id)
            return Received(int(earlier.id), int(earlier.seq or 0), duplicate=True)
    thread = {"conversation_id": conversation_id, "of_resident": resident_id}
    taken = session.execute(_NEXT_SEQ_OF_RESIDENT, thread).first()
    seq, owner = (int(taken.last_seq), str(taken.owner)) if taken else _open(session, thread, channel)
    message_id, at = _insert_message(
        session, conversation_id, role="resident", body=body, meta=meta, seq=seq, client_id=client_id
    )
    return Received(message_id, seq, staff_own=owner == "staff", at=at)


def _open(session: Session, thread: dict[str, Any], channel: str) -> tuple[int, str]:
    """The seq and owner for a first message, when the resident's thread had no seq to take: a new
    conversation, created with that seq taken; PermissionError when the thread is another resident's."""
    existing = session.execute(_RESIDENT_OF, thread).first()
    if existing is None:
        values = {"id": thread["conversation_id"], "resident_id": thread["of_resident"], "channel": channel}
        session.execute(_INSERT_CONVERSATION, {**values, "last_seq": 1})
        return 1, "assistant"
    _check_resident(existing.resident_id, thread["of_resident"])
    taken = session.execute(_NEXT_SEQ_OF_RESIDENT, thread).one()  # another writer opened it meanwhile
    return int(taken.last_seq), str(taken.owner)


def _check_resident(owner_id: int | None, resident_id: int | None) -> None:
    if owner_id != resident_id:
        raise PermissionError("this conversation belongs to another resident")


def append_unless_staff(
    session: Session, *, conversation_id: str, role: str, body: str, meta: dict[str, Any] | None = None
) -> Stored | None:
    """`append_message`, unless staff own the conversation: then None, and nothing is appended. The seq is
    taken only while the assistant owns the thread, in the same statement, so a takeover that commits
    first always silences the assistant."""
    seq = session.execute(_NEXT_SEQ_UNLESS_STAFF, {"conversation_id": conversation_id}).scalar()
    if seq is None:
        if session.execute(_OWNER, {"conversation_id": conversation_id}).scalar() == "staff":
            return None
        raise LookupError(f"there is no conversation {conversation_id}")
    message_id, at = _insert_message(session, conversation_id, role=role, body=body, meta=meta, seq=int(seq))
    return Stored(message_id, int(seq), at)


def _insert_message(
    session: Session,
    conversation_id: str,
    *,
    role: str,
    body: str,
    meta: dict[str, Any] | None,
    seq: int,
    client_id: str | None = None,
) -> tuple[int, datetime]:
    """The new row's id and its `created_at`, as a later read would return it."""
    row = {
        "conversation_id": conversation_id,
        "role": role,
        "body": body,
        "meta": meta or {},
        "seq": seq,
        "client_id": client_id,
    }
    inserted = session.execute(_INSERT_MESSAGE, row).one()
    return int(inserted.id), inserted.created_at


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
