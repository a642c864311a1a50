"""The SMS bridge (Twilio-compatible): texts in, the assistant's answers out, the outbox, delivery status.

Inbound (`SmsService`; the webhook router only verifies Twilio's signature and parses the form):

1. `receive` stores the text in `sms_messages` (card and bank numbers scrubbed) under Twilio's MessageSid,
   which is unique: a redelivery, even one racing the first on another worker, stores nothing and gets
   no second turn.
2. `process` (off the event loop, after Twilio has its 200) decides, in this order: a keyword (STOP and
   its synonyms, START/UNSTOP and YES-when-opted-out, HELP/INFO: `optouts.py`) updates the opt-out
   registry and is confirmed; an opted-out number gets nothing; a number on no resident (or on more than
   one) is told how to reach the office and nothing about any account; a number not yet verified for
   its resident gets the one-time-code check (`verification.py`) and its question is held until then;
   otherwise the question is a turn of the assistant in the resident's SMS conversation
   (`sms-{resident ref}`, channel `sms`), with the MessageSid as the message's client id.

Outbound: every text, whatever sends it, is made by `queue_sms`, which asks `refusal` first (the one
check: the opt-out registry for everything but the confirmation of a STOP and the answer to HELP;
do-not-contact and missing SMS consent for proactive texts). It splits the body into one-segment parts
(`segments.py`) and stores them as `queued` rows in the caller's transaction. When Twilio is configured
(`TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN`, `TWILIO_FROM_NUMBER`), `dispatch` hands each row to the REST
API once committed (claimed `queued` -> `sending`, then `sent` or `failed`); without it the rows stay
`queued`: that is the outbox the staff inbox shows.

Status statuses of `sms_messages` rows: inbound `received` -> `processed` (answered, keyword, or told to
verify), `held` (waiting for the code; answered once verified, or `expired`), `opted_out` (not answered),
`unknown_sender`, `failed` (the turn raised: the message is in the conversation for staff);
outbound `queued` -> `sending` -> `sent` -> `delivered` / `undelivered` / `failed` (+ `read`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, cast

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import event, select, update
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from twilio.request_validator import RequestValidator, get_signature_algorithm

from agents.assistant.runner import Assistant
from agents.guard import scrub
from agents.prompts import load
from app import audit
from app.accounts import current_lease, normalize_phone
from app.channels import verification
from app.channels.optouts import Keyword, is_opted_out, keyword_of, record_choice
from app.channels.segments import plain_text, split_sms
from app.channels.sms_transport import Handed, SmsTransport, make_transport, mask
from app.config import Settings
from app.conversations import open_conversation
from app.errors import NotFound
from app.keys import audit_key
from app.models import Conversation, Resident, SmsMessage

CHANNEL = "sms"
MAX_PARTS = 10
"""Texts per reply at most (1,530 plain characters); a longer reply ends in "..." (never seen in practice)."""
REPLY_WINDOW = timedelta(hours=24)
"""A staff text within this long of the resident's last text is a reply; later, it is proactive."""
HELD_FOR = timedelta(hours=1)
MAX_HELD = 3
"""Questions held for verification are answered, in order, when the code comes back: the last three, and
only those sent within `HELD_FOR` (older ones are marked `expired`)."""
MAX_BODY_CHARS = 1600
"""Twilio's own limit for one message body."""

Purpose = Literal["reply", "verification", "compliance", "proactive"]
"""Why a text goes: answering the resident; their one-time code; a STOP confirmation or HELP answer
(carriers require both, even to an opted-out number); anything the resident did not just ask for."""

_log = logging.getLogger(__name__)


# --- Twilio's requests -----------------------------------------------------------------------------------

_SID = r"^[A-Z]{2}[0-9a-fA-F]{32}$"


class InboundSms(BaseModel):
    """The fields of Twilio's inbound-message webhook that Doorstep reads (the rest are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    sid: Annotated[str, Field(alias="MessageSid", pattern=_SID)]
    from_: Annotated[str, Field(alias="From", min_length=1, max_length=64)]
    to: Annotated[str, Field(alias="To", max_length=64)] = ""
    body: Annotated[str, Field(alias="Body", max_length=MAX_BODY_CHARS)] = ""


class StatusCallback(BaseModel):
    """Twilio's delivery-status callback for a text it sent."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    sid: Annotated[str, Field(alias="MessageSid", pattern=_SID)]
    status: Annotated[str, Field(alias="MessageStatus", min_length=1, max_length=32)]
    error_code: Annotated[str | None, Field(alias="ErrorCode", max_length=10)] = None
    to: Annotated[str, Field(alias="To", max_length=64)] = ""


def signature_ok(
    settings: Settings, *, path: str, params: Sequence[tuple[str, str]], signature: str, settings_header: str
) -> bool:
    """Whether Twilio signed this request: an HMAC under TWILIO_AUTH_TOKEN of the URL it called
    (DOORSTEP_PUBLIC_URL + `path`, query included) and the form's fields. False when no token is set."""
    if settings.TWILIO_AUTH_TOKEN is None or not signature:
        return False
    url = settings.DOORSTEP_PUBLIC_URL.rstrip("/") + path
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN.get_secret_value())
    return bool(
        validator.validate(url, _MultiDict(params), signature, get_signature_algorithm(settings_header))
    )


class _MultiDict(dict[str, str]):
    """Form fields as the validator reads them: every value of a repeated field counts."""

    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        super().__init__(pairs)
        self._pairs = list(pairs)

    def getall(self, name: str) -> list[str]:
        return [value for key, value in self._pairs if key == name]


# --- the one way out -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outgoing:
    """Texts queued by one call (row ids of `sms_messages`, in order), or why none were."""

    ids: tuple[int, ...] = ()
    refused: str | None = None
    secret: bool = False
    """The body holds a one-time code: the row's copy is blanked once Twilio has it."""


def refusal(session: Session, *, to: str, purpose: Purpose, resident: Resident | None) -> str | None:
    """Why no text may go to `to` for `purpose`, or None when it may. Every outbound text passes here."""
    if purpose != "compliance" and is_opted_out(session, channel="sms", address=to):
        return "opted_out"
    if purpose == "proactive":
        if resident is None or not resident.sms_consent:
            return "no_consent"
        if resident.do_not_contact:
            return "do_not_contact"
    return None


def queue_sms(
    session: Session,
    *,
    to: str,
    body: str,
    purpose: Purpose,
    actor: str,
    resident: Resident | None = None,
    conversation_id: str | None = None,
) -> Outgoing:
    """Queue `body` for `to` in the caller's transaction, as one-segment parts, if `refusal` allows it;
    audited either way (never with the body: it may be a code). Rows stay `queued` (the outbox) until
    `dispatch` hands them to Twilio."""
    subject = f"sms:{to}"
    reason = refusal(session, to=to, purpose=purpose, resident=resident)
    parts = split_sms(plain_text(body), max_parts=MAX_PARTS) if reason is None else []
    if reason is None and not parts:
        reason = "empty"
    if reason is not None:
        _log.info("not texting %s (%s): %s", mask(to), purpose, reason)
        audit.record(
            session,
            actor=actor,
            action="sms.refused",
            subject=subject,
            data={"purpose": purpose, "reason": reason, "conversation_id": conversation_id},
        )
        return Outgoing(refused=reason)
    rows = [
        SmsMessage(
            direction="outbound",
            phone=to,
            body=part,
            status="queued",
            segments=1,
            conversation_id=conversation_id,
        )
        for part in parts
    ]
    session.add_all(rows)
    session.flush()
    ids = tuple(row.id for row in rows)
    audit.record(
        session,
        actor=actor,
        action="sms.queued",
        subject=subject,
        data={"purpose": purpose, "ids": list(ids), "conversation_id": conversation_id},
    )
    return Outgoing(ids=ids, secret=purpose == "verification")


def dispatch(sessions: sessionmaker[Session], outgoing: Outgoing, transport: SmsTransport | None) -> None:
    """Hand committed `queued` rows to Twilio, in order, each at most once (a row another worker already
    claimed is skipped). Without a transport this does nothing: the rows are the outbox."""
    if transport is None:
        return
    for row_id in outgoing.ids:
        with sessions.begin() as session:
            row = session.get(SmsMessage, row_id)
            claim = update(SmsMessage).where(SmsMessage.id == row_id, SmsMessage.status == "queued")
            result = session.execute(claim.values(status="sending", updated_at=datetime.now(UTC)))
            claimed = cast(CursorResult[Any], result).rowcount
            if row is None or not claimed:
                continue
            to, body = row.phone, row.body
        handed = transport.send(to=to, body=body)
        with sessions.begin() as session:
            _record_handed(session, row_id, handed, redact=outgoing.secret)


def _record_handed(session: Session, row_id: int, handed: Handed, *, redact: bool) -> None:
    row = session.get(SmsMessage, row_id)
    assert row is not None
    status = handed.status
    if handed.sid:
        # Twilio may call back about the text before this line runs: that callback left a stand-in row.
        early = session.scalars(select(SmsMessage).where(SmsMessage.message_sid == handed.sid)).first()
        if early is not None and early.id != row.id:
            if _RANK.get(early.status, 0) > _RANK[status]:
                status, row.error_code = early.status, early.error_code
            session.delete(early)
            session.flush()
        row.message_sid = handed.sid
    else:
        row.error_code = handed.error_code
    row.status = status
    if redact and handed.status == "sent":
        row.body = "[one-time code sent]"
    row.updated_at = datetime.now(UTC)


def send_to_conversation(
    session: Session,
    *,
    conversation_id: str,
    body: str,
    settings: Settings,
    actor: str,
    transport: SmsTransport | None = None,
) -> Outgoing:
    """Text `body` to the resident of an SMS conversation: what a staff reply in the inbox calls.

    In the caller's transaction it queues the text through `queue_sms` (so it obeys the opt-out registry,
    and, when the resident has not texted within `REPLY_WINDOW`, do-not-contact and SMS consent); once
    that transaction commits, the texts go to Twilio from the committing thread (when Twilio is
    configured; else they wait in the outbox). Recording the staff message in the conversation is the
    caller's part. Returns the queued row ids, or `refused` with the reason ("opted_out",
    "do_not_contact", "no_consent", "no_phone", "not_sms", "empty").
    """
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound(f"no conversation {conversation_id}")
    if conversation.channel != CHANNEL or conversation.resident_id is None:
        return Outgoing(refused="not_sms")
    resident = session.get(Resident, conversation.resident_id)
    phone = normalize_phone(resident.phone) if resident and resident.phone else None
    if resident is None or phone is None:
        return Outgoing(refused="no_phone")
    outgoing = queue_sms(
        session,
        to=phone,
        body=body,
        purpose="reply" if _texted_lately(session, phone) else "proactive",
        actor=actor,
        resident=resident,
        conversation_id=conversation_id,
    )
    chosen = transport if transport is not None else make_transport(settings)
    if outgoing.ids and chosen is not None:
        _dispatch_after_commit(session, outgoing, chosen)
    return outgoing


def _dispatch_after_commit(session: Session, outgoing: Outgoing, transport: SmsTransport) -> None:
    """Send `outgoing` once `session`'s transaction commits; never if it rolls back."""
    bind = session.get_bind()
    assert isinstance(bind, Engine)
    sessions = sessionmaker(bind, expire_on_commit=False)
    pending = [True]

    def committed(_session: Session) -> None:
        if pending[0]:
            pending[0] = False
            dispatch(sessions, outgoing, transport)

    def rolled_back(_session: Session, _transaction: object = None) -> None:
        pending[0] = False

    event.listen(session, "after_commit", committed)
    event.listen(session, "after_rollback", rolled_back)


def _texted_lately(session: Session, phone: str) -> bool:
    last = session.scalar(
        select(SmsMessage.created_at)
        .where(SmsMessage.phone == phone, SmsMessage.direction == "inbound")
        .order_by(SmsMessage.id.desc())
        .limit(1)
    )
    return last is not None and _aware(last) > datetime.now(UTC) - REPLY_WINDOW


# --- delivery status -------------------------------------------------------------------------------------

_RANK = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "undelivered": 3, "failed": 3, "read": 4}
_TWILIO_STATUS = {
    "accepted": "sent",
    "scheduled": "sent",
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
    "read": "read",
}
"""Twilio's statuses as ours. Twilio's "queued" means Twilio has it: here that is `sent` (ours means the
outbox)."""

StatusResult = Literal["updated", "unchanged", "recorded_unknown", "ignored"]


def record_status(session: Session, callback: StatusCallback) -> StatusResult:
    """Apply a delivery-status callback. Statuses only move forward (a late "sent" after "delivered"
    changes nothing), so repeats and reordering leave the same row. A sid not (yet) ours is kept as a
    stand-in row that `dispatch` folds into its text when Twilio's answer arrives after the callback."""
    status = _TWILIO_STATUS.get(callback.status.lower())
    if status is None:
        _log.info("ignoring Twilio status %r for %s", callback.status, callback.sid)
        return "ignored"
    error_code = callback.error_code or None
    for _ in range(2):
        row = session.scalars(
            select(SmsMessage).where(SmsMessage.message_sid == callback.sid).with_for_update()
        ).first()
        if row is not None:
            break
        _log.warning("status %s for a text Doorstep has no record of (%s): kept", status, callback.sid)
        try:
            with session.begin_nested():
                session.add(
                    SmsMessage(
                        message_sid=callback.sid,
                        direction="outbound",
                        phone=(normalize_phone(callback.to) or callback.to)[:16],
                        body="",
                        status=status,
                        segments=1,
                        error_code=error_code,
                    )
                )
            return "recorded_unknown"
        except IntegrityError:  # the text's own row got its sid meanwhile: apply the status to it
            continue
    if row is None:  # pragma: no cover - the row vanished between two statements
        return "ignored"
    if row.direction != "outbound" or _RANK.get(status, 0) <= _RANK.get(row.status, 0):
        return "unchanged"
    row.status, row.updated_at = status, datetime.now(UTC)
    if error_code:
        row.error_code = error_code
    return "updated"


# --- inbound ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Received:
    """A text stored for the first time (a redelivery gives no `Received`)."""

    id: int
    sid: str
    phone: str | None
    """E.164, or None when the sender is not a phone number (a short code, an alphanumeric sender)."""
    body: str
    """As sent, for this process only: what is stored has card and bank numbers scrubbed."""


@dataclass(frozen=True, slots=True)
class Processed:
    outcome: str
    """answered, silent (staff own the thread), opted_out, opted_in, help, blocked (opted out, not
    answered), unknown_sender, code_sent, code_pending, verified, wrong_code, locked, text_only, ignored,
    failed."""
    conversation_id: str | None = None
    """The conversation that has new events (for the broker), if any."""
    texts: tuple[int, ...] = ()


@dataclass
class _Step:
    """What triage decided inside its transaction: texts already queued, and the turns to run."""

    outcome: str
    outgoing: list[Outgoing] = field(default_factory=list)
    turns: list[_Turn] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Turn:
    resident_id: int
    resident_ref: str
    language: str
    phone: str
    text: str
    client_id: str
    row_ids: tuple[int, ...]


def receive_sms(sessions: sessionmaker[Session], inbound: InboundSms) -> Received | None:
    """Store an inbound text under its MessageSid; None when that sid was stored before (a redelivery,
    or the same delivery racing on another worker: the unique key lets exactly one insert win)."""
    phone = normalize_phone(inbound.from_) if inbound.from_.startswith("+") else None
    stored_body, _ = scrub(inbound.body)
    try:
        with sessions.begin() as session:
            row = SmsMessage(
                message_sid=inbound.sid,
                direction="inbound",
                phone=(phone or inbound.from_)[:16],
                body=stored_body,
                status="received",
                segments=1,
            )
            session.add(row)
            session.flush()
            row_id = row.id
    except IntegrityError:
        _log.info("Twilio redelivered %s: already stored, not answered again", inbound.sid)
        return None
    return Received(row_id, inbound.sid, phone, inbound.body)


class SmsService:
    """Inbound texts, end to end. Blocking: run `process` on a worker thread."""

    def __init__(
        self,
        *,
        settings: Settings,
        sessions: sessionmaker[Session],
        assistant: Assistant,
        transport: SmsTransport | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.assistant = assistant
        self.transport = transport if transport is not None else make_transport(settings)
        self.now = now
        self._code_key = verification.derive_key(audit_key(settings))
        self._locks = _KeyedLocks()

    def handle(self, inbound: InboundSms) -> Processed:
        """`receive` then `process`: a whole inbound text (tests, scripts)."""
        received = self.receive(inbound)
        return self.process(received) if received else Processed("duplicate")

    def receive(self, inbound: InboundSms) -> Received | None:
        return receive_sms(self.sessions, inbound)

    def process(self, received: Received) -> Processed:
        """Everything after storing: keywords, registry, verification, the turn, the texts out."""
        if received.phone is None:
            _log.warning(
                "text %s is from %s, not a phone number: ignored", received.sid, "a non-phone sender"
            )
            self._mark((received.id,), "ignored")
            return Processed("ignored")
        with self._locks.hold(received.phone):
            try:
                with self.sessions.begin() as session:
                    step = self._triage(session, received, received.phone)
            except Exception:
                _log.exception("text %s could not be processed", received.sid)
                self._mark((received.id,), "failed")
                return Processed("failed")
            texts = list(step.outgoing)
            self._dispatch(texts)  # "verified" goes before the answers to the held questions
            if not step.turns:
                return Processed(step.outcome, None, _ids(texts))
            conversation_id = _conversation_id(step.turns[0].resident_ref)
            outcome = step.outcome
            for turn in step.turns:
                try:
                    outcome, reply = self._run_turn(turn)
                except Exception:  # the message is in the conversation (if it got that far): staff see it
                    _log.exception("the turn for text %s failed", turn.client_id)
                    self._mark(turn.row_ids, "failed")
                    return Processed("failed", conversation_id, _ids(texts))
                self._dispatch(reply)
                texts += reply
        return Processed("verified" if step.outcome == "verified" else outcome, conversation_id, _ids(texts))

    def _dispatch(self, texts: list[Outgoing]) -> None:
        for outgoing in texts:
            dispatch(self.sessions, outgoing, self.transport)

    # -- triage: one transaction, no assistant --------------------------------------------------------------

    def _triage(self, session: Session, received: Received, phone: str) -> _Step:
        row = session.get(SmsMessage, received.id)
        assert row is not None
        opted_out = is_opted_out(session, channel="sms", address=phone)
        keyword = keyword_of(received.body, opted_out=opted_out)
        matches = session.scalars(select(Resident).where(Resident.phone == phone).limit(2)).all()
        resident = matches[0] if len(matches) == 1 else None
        if len(matches) > 1:
            _log.warning("%s is the phone of more than one resident: treated as unknown", mask(phone))
        texts = _Texts(self, session, phone, resident)
        if keyword is not None:
            row.status = "processed"
            return self._keyword(session, keyword, phone, texts)
        if opted_out:
            row.status = "opted_out"
            return _Step("blocked")
        if resident is None:
            row.status = "unknown_sender"
            return _Step("unknown_sender", [texts.send("unknown_sender", "reply", office=texts.office)])
        if not received.body.strip():
            row.status = "processed"
            return _Step("text_only", [texts.send("text_only", "reply")])
        now = self.now()
        if verification.is_verified(session, phone=phone, resident_id=resident.id, now=now):
            row.status = "processed"
            return _Step("answered", turns=[_turn(resident, phone, received.body, received.sid, (row.id,))])
        return self._verify(session, row, resident, phone, received.body, texts, now)

    def _keyword(self, session: Session, keyword: tuple[Keyword, str], phone: str, texts: _Texts) -> _Step:
        kind, word = keyword
        actor = f"sms:{phone}"
        replies = self.settings.SMS_KEYWORD_REPLIES
        if kind is Keyword.OPT_OUT:
            changed = record_choice(
                session, channel="sms", address=phone, opted_out=True, keyword=word, actor=actor
            )
            # One confirmation, the last text the number gets (not repeated for a second STOP).
            sent = [texts.send("opted_out", "compliance")] if replies and changed else []
            return _Step("opted_out", sent)
        if kind is Keyword.OPT_IN:
            record_choice(session, channel="sms", address=phone, opted_out=False, keyword=word, actor=actor)
            return _Step("opted_in", [texts.send("opted_in", "reply")] if replies else [])
        sent = [texts.send("help", "compliance", office=texts.office, property=texts.community)]
        return _Step("help", sent if replies else [])

    def _verify(
        self,
        session: Session,
        row: SmsMessage,
        resident: Resident,
        phone: str,
        body: str,
        texts: _Texts,
        now: datetime,
    ) -> _Step:
        key = self._code_key
        code = verification.as_code(body)
        if code is not None:
            tried = verification.attempt(
                session, phone=phone, resident_id=resident.id, code=code, key=key, now=now
            )
            if tried.state != "no_code":
                row.status = "processed"
                return self._after_attempt(session, tried, resident, phone, texts, now)
        row.status = "held"
        challenge = verification.challenge(session, phone=phone, resident_id=resident.id, key=key, now=now)
        if challenge.state == "new_code":
            audit.record(
                session,
                actor=f"sms:{phone}",
                action="sms.verification_requested",
                subject=f"resident:{resident.ref}",
                data={"phone": phone},
            )
            return _Step("code_sent", [texts.send("code", "verification", code=challenge.code)])
        if challenge.state == "locked":
            return _Step("locked", [texts.locked(challenge.until, now)])
        return _Step("code_pending", [texts.send("code_pending", "reply")])

    def _after_attempt(
        self,
        session: Session,
        tried: verification.Attempt,
        resident: Resident,
        phone: str,
        texts: _Texts,
        now: datetime,
    ) -> _Step:
        if tried.state == "wrong":
            word = texts.template("try" if tried.tries_left == 1 else "tries")
            return _Step(
                "wrong_code", [texts.send("code_wrong", "reply", tries=tried.tries_left, tries_word=word)]
            )
        if tried.state == "locked":
            audit.record(
                session,
                actor=f"sms:{phone}",
                action="sms.verification_locked",
                subject=f"resident:{resident.ref}",
                data={"phone": phone, "until": str(tried.until)},
            )
            return _Step("locked", [texts.locked(tried.until, now)])
        audit.record(
            session,
            actor=f"sms:{phone}",
            action="sms.verified",
            subject=f"resident:{resident.ref}",
            data={"phone": phone},
        )
        held = session.scalars(
            select(SmsMessage)
            .where(SmsMessage.phone == phone, SmsMessage.direction == "inbound", SmsMessage.status == "held")
            .order_by(SmsMessage.id.desc())
        ).all()
        recent = [row for row in held[:MAX_HELD] if _aware(row.created_at) > datetime.now(UTC) - HELD_FOR][
            ::-1
        ]
        for row in held:
            row.status = "processed" if row in recent else "expired"
        if not recent:
            return _Step("verified", [texts.send("verified_ask", "reply")])
        turns = [
            _turn(resident, phone, row.body, row.message_sid or str(row.id), (row.id,)) for row in recent
        ]
        return _Step("verified", [texts.send("verified", "reply")], turns=turns)

    # -- the turn: the assistant's own transactions ---------------------------------------------------------

    def _run_turn(self, turn: _Turn) -> tuple[str, list[Outgoing]]:
        conversation_id = _conversation_id(turn.resident_ref)
        with self.sessions.begin() as session:
            open_conversation(
                session,
                conversation_id=conversation_id,
                resident_id=turn.resident_id,
                channel=CHANNEL,
                language=turn.language,
            )
            session.execute(
                update(SmsMessage)
                .where(SmsMessage.id.in_(turn.row_ids))
                .values(conversation_id=conversation_id)
            )
        accepted = self.assistant.accept(
            conversation_id=conversation_id,
            text=turn.text,
            resident_id=turn.resident_id,
            channel=CHANNEL,
            client_id=turn.client_id,
        )
        outcome = self.assistant.answer(accepted)
        if outcome.silent or not outcome.reply:
            return ("silent", [])
        with self.sessions.begin() as session:
            resident = session.get(Resident, turn.resident_id)
            reply = queue_sms(
                session,
                to=turn.phone,
                body=outcome.reply,
                purpose="reply",
                actor=f"assistant:{self.assistant.planner.name}",
                resident=resident,
                conversation_id=conversation_id,
            )
        return ("answered", [reply])

    def _mark(self, ids: tuple[int, ...], status: str) -> None:
        with self.sessions.begin() as session:
            session.execute(update(SmsMessage).where(SmsMessage.id.in_(ids)).values(status=status))


class _Texts:
    """The bridge's fixed texts (prompts/sms.{en,es}.txt) for one sender, queued through `queue_sms`."""

    def __init__(self, service: SmsService, session: Session, phone: str, resident: Resident | None) -> None:
        self.session, self.phone, self.resident = session, phone, resident
        self.prompt = load(f"sms.{'es' if resident is not None and resident.language == 'es' else 'en'}")
        self.office = service.settings.SMS_OFFICE_CONTACT or self.prompt.get("office_default")
        self.community = self.prompt.get("community_default")
        if resident is not None:
            try:
                prop = current_lease(session, resident, as_of=service.now().date()).unit.property
            except NotFound:
                prop = None
            if prop is not None:
                self.community = prop.name
                if prop.office_phone:
                    self.office = f"{_call_word(self.prompt.name)} {_national(prop.office_phone)}"

    def template(self, key: str) -> str:
        return self.prompt.get(key)

    def send(self, key: str, purpose: Purpose, **values: object) -> Outgoing:
        return queue_sms(
            self.session,
            to=self.phone,
            body=self.prompt.get(key).format(**values),
            purpose=purpose,
            actor="sms-bridge",
            resident=self.resident,
            conversation_id=None,
        )

    def locked(self, until: datetime | None, now: datetime) -> Outgoing:
        minutes = max(1, -(-int(((until or now) - now).total_seconds()) // 60))
        return self.send("locked", "reply", minutes=minutes, office=self.office)


def _call_word(prompt_name: str) -> str:
    return "llame a la oficina al" if prompt_name.endswith(".es") else "call the office at"


def _national(phone: str) -> str:
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(phone, "US"), phonenumbers.PhoneNumberFormat.NATIONAL
        )
    except phonenumbers.NumberParseException:
        return phone


def _turn(resident: Resident, phone: str, text: str, client_id: str, row_ids: tuple[int, ...]) -> _Turn:
    return _Turn(resident.id, resident.ref, resident.language, phone, text, client_id, row_ids)


def _ids(texts: list[Outgoing]) -> tuple[int, ...]:
    return tuple(i for outgoing in texts for i in outgoing.ids)


def _conversation_id(resident_ref: str) -> str:
    return f"sms-{resident_ref}"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class _KeyedLocks:
    """One lock per phone number in this process: a resident's texts are handled one at a time, in order
    (across processes the database's row locks and unique keys keep them consistent)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(key, (threading.Lock(), 0))
            self._locks[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[key]
                if users <= 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)
