"""The portal chat's sessions, without a socket: who is connecting, what they missed, what they send.

Every method here is plain, blocking code over the database and the assistant; the WebSocket router
(`app/api/chat_ws.py`) runs them on worker threads and does the sending. A resident has one portal
conversation; its events (their messages, replies, owner changes) are rows of `messages` numbered by
`seq`, so what a connection sends is always "the events after the last seq it sent".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from agents.assistant.runner import Accepted, Assistant, TurnOutcome
from app import audit
from app.accounts import current_lease
from app.channels import frames
from app.channels.broker import EventBatch
from app.channels.documents import citation_url
from app.channels.tokens import TokenError, resident_ref
from app.conversations import (
    events_after,
    message_by_client_id,
    open_conversation,
    owner_state,
    set_owner,
)
from app.errors import NotFound
from app.escalations import open_escalation
from app.models import Conversation, Escalation, Message, Resident, StaffUser

CHANNEL = "portal"
REPLAY_LIMIT = 500
"""Events sent per read; a client further behind gets the rest as soon as it has these."""


@dataclass(frozen=True, slots=True)
class Answered:
    """A turn's outcome and the events it added (None when they are left for subscribers to read)."""

    outcome: TurnOutcome
    batch: EventBatch | None


@dataclass(frozen=True, slots=True)
class ChatResident:
    """A resident whose token checked out, and their portal conversation."""

    id: int
    ref: str
    first_name: str
    conversation_id: str


def portal_conversation_id(resident_ref: str) -> str:
    return f"portal-{resident_ref}"


class ChatService:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        assistant: Assistant,
        secret: bytes,
        documents_dir: Path | None = None,
        read_ahead: bool = True,
    ) -> None:
        self.sessions = sessions
        self.assistant = assistant
        self.secret = secret
        self.documents_dir = documents_dir
        self.read_ahead = read_ahead
        """Start the planner on a message as it is stored (off when worker processes answer turns)."""

    def authenticate(self, token: str | None) -> ChatResident:
        """The resident a valid token names, their portal conversation opened; TokenError otherwise."""
        with self.sessions.begin() as session:
            return self._open(session, token)[0]

    def greet(self, token: str | None) -> tuple[ChatResident, frames.Welcome]:
        """`authenticate`, then `welcome`, in one transaction: the conversation `authenticate` opens is the
        one the welcome describes, so it is read once."""
        with self.sessions.begin() as session:
            resident, conversation = self._open(session, token)
            return resident, _welcome(resident, conversation)

    def welcome(self, resident: ChatResident) -> frames.Welcome:
        with self.sessions() as session:
            return _welcome(resident, _conversation(session, resident))

    def _open(self, session: Session, token: str | None) -> tuple[ChatResident, Conversation]:
        ref = resident_ref(token, secret=self.secret)
        resident = session.scalars(select(Resident).where(Resident.ref == ref)).first()
        if resident is None:
            raise TokenError("the chat token names no resident of this portfolio")
        conversation = open_conversation(
            session,
            conversation_id=portal_conversation_id(resident.ref),
            resident_id=resident.id,
            channel=CHANNEL,
            language=resident.language,
        )
        return ChatResident(resident.id, resident.ref, resident.first_name, conversation.id), conversation

    def events_after(self, resident: ChatResident, after_seq: int) -> list[frames.Event]:
        """The conversation's events numbered above `after_seq`, oldest first, as frames."""
        with self.sessions() as session:
            rows = events_after(session, resident.conversation_id, after_seq, limit=REPLAY_LIMIT)
            names = _staff_names(session, rows)
            return [frame for row in rows if (frame := event_frame(row, names, self._link)) is not None]

    def batch_after(self, conversation_id: str, after_seq: int) -> EventBatch | None:
        """Every event above `after_seq` as one batch for a notice; None when there are more than one
        read returns (subscribers then read for themselves)."""
        with self.sessions() as session:
            rows = events_after(session, conversation_id, after_seq, limit=REPLAY_LIMIT)
            if len(rows) == REPLAY_LIMIT:
                return None
            names = _staff_names(session, rows)
            shown = [frames.dump(f) for row in rows if (f := event_frame(row, names, self._link)) is not None]
        return EventBatch(after_seq, max((row.seq or 0 for row in rows), default=after_seq), shown)

    @staticmethod
    def own_message(accepted: Accepted, client_id: str) -> EventBatch | None:
        """The message `accept` just stored, as the batch its notice carries: built from what was
        written, with no read. None for a resent message (nothing new was stored)."""
        if accepted.duplicate or accepted.at is None:
            return None
        frame = frames.ResidentMessage(
            seq=accepted.seq, client_id=client_id, text=accepted.stored_text, at=_iso(accepted.at)
        )
        return EventBatch(accepted.seq - 1, accepted.seq, [frames.dump(frame)])

    def _link(self, citation: dict[str, Any]) -> str | None:
        if self.documents_dir is None:
            return None
        page = citation.get("page")
        return citation_url(
            citation.get("source"),
            page if isinstance(page, int) else None,
            documents_dir=self.documents_dir,
            secret=self.secret,
        )

    def accept(self, resident: ChatResident, message: frames.SendMessage) -> Accepted:
        """Store the message (or find the one sent before under its client id)."""
        return self.assistant.accept(
            conversation_id=resident.conversation_id,
            text=message.text,
            resident_id=resident.id,
            channel=CHANNEL,
            client_id=message.client_id,
            read_ahead=self.read_ahead,
        )

    def answer(self, accepted: Accepted) -> Answered:
        """Run the turn, then give the notice that tells every connection what it added to the
        conversation: built from what was written when the reply directly follows the message (most
        turns), else read back in the same worker call (an escalation, a staff message between)."""
        outcome = self.assistant.answer(accepted)
        batch = self.reply_batch(accepted, outcome)
        if batch is None:
            batch = self.batch_after(accepted.conversation_id, accepted.seq)
        return Answered(outcome, batch)

    def reply_batch(self, accepted: Accepted, outcome: TurnOutcome) -> EventBatch | None:
        """The reply as the batch its notice carries, with no read, when it is the only event the turn
        added: its seq follows the message's, and no escalation (which moves the thread to waiting, after
        the reply for a do-not-contact resident) came with it. None otherwise."""
        if outcome.reply_seq != accepted.seq + 1 or outcome.reply_at is None or outcome.escalated:
            return None
        frame = frames.Reply(
            seq=outcome.reply_seq,
            from_="assistant",
            text=outcome.reply or "",
            citations=[_shown(c, self._link) for c in outcome.citations if isinstance(c, dict)],
            card=outcome.card,
            at=_iso(outcome.reply_at),
        )
        return EventBatch(accepted.seq, outcome.reply_seq, [frames.dump(frame)])

    def handoff(self, resident: ChatResident, client_id: str) -> int:
        """ "Talk to a person": an escalation for staff and the conversation marked waiting. Returns the
        seq that answers this request (the same for a resent client id)."""
        with self.sessions.begin() as session:
            earlier = message_by_client_id(session, resident.conversation_id, client_id)
            if earlier is not None:
                return earlier.seq or 0
            conversation = _conversation(session, resident, lock=True)
            open_escalation = session.scalars(
                select(Escalation.id).where(
                    Escalation.conversation_id == conversation.id, Escalation.status != "resolved"
                )
            ).first()
            if open_escalation is None:
                _escalate_on_request(session, resident, conversation)
            stored = set_owner(session, conversation, "waiting", client_id=client_id)
            if stored is None:  # already waiting for staff, or with them: the request is answered as is
                return conversation.last_seq
            audit.record(
                session,
                actor=f"resident:{resident.ref}",
                action="conversation.handoff_requested",
                subject=f"conversation:{conversation.id}",
                data={"seq": stored.seq},
            )
            return stored.seq


def _conversation(session: Session, resident: ChatResident, *, lock: bool = False) -> Conversation:
    conversation = session.get(Conversation, resident.conversation_id, with_for_update=lock)
    if conversation is None or conversation.resident_id != resident.id:
        raise NotFound("no conversation for this resident")
    return conversation


def _welcome(resident: ChatResident, conversation: Conversation) -> frames.Welcome:
    return frames.Welcome(
        conversation_id=conversation.id,
        owner=owner_state(conversation),
        last_seq=conversation.last_seq,
        resident_name=resident.first_name,
    )


def _escalate_on_request(session: Session, resident: ChatResident, conversation: Conversation) -> None:
    person = session.get(Resident, resident.id)
    try:
        lease = current_lease(session, person, as_of=datetime.now(UTC).date()) if person else None
    except NotFound:
        lease = None
    open_escalation(
        session,
        conversation_id=conversation.id,
        resident_id=resident.id,
        lease_id=lease.id if lease else None,
        prop=lease.unit.property if lease else None,
        reason="requested_person",
        priority="normal",
        summary=f"{resident.first_name} pressed “Talk to a person” in the portal chat.",
        actor=f"resident:{resident.ref}",
    )


def _staff_names(session: Session, rows: list[Message]) -> dict[int, str]:
    ids = {int(i) for row in rows if isinstance(i := row.meta.get("staff_id"), int)}
    if not ids:
        return {}
    return dict(session.execute(select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids))).all())


def event_frame(
    row: Message, staff_names: dict[int, str], link: Callable[[dict[str, Any]], str | None] = lambda _: None
) -> frames.Event | None:
    """The frame a stored message is shown as; None for bookkeeping rows residents never see."""
    at = _iso(row.created_at)
    seq = row.seq or 0
    meta = row.meta or {}
    if row.role == "resident":
        return frames.ResidentMessage(seq=seq, client_id=row.client_id, text=row.body, at=at)
    if row.role == "assistant":
        return frames.Reply(
            seq=seq,
            from_="assistant",
            text=row.body,
            citations=[
                _shown(c, link) for c in cast(list[Any], meta.get("citations") or []) if isinstance(c, dict)
            ],
            card=card if isinstance(card := meta.get("card"), dict) else None,
            at=at,
        )
    staff_id = meta.get("staff_id")
    name = staff_names.get(staff_id) if isinstance(staff_id, int) else None
    if row.role == "staff":
        return frames.Reply(
            seq=seq, from_="staff", staff_name=name or meta.get("staff_name"), text=row.body, at=at
        )
    if meta.get("event") == "owner" and meta.get("owner") in ("assistant", "waiting", "staff"):
        owner = cast(frames.Owner, meta["owner"])
        return frames.OwnerChange(
            seq=seq, owner=owner, staff_name=cast(str | None, meta.get("staff_name")), at=at
        )
    return None


def _iso(moment: datetime) -> str:
    """An event's time as frames show it: UTC where the database kept the zone (PostgreSQL), as read
    otherwise (SQLite stores UTC without one)."""
    return moment.astimezone(UTC).isoformat() if moment.tzinfo else moment.isoformat()


def _shown(citation: dict[str, Any], link: Callable[[dict[str, Any]], str | None]) -> dict[str, Any]:
    """What a resident's chip shows: title, section, page, and a link to the page; never the server's
    file path."""
    shown = {key: citation.get(key) for key in ("title", "section", "page")}
    shown["url"] = link(citation)
    return shown
