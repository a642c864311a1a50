"""The staff inbox, without HTTP: the escalation queue, a conversation with the account beside it, and
what staff do (claim, assign, take over, reply, hand back, resolve), canned replies and exports.

Every method is plain, blocking code that opens its own transaction and commits before it returns, so a
caller can publish "re-read the database" notices (`notify`) knowing the change is there to read. Every
action is written to the audit log as `staff:<id>`. Approvals live in `inbox_approvals.py`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, Protocol, cast

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from app import audit
from app.accounts import account_balance, current_lease, lease_public
from app.channels.broker import INBOX_TOPIC, Broker, conversation_topic
from app.channels.inbox_drafts import fill_placeholders, suggest_reply, transcript_text
from app.channels.inbox_models import (
    ActionResult,
    CannedReplyIn,
    CannedReplyOut,
    ConversationView,
    Draft,
    EscalationCard,
    Owner,
    Priority,
    Queue,
    QueueFilter,
    QueueItem,
    ResidentCard,
    SlaState,
    StaffPublic,
    TranscriptEvent,
)
from app.channels.sms import send_to_conversation
from app.config import Settings
from app.conversations import append_message, owner_state, set_owner
from app.errors import Conflict, DoorstepError, InvalidInput, NotFound
from app.models import (
    CannedReply,
    Conversation,
    Escalation,
    Lease,
    Message,
    OutreachDraft,
    PaymentPlan,
    Property,
    Resident,
    StaffUser,
    Unit,
)
from app.schemas import BalancePublic
from app.staff import Permission, StaffIdentity

QUEUE_LIMIT = 200
TRANSCRIPT_LIMIT = 1000
"""Events shown in a conversation view (an export has them all)."""
DUE_SOON_SECONDS = 15 * 60
_PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


class Forbidden(DoorstepError):
    """The signed-in staff member's role does not allow this."""

    status_code = 403


class SmsReplySender(Protocol):
    """Texts a staff reply to an SMS conversation, in the reply's own transaction (the SMS bridge);
    returns what happened: `queued`, or `refused:<why>` (opted out, no consent, no phone, ...)."""

    def __call__(self, session: Session, *, conversation_id: str, text: str, actor: str) -> str: ...


def sms_bridge(settings: Settings) -> SmsReplySender:
    """The SMS bridge's `send_to_conversation` as the inbox's sender: the text is queued in the outbox
    with the staff message and goes to Twilio once both are committed (when Twilio is configured)."""

    def send(session: Session, *, conversation_id: str, text: str, actor: str) -> str:
        outgoing = send_to_conversation(
            session, conversation_id=conversation_id, body=text, settings=settings, actor=actor
        )
        return f"refused:{outgoing.refused}" if outgoing.refused else "queued"

    return send


def require(staff: StaffIdentity, permission: Permission) -> None:
    if not staff.can(permission):
        raise Forbidden(f"a {staff.role} may not do this: it needs the {permission} permission")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def notify(broker: Broker | None, conversation_id: str | None) -> None:
    """Tell subscribers to re-read: the conversation's viewers (the resident's widget, staff with it
    open) and every inbox (the queue moved)."""
    if broker is None:
        return
    if conversation_id:
        await broker.publish(conversation_topic(conversation_id), {"events": True})
    await broker.publish(INBOX_TOPIC, {"queue": True})


@dataclass(frozen=True, slots=True)
class Export:
    filename: str
    media_type: str
    content: str


class Inbox:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        today: Callable[[], date],
        clock: Callable[[], datetime] = _utcnow,
        sms_sender: SmsReplySender | None = None,
    ) -> None:
        self.sessions = sessions
        self.today = today
        self.clock = clock
        self.sms_sender = sms_sender

    # --- the queue -------------------------------------------------------------------------------

    def queue(
        self,
        staff: StaffIdentity,
        *,
        property_code: str | None = None,
        status: QueueFilter = "active",
        limit: int = QUEUE_LIMIT,
    ) -> Queue:
        """Escalations, most urgent first: by priority, then the SLA due soonest, then the oldest."""
        require(staff, "conversations")
        now = self.clock()
        assignee = aliased(StaffUser)
        query = (
            select(Escalation, Conversation, Resident, Property, assignee)
            .outerjoin(Conversation, Conversation.id == Escalation.conversation_id)
            .outerjoin(Resident, Resident.id == Escalation.resident_id)
            .outerjoin(Lease, Lease.id == Escalation.lease_id)
            .outerjoin(Unit, Unit.id == Lease.unit_id)
            .outerjoin(Property, Property.id == Unit.property_id)
            .outerjoin(assignee, assignee.id == Escalation.assigned_to_id)
        )
        if property_code:
            query = query.where(Property.code == property_code)
        if status == "active":
            query = query.where(Escalation.status != "resolved")
        elif status == "mine":
            query = query.where(Escalation.status != "resolved", Escalation.assigned_to_id == staff.id)
        else:
            query = query.where(Escalation.status == status)
        if status == "resolved":
            query = query.order_by(Escalation.resolved_at.desc(), Escalation.id.desc())
        else:
            rank = case(_PRIORITY_RANK, value=Escalation.priority, else_=9)
            query = query.order_by(
                rank,
                Escalation.sla_due_at.is_(None),
                Escalation.sla_due_at,
                Escalation.created_at,
                Escalation.id,
            )
        with self.sessions() as session:
            rows = session.execute(query.limit(limit)).all()
            answered = _last_staff_reply(session, {e.conversation_id for e, *_ in rows if e.conversation_id})
            items = [
                _queue_item(e, c, r, p, a, now=now, answered=answered.get(e.conversation_id or ""))
                for e, c, r, p, a in rows
            ]
            properties = [
                tuple(p)
                for p in session.execute(select(Property.code, Property.name).order_by(Property.name))
            ]
            approvals = _approvals_waiting(session) if staff.can("approvals") else 0
        return Queue(
            items=items, now=now, properties=cast(list[tuple[str, str]], properties), approvals=approvals
        )

    def claim(self, staff: StaffIdentity, escalation_id: int) -> ActionResult:
        """Take an escalation: it is assigned to me. Refused when a colleague already has it."""
        require(staff, "conversations")
        with self.sessions.begin() as session:
            escalation = _escalation(session, escalation_id)
            if escalation.assigned_to_id not in (None, staff.id):
                holder = session.get(StaffUser, escalation.assigned_to_id)
                raise Conflict(
                    f"{holder.name if holder else 'a colleague'} already has this escalation: ask them, "
                    "or assign it"
                )
            self._assign(session, escalation, staff.id, by=staff, action="escalation.claim")
            return ActionResult(conversation_id=escalation.conversation_id)

    def assign(self, staff: StaffIdentity, escalation_id: int, assignee_id: int) -> ActionResult:
        """Give an escalation to a staff member (myself or a colleague)."""
        require(staff, "conversations")
        with self.sessions.begin() as session:
            escalation = _escalation(session, escalation_id)
            assignee = session.get(StaffUser, assignee_id)
            if assignee is None or not assignee.active:
                raise NotFound(f"no active staff member {assignee_id}")
            self._assign(session, escalation, assignee.id, by=staff, action="escalation.assign")
            return ActionResult(conversation_id=escalation.conversation_id)

    def _assign(
        self, session: Session, escalation: Escalation, assignee_id: int, *, by: StaffIdentity, action: str
    ) -> None:
        if escalation.status == "resolved":
            raise Conflict(f"escalation {escalation.id} is already resolved")
        previous = escalation.assigned_to_id
        escalation.status = "claimed"
        escalation.assigned_to_id = assignee_id
        escalation.claimed_by = f"staff:{assignee_id}"
        session.flush()
        audit.record(
            session,
            actor=by.actor,
            action=action,
            subject=f"escalation:{escalation.id}",
            data={
                "assigned_to": assignee_id,
                "previous": previous,
                "conversation_id": escalation.conversation_id,
            },
        )

    # --- one conversation ------------------------------------------------------------------------

    def view(self, staff: StaffIdentity, conversation_id: str) -> ConversationView:
        """The transcript, the resident's account and lease, the escalations with their summaries, and a
        suggested reply."""
        require(staff, "conversations")
        with self.sessions() as session:
            conversation = _conversation(session, conversation_id)
            resident = session.get(Resident, conversation.resident_id) if conversation.resident_id else None
            card = _resident_card(resident)
            balance, lease = self._account(session, resident)
            escalations = list(
                session.scalars(
                    select(Escalation)
                    .where(Escalation.conversation_id == conversation_id)
                    .order_by((Escalation.status == "resolved"), Escalation.created_at.desc())
                )
            )
            staff_by_id = _staff_map(
                session, [e.assigned_to_id for e in escalations] + [conversation.owner_staff_id]
            )
            rows = list(
                session.scalars(
                    select(Message)
                    .where(Message.conversation_id == conversation_id)
                    .order_by(Message.seq.desc())
                    .limit(TRANSCRIPT_LIMIT)
                )
            )[::-1]
            events = _events(session, rows)
            open_reason = next((e.reason for e in escalations if e.status != "resolved"), None)
            return ConversationView(
                conversation_id=conversation.id,
                channel=conversation.channel,
                owner=owner_state(conversation),
                owner_staff=staff_by_id.get(conversation.owner_staff_id or 0),
                last_seq=conversation.last_seq,
                resident=card,
                events=events,
                balance=balance,
                lease=lease,
                escalations=[_escalation_card(e, staff_by_id) for e in escalations],
                suggested_reply=suggest_reply(
                    reason=open_reason or (escalations[0].reason if escalations else None),
                    resident=card,
                    balance=balance,
                    staff_name=staff.name,
                ),
                sms_bridge=self.sms_sender is not None,
            )

    def _account(self, session: Session, resident: Resident | None) -> tuple[BalancePublic | None, Any]:
        if resident is None:
            return None, None
        today = self.today()
        try:
            lease = current_lease(session, resident, as_of=today)
        except NotFound:
            return None, None
        return account_balance(session, resident=resident, as_of=today, lease=lease), lease_public(
            session, lease
        )

    def events_after(
        self, staff: StaffIdentity, conversation_id: str, after_seq: int
    ) -> tuple[Owner, int, list[TranscriptEvent]]:
        """What a staff viewer has not seen: the owner now, the newest seq, the events above `after_seq`."""
        require(staff, "conversations")
        with self.sessions() as session:
            conversation = _conversation(session, conversation_id)
            rows = list(
                session.scalars(
                    select(Message)
                    .where(Message.conversation_id == conversation_id, Message.seq > after_seq)
                    .order_by(Message.seq)
                    .limit(TRANSCRIPT_LIMIT)
                )
            )
            return owner_state(conversation), conversation.last_seq, _events(session, rows)

    def take_over(self, staff: StaffIdentity, conversation_id: str) -> ActionResult:
        """Staff answer from now on: the assistant goes silent, and the resident sees who took over."""
        require(staff, "conversations")
        with self.sessions.begin() as session:
            conversation = _conversation(session, conversation_id, lock=True)
            self._take(session, conversation, staff)
            return _result(session, conversation)

    def _take(self, session: Session, conversation: Conversation, staff: StaffIdentity) -> None:
        previous = conversation.owner_staff_id
        stored = set_owner(session, conversation, "staff", staff_id=staff.id, staff_name=staff.name)
        if stored is None:
            return
        for escalation in _unresolved(session, conversation.id):
            if escalation.assigned_to_id is None:
                self._assign(session, escalation, staff.id, by=staff, action="escalation.claim")
        audit.record(
            session,
            actor=staff.actor,
            action="conversation.take_over",
            subject=f"conversation:{conversation.id}",
            data={"seq": stored.seq, "from_staff": previous},
        )

    def reply(self, staff: StaffIdentity, conversation_id: str, text: str) -> ActionResult:
        """Send a staff reply as the conversation's next event (taking the conversation over first if the
        assistant had it); an SMS conversation's reply is handed to the SMS bridge."""
        require(staff, "conversations")
        with self.sessions.begin() as session:
            conversation = _conversation(session, conversation_id, lock=True)
            if conversation.owner == "staff" and conversation.owner_staff_id not in (None, staff.id):
                holder = session.get(StaffUser, conversation.owner_staff_id)
                raise Conflict(
                    f"{holder.name if holder else 'a colleague'} has taken this conversation over: "
                    "take it over yourself before replying"
                )
            self._take(session, conversation, staff)
            stored = append_message(
                session, conversation_id=conversation.id, role="staff", body=text, meta={"staff_id": staff.id}
            )
            audit.record(
                session,
                actor=staff.actor,
                action="conversation.staff_reply",
                subject=f"conversation:{conversation.id}",
                data={"seq": stored.seq, "chars": len(text), "channel": conversation.channel},
            )
            sms = None
            if conversation.channel == "sms":
                sms = "not_sent"
                if self.sms_sender is not None:
                    sms = self.sms_sender(
                        session, conversation_id=conversation.id, text=text, actor=staff.actor
                    )
            return _result(session, conversation).model_copy(update={"seq": stored.seq, "sms": sms})

    def hand_back(self, staff: StaffIdentity, conversation_id: str) -> ActionResult:
        """The assistant answers again (open escalations stay in the queue until resolved)."""
        require(staff, "conversations")
        with self.sessions.begin() as session:
            conversation = _conversation(session, conversation_id, lock=True)
            previous = conversation.owner_staff_id
            stored = set_owner(session, conversation, "assistant")
            if stored is None:
                raise Conflict("the assistant already has this conversation")
            audit.record(
                session,
                actor=staff.actor,
                action="conversation.hand_back",
                subject=f"conversation:{conversation.id}",
                data={"seq": stored.seq, "from_staff": previous},
            )
            return _result(session, conversation)

    def resolve(self, staff: StaffIdentity, escalation_id: int, note: str) -> ActionResult:
        """Close an escalation with a note saying what was done. When it was the conversation's last open
        one, the assistant answers again."""
        require(staff, "conversations")
        with self.sessions.begin() as session:
            escalation = _escalation(session, escalation_id)
            if escalation.status == "resolved":
                raise Conflict(f"escalation {escalation.id} is already resolved")
            escalation.status = "resolved"
            escalation.resolved_at = self.clock()
            escalation.resolved_by = staff.actor
            escalation.resolution_note = note
            if escalation.assigned_to_id is None:
                escalation.assigned_to_id = staff.id
            session.flush()
            data: dict[str, Any] = {"note": note, "conversation_id": escalation.conversation_id}
            conversation = (
                _conversation(session, escalation.conversation_id, lock=True)
                if escalation.conversation_id
                else None
            )
            if conversation is not None and not _unresolved(session, conversation.id):
                stored = set_owner(session, conversation, "assistant")
                data["handed_back_seq"] = stored.seq if stored else None
            audit.record(
                session,
                actor=staff.actor,
                action="escalation.resolve",
                subject=f"escalation:{escalation.id}",
                data=data,
            )
            return _result(session, conversation) if conversation else ActionResult(conversation_id=None)

    def export(self, staff: StaffIdentity, conversation_id: str, fmt: Literal["text", "json"]) -> Export:
        """The whole transcript as a download (plain text or JSON); audited: it holds a resident's words."""
        require(staff, "conversations")
        with self.sessions.begin() as session:
            conversation = _conversation(session, conversation_id)
            resident = session.get(Resident, conversation.resident_id) if conversation.resident_id else None
            card = _resident_card(resident)
            rows = list(
                session.scalars(
                    select(Message).where(Message.conversation_id == conversation_id).order_by(Message.seq)
                )
            )
            events = _events(session, rows)
            audit.record(
                session,
                actor=staff.actor,
                action="conversation.export",
                subject=f"conversation:{conversation_id}",
                data={"format": fmt, "events": len(events)},
            )
        stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in conversation_id)[:80]
        if fmt == "json":
            body = {
                "conversation_id": conversation_id,
                "channel": conversation.channel,
                "resident": card.model_dump(mode="json") if card else None,
                "events": [e.model_dump(mode="json") for e in events],
            }
            return Export(f"{stem}.json", "application/json", json.dumps(body, indent=2, ensure_ascii=False))
        text = transcript_text(
            conversation_id=conversation_id, channel=conversation.channel, resident=card, events=events
        )
        return Export(f"{stem}.txt", "text/plain; charset=utf-8", text)

    # --- canned replies --------------------------------------------------------------------------

    def canned_replies(self, staff: StaffIdentity) -> list[CannedReplyOut]:
        require(staff, "conversations")
        with self.sessions() as session:
            rows = session.scalars(select(CannedReply).order_by(CannedReply.title, CannedReply.id))
            return [
                CannedReplyOut(id=r.id, title=r.title, body=r.body, created_by=r.created_by) for r in rows
            ]

    def create_canned_reply(self, staff: StaffIdentity, data: CannedReplyIn) -> CannedReplyOut:
        require(staff, "conversations")
        with self.sessions.begin() as session:
            row = CannedReply(title=data.title.strip(), body=data.body, created_by=staff.actor)
            session.add(row)
            session.flush()
            audit.record(
                session,
                actor=staff.actor,
                action="canned_reply.create",
                subject=f"canned_reply:{row.id}",
                data={"title": row.title},
            )
            return CannedReplyOut(id=row.id, title=row.title, body=row.body, created_by=row.created_by)

    def use_canned_reply(self, staff: StaffIdentity, reply_id: int, conversation_id: str) -> Draft:
        """The canned reply with this conversation's facts filled in, for staff to edit and send."""
        require(staff, "conversations")
        with self.sessions() as session:
            row = session.get(CannedReply, reply_id)
            if row is None:
                raise NotFound(f"no canned reply {reply_id}")
            conversation = _conversation(session, conversation_id)
            resident = session.get(Resident, conversation.resident_id) if conversation.resident_id else None
            balance, _ = self._account(session, resident)
            return Draft(
                text=fill_placeholders(
                    row.body, resident=_resident_card(resident), balance=balance, staff_name=staff.name
                )
            )

    # --- staff -----------------------------------------------------------------------------------

    def colleagues(self, staff: StaffIdentity) -> list[StaffPublic]:
        """Active staff, for assigning."""
        require(staff, "conversations")
        with self.sessions() as session:
            rows = session.scalars(
                select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.name)
            )
            return [StaffPublic(id=u.id, name=u.name, role=u.role) for u in rows]


# --- helpers -------------------------------------------------------------------------------------


def _conversation(session: Session, conversation_id: str, *, lock: bool = False) -> Conversation:
    conversation = session.get(Conversation, conversation_id, with_for_update=lock, populate_existing=lock)
    if conversation is None:
        raise NotFound(f"no conversation {conversation_id[:80]!r}")
    return conversation


def _escalation(session: Session, escalation_id: int) -> Escalation:
    escalation = session.get(Escalation, escalation_id, with_for_update=True)
    if escalation is None:
        raise NotFound(f"no escalation {escalation_id}")
    return escalation


def _unresolved(session: Session, conversation_id: str) -> list[Escalation]:
    return list(
        session.scalars(
            select(Escalation).where(
                Escalation.conversation_id == conversation_id, Escalation.status != "resolved"
            )
        )
    )


def _result(session: Session, conversation: Conversation) -> ActionResult:
    session.flush()
    session.refresh(conversation, attribute_names=["last_seq"])  # events are numbered by a Core UPDATE
    return ActionResult(
        conversation_id=conversation.id, last_seq=conversation.last_seq, owner=owner_state(conversation)
    )


def _last_staff_reply(session: Session, conversation_ids: set[str]) -> dict[str, datetime]:
    if not conversation_ids:
        return {}
    rows = session.execute(
        select(Message.conversation_id, func.max(Message.created_at))
        .where(Message.role == "staff", Message.conversation_id.in_(conversation_ids))
        .group_by(Message.conversation_id)
    )
    return {cid: _aware(at) for cid, at in rows if at is not None}


def _sla(escalation: Escalation, *, now: datetime, answered: datetime | None) -> tuple[SlaState, int | None]:
    if escalation.status == "resolved" or (
        answered is not None and answered >= _aware(escalation.created_at)
    ):
        return "met", None
    if escalation.sla_due_at is None:
        return "none", None
    left = int((_aware(escalation.sla_due_at) - now).total_seconds())
    if left < 0:
        return "breached", left
    return ("due_soon" if left <= DUE_SOON_SECONDS else "ok"), left


def _queue_item(
    escalation: Escalation,
    conversation: Conversation | None,
    resident: Resident | None,
    prop: Property | None,
    assignee: StaffUser | None,
    *,
    now: datetime,
    answered: datetime | None,
) -> QueueItem:
    sla_state, left = _sla(escalation, now=now, answered=answered)
    created = _aware(escalation.created_at)
    return QueueItem(
        escalation_id=escalation.id,
        conversation_id=escalation.conversation_id,
        channel=conversation.channel if conversation else None,
        resident_ref=resident.ref if resident else None,
        resident_name=resident.full_name if resident else None,
        property_code=prop.code if prop else None,
        property_name=prop.name if prop else None,
        reason=escalation.reason,
        priority=cast(Priority, escalation.priority),
        status=cast(Any, escalation.status),
        summary=escalation.summary,
        created_at=created,
        age_seconds=max(0, int((now - created).total_seconds())),
        sla_due_at=_aware(escalation.sla_due_at) if escalation.sla_due_at else None,
        sla_state=sla_state,
        sla_seconds_left=left,
        assigned_to=StaffPublic(id=assignee.id, name=assignee.name, role=assignee.role) if assignee else None,
        owner=owner_state(conversation) if conversation else None,
        resolved_by=escalation.resolved_by,
        resolution_note=escalation.resolution_note,
    )


def _resident_card(resident: Resident | None) -> ResidentCard | None:
    if resident is None:
        return None
    return ResidentCard(
        ref=resident.ref,
        name=resident.full_name,
        email=resident.email,
        phone=resident.phone,
        language=resident.language,
        preferred_channel=resident.preferred_channel,
        do_not_contact=resident.do_not_contact,
    )


def _staff_map(session: Session, ids: Iterable[int | None]) -> dict[int, StaffPublic]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = session.scalars(select(StaffUser).where(StaffUser.id.in_(wanted)))
    return {u.id: StaffPublic(id=u.id, name=u.name, role=u.role) for u in rows}


def _escalation_card(escalation: Escalation, staff_by_id: dict[int, StaffPublic]) -> EscalationCard:
    return EscalationCard(
        id=escalation.id,
        reason=escalation.reason,
        priority=cast(Priority, escalation.priority),
        status=cast(Any, escalation.status),
        summary=escalation.summary,
        created_at=_aware(escalation.created_at),
        sla_due_at=_aware(escalation.sla_due_at) if escalation.sla_due_at else None,
        assigned_to=staff_by_id.get(escalation.assigned_to_id or 0),
        resolved_by=escalation.resolved_by,
        resolution_note=escalation.resolution_note,
    )


_OWNER_TEXT = {
    "staff": "{name} took over the conversation",
    "waiting": "Handed to staff: waiting for a person",
    "assistant": "The assistant is answering again",
}


def _events(session: Session, rows: list[Message]) -> list[TranscriptEvent]:
    ids = [m.meta.get("staff_id") for m in rows if isinstance(m.meta, dict)]
    names = {i: s.name for i, s in _staff_map(session, [i for i in ids if isinstance(i, int)]).items()}
    return [event for row in rows if (event := _event(row, names)) is not None]


def _event(row: Message, names: dict[int, str]) -> TranscriptEvent | None:
    meta = row.meta or {}
    at = _aware(row.created_at)
    seq = row.seq or 0
    role = cast(Any, row.role)
    if row.role in ("resident", "assistant", "staff"):
        staff_id = meta.get("staff_id")
        name = names.get(staff_id) if isinstance(staff_id, int) else None
        return TranscriptEvent(seq=seq, kind="message", role=role, text=row.body, at=at, staff_name=name)
    if meta.get("event") == "owner" and meta.get("owner") in _OWNER_TEXT:
        owner = cast(Owner, meta["owner"])
        name = str(meta.get("staff_name") or "Staff")
        text = _OWNER_TEXT[owner].format(name=name)
        return TranscriptEvent(
            seq=seq,
            kind="owner",
            role="system",
            text=text,
            at=at,
            owner=owner,
            staff_name=name if owner == "staff" else None,
        )
    if row.body:
        return TranscriptEvent(seq=seq, kind="note", role="system", text=row.body, at=at)
    return None


def check_filter(value: str | None) -> QueueFilter:
    allowed = ("active", "open", "claimed", "mine", "resolved")
    if value is None:
        return "active"
    if value not in allowed:
        raise InvalidInput(f"status must be one of {', '.join(allowed)}")
    return cast(QueueFilter, value)


def _approvals_waiting(session: Session) -> int:
    """Plans proposed and ladder messages held for a person: the Approvals tab's badge."""
    plans = session.scalar(select(func.count()).where(PaymentPlan.status == "proposed")) or 0
    drafts = session.scalar(select(func.count()).where(OutreachDraft.status == "awaiting_approval")) or 0
    return int(plans) + int(drafts)
