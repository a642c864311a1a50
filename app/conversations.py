"""Conversations and their messages: who owns a thread (assistant or staff) and what was said."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
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
_INSERT_MESSAGE = insert(_MESSAGES).returning(_MESSAGES.c.id)


def add_message(
    session: Session, *, conversation_id: str, role: str, body: str, meta: dict[str, Any] | None = None
) -> int:
    """Append a message to the conversation; its id. A plain INSERT rather than the ORM's unit of work:
    two run in every turn, and a flush costs twice the statement."""
    row = {"conversation_id": conversation_id, "role": role, "body": body, "meta": meta or {}}
    return int(session.execute(_INSERT_MESSAGE, row).scalar_one())


def transcript(session: Session, conversation_id: str) -> list[Message]:
    return list(
        session.scalars(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
        )
    )


def staff_owns(conversation: Conversation) -> bool:
    """While staff own a conversation the assistant stays silent."""
    return conversation.owner == "staff"
