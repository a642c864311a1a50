"""Answering messages that were stored but never answered, because their server process died in between.

A resident's message is stored (and acknowledged) before its turn runs, and the turn runs on a worker
of the process that took the message. If that process stops between the two (a deploy, a crash, an
out-of-memory kill), the message waits for ever: the widget shows it sent, and nobody replies. Every
process therefore looks, once a minute, for portal conversations whose last event is a resident's
message older than `STALE_AFTER`, still the assistant's to answer, and answers it.

Two processes may look at once. A message is claimed by a compare-and-set on its conversation's row
(the sequence number and the update time it was seen with), so exactly one of them answers; a turn
that stores a reply moves `last_seq`, so a message answered meanwhile is never claimed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session, sessionmaker

from agents.assistant.runner import Accepted
from app.models import Conversation, Message

STALE_AFTER = timedelta(minutes=2)
"""A turn takes milliseconds, and seconds behind a resident's own queue: two minutes without an answer
means the process that took the message is gone."""
GIVE_UP_AFTER = timedelta(hours=24)
"""Older than a day, an answer would surprise more than help: staff see the thread in the inbox."""
SWEEP_EVERY_SECONDS = 60.0
BATCH = 50
"""Messages claimed per sweep: a backlog drains over a few minutes instead of flooding the workers."""
CHANNEL = "portal"
"""SMS turns are answered within their webhook and retried by Twilio; only the chat is swept."""
REJECTED_PREFIX = "[message not processed"


@dataclass(frozen=True, slots=True)
class Candidate:
    conversation_id: str
    resident_id: int | None
    last_seq: int
    updated_at: datetime
    message_id: int
    body: str


def stale_messages(session: Session, *, now: datetime, limit: int = BATCH) -> list[Candidate]:
    """Conversations whose last event is an unanswered resident message, between `STALE_AFTER` and
    `GIVE_UP_AFTER` old, that the assistant (not staff) owns."""
    rows = session.execute(
        select(
            Conversation.id,
            Conversation.resident_id,
            Conversation.last_seq,
            Conversation.updated_at,
            Message.id,
            Message.body,
        )
        .join(
            Message,
            and_(Message.conversation_id == Conversation.id, Message.seq == Conversation.last_seq),
        )
        .where(
            Conversation.channel == CHANNEL,
            Conversation.owner == "assistant",
            Message.role == "resident",
            Message.created_at <= now - STALE_AFTER,
            Message.created_at >= now - GIVE_UP_AFTER,
        )
        .order_by(Message.created_at)
        .limit(limit)
    ).all()
    return [
        Candidate(cid, resident, seq, updated, message_id, body)
        for cid, resident, seq, updated, message_id, body in rows
        if not body.startswith(REJECTED_PREFIX)
    ]


def claim(session: Session, candidate: Candidate, *, now: datetime) -> bool:
    """Take the message for this process: True for exactly one of any processes that try."""
    result = session.execute(
        update(Conversation)
        .where(
            Conversation.id == candidate.conversation_id,
            Conversation.last_seq == candidate.last_seq,
            Conversation.updated_at == candidate.updated_at,
        )
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def take_back(session: Session, accepted: Accepted, *, now: datetime) -> bool:
    """Claim, as `claim` does (of processes that try at once, one wins), a message whose turn died with the
    worker process that ran it: only while it is still its conversation's last event and the assistant's
    to answer (a reply stored before the worker died, or staff who took the thread since, leave nothing to
    take)."""
    row = session.execute(
        select(Conversation.last_seq, Conversation.updated_at, Conversation.owner).where(
            Conversation.id == accepted.conversation_id
        )
    ).first()
    if row is None or row.last_seq != accepted.seq or row.owner != "assistant":
        return False
    candidate = Candidate(
        accepted.conversation_id,
        accepted.resident_id,
        row.last_seq,
        row.updated_at,
        accepted.message_id,
        accepted.stored_text,
    )
    return claim(session, candidate, now=now)


def sweep(sessions: sessionmaker[Session], *, now: datetime | None = None) -> list[Accepted]:
    """Claim the stale messages and return them as turns to run (the caller submits them)."""
    now = now or datetime.now(UTC)
    with sessions.begin() as session:
        candidates = stale_messages(session, now=now)
    claimed: list[Accepted] = []
    for candidate in candidates:
        with sessions.begin() as session:
            if not claim(session, candidate, now=now):
                continue
        claimed.append(
            Accepted(
                candidate.conversation_id,
                candidate.resident_id,
                candidate.message_id,
                candidate.last_seq,
                candidate.body,
            )
        )
    return claimed
