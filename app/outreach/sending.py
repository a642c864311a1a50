"""Sending: what may go now goes, and every attempt is recorded (`outreach_sends`).

A draft goes when it is `ready` (needed no approval, or a staff member approved it) and the property's
quiet-hours window is open in the resident's time zone (`residents.time_zone`; the property's when unset);
outside the window it waits (`not_before`: when the window opens). Just before each send, in the same
transaction that records it, everything is checked again: the opt-out registry (`app.channels.optouts`),
do-not-contact, consent for the channel, and the account's readiness read afresh from the ledger (only a
`ready` account that is still short for the draft's period is written to: never a disputed, plan, blocked
or unclear one). A pre-due reminder is about rent not yet due: it goes while the coming charge is not
covered already (a resident who paid ahead is refused as `paid`) and before the due date. A refused draft
is `refused`, with why.

Texts go through `app.channels.sms.queue_sms` (which checks the registry again) and, when Twilio is
configured, its `dispatch`; without Twilio they wait in the SMS outbox (send status `outbox`). Email goes
through SMTP (`SmtpSettings`), claimed first (`sending`) so that no email is sent twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.channels.optouts import Channel, is_opted_out
from app.channels.sms import Outgoing, dispatch, queue_sms
from app.channels.sms_transport import SmsTransport
from app.collections.config import DEFAULT, load_configs
from app.collections.facts import gather
from app.collections.ladder import amount_due
from app.collections.pre_due import upcoming_charges
from app.collections.readiness import Readiness, classify_readiness
from app.models import Lease, OutreachDraft, OutreachSend, Property, Resident, SmsMessage
from app.outreach.config import config_for
from app.outreach.email import Mailer, send_email
from app.outreach.settings import SmtpSettings


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    outbox: list[int] = field(default_factory=list)
    waiting_for_window: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)
    waiting_for_smtp: list[int] = field(default_factory=list)


def refusal(session: Session, draft: OutreachDraft, *, now: datetime, tz: ZoneInfo) -> str | None:
    """Why this draft may not go now (None: it may): read afresh, just before sending."""
    resident = session.get(Resident, draft.resident_id) if draft.resident_id else None
    if resident is None or draft.channel not in ("sms", "email"):
        return "no_recipient"
    if resident.do_not_contact:
        return "do_not_contact"
    channel: Channel = "sms" if draft.channel == "sms" else "email"
    if is_opted_out(session, channel=channel, address=draft.address):
        return "opted_out"
    if not (resident.sms_consent if channel == "sms" else resident.email_consent):
        return "no_consent"
    today = now.astimezone(tz).date()
    configs = load_configs(session)
    accounts = gather(session, as_of=today, configs=configs, default=DEFAULT, lease_ids=[draft.lease_id])
    account = accounts.get(draft.lease_id)
    if account is None:
        return "no_account"
    facts = account.facts
    config = configs.get(facts.property_id, DEFAULT)
    status = classify_readiness(facts, config).status
    if draft.step == "pre_due":
        # For rent not yet due: the money first (a resident who paid ahead has paid, whatever else).
        if facts.next_due_on != draft.period_on:
            return "period_over"
        if amount_due(facts, upcoming_charges(session, [draft.lease_id]).get(draft.lease_id, 0)) <= 0:
            return "paid"
        return None if status is Readiness.READY else f"readiness:{status.value}"
    if status is not Readiness.READY:
        return f"readiness:{status.value}"
    if facts.period_on != draft.period_on:
        return "period_over"
    if facts.short_cents <= 0:
        return "paid"
    return None


def send_due(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    actor: str = "outreach",
    smtp: SmtpSettings | None = None,
    transport: SmsTransport | None = None,
    draft_ids: list[int] | None = None,
    mailer: Mailer = send_email,
) -> SendReport:
    """Send every `ready` draft that may go at `now` (an aware datetime), oldest first. `mailer` hands
    each email over (SMTP by default)."""
    report = SendReport()
    query = select(OutreachDraft.id).where(OutreachDraft.status == "ready").order_by(OutreachDraft.id)
    if draft_ids is not None:
        query = query.where(OutreachDraft.id.in_(draft_ids))
    with sessions() as session:
        ids = list(session.scalars(query))
    for draft_id in ids:
        _send_one(
            sessions,
            draft_id,
            now=now,
            actor=actor,
            smtp=smtp,
            transport=transport,
            mailer=mailer,
            report=report,
        )
    return report


def _send_one(
    sessions: sessionmaker[Session],
    draft_id: int,
    *,
    now: datetime,
    actor: str,
    smtp: SmtpSettings | None,
    transport: SmsTransport | None,
    mailer: Mailer,
    report: SendReport,
) -> None:
    outgoing: Outgoing | None = None
    send_id = 0
    email: tuple[str, str, str, str, str] | None = None
    with sessions.begin() as session:
        draft = session.get(OutreachDraft, draft_id)
        if draft is None or draft.status != "ready":
            return
        tz_name = _time_zone(session, draft)
        tz = ZoneInfo(tz_name)
        config = config_for(session, draft.property_id)
        if not config.in_window(now, tz):
            draft.not_before, draft.updated_at = config.next_open(now, tz), now
            report.waiting_for_window.append(draft_id)
            return
        if draft.channel == "email" and (smtp is None or not smtp.configured):
            draft.reason, draft.updated_at = "smtp_not_configured", now
            report.waiting_for_smtp.append(draft_id)
            return
        # Claim it: a concurrent run that read the same `ready` row finds nothing to claim.
        claimed = session.execute(
            update(OutreachDraft)
            .where(OutreachDraft.id == draft_id, OutreachDraft.status == "ready")
            .values(status="sending", updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        if not claimed:
            return
        session.refresh(draft)
        lease_ref = session.scalar(select(Lease.ref).where(Lease.id == draft.lease_id))
        subject = f"lease:{lease_ref}"
        reason = refusal(session, draft, now=now, tz=tz)
        if reason is None and draft.channel == "sms":
            resident = session.get(Resident, draft.resident_id)
            outgoing = queue_sms(
                session,
                to=draft.address,
                body=draft.body,
                purpose="proactive",
                actor=actor,
                resident=resident,
            )
            reason = outgoing.refused
        if reason is not None:
            draft.status, draft.reason, draft.updated_at = "refused", reason, now
            _record(session, draft, now=now, tz=tz_name, status="refused", detail=reason)
            audit.record(
                session,
                actor=actor,
                action="outreach.refused",
                subject=subject,
                data={"draft": draft.id, "step": draft.step, "channel": draft.channel, "reason": reason},
            )
            report.refused[draft_id] = reason
            return
        if draft.channel == "sms":
            assert outgoing is not None
            draft.status, draft.reason, draft.updated_at = "sent", None, now
            send_id = _record(
                session,
                draft,
                now=now,
                tz=tz_name,
                status="outbox" if transport is None else "sending",
                sms_ids=list(outgoing.ids),
            )
            audit.record(
                session,
                actor=actor,
                action="outreach.sent",
                subject=subject,
                data={"draft": draft.id, "step": draft.step, "channel": "sms", "sms_ids": list(outgoing.ids)},
            )
            if transport is None:
                report.outbox.append(draft_id)
                return
        email = (draft.address, draft.subject, draft.body, subject, tz_name)
    if outgoing is not None:  # committed: hand the texts to Twilio
        dispatch(sessions, outgoing, transport)
        with sessions.begin() as session:
            statuses = set(session.scalars(select(SmsMessage.status).where(SmsMessage.id.in_(outgoing.ids))))
            row = session.get(OutreachSend, send_id)
            assert row is not None
            row.status = "failed" if "failed" in statuses else "sent"
            if "failed" in statuses:
                draft = session.get(OutreachDraft, draft_id)
                assert draft is not None
                draft.status, draft.reason = "failed", "twilio refused or could not be reached"
        if "failed" in statuses:
            report.failed[draft_id] = "twilio"
        else:
            report.sent.append(draft_id)
        return
    if email is None:
        return
    assert smtp is not None
    address, title, body, subject, tz_name = email
    status, detail = mailer(smtp, to=address, subject=title, body=body)
    with sessions.begin() as session:
        draft = session.get(OutreachDraft, draft_id)
        assert draft is not None
        draft.status, draft.updated_at = status, now
        draft.reason = None if status == "sent" else detail
        _record(session, draft, now=now, tz=tz_name, status=status, detail=detail)
        audit.record(
            session,
            actor=actor,
            action="outreach.sent" if status == "sent" else "outreach.failed",
            subject=subject,
            data={"draft": draft.id, "step": draft.step, "channel": "email", "detail": detail},
        )
    if status == "sent":
        report.sent.append(draft_id)
    else:
        report.failed[draft_id] = detail or "smtp"


def _time_zone(session: Session, draft: OutreachDraft) -> str:
    """The zone quiet hours are counted in: the resident's own when set (and known), else the property's."""
    own = session.scalar(select(Resident.time_zone).where(Resident.id == draft.resident_id))
    if own:
        try:
            ZoneInfo(own)
        except (ZoneInfoNotFoundError, ValueError):
            own = None  # written around the model's check: the property's zone is the safe reading
    if own:
        return own
    return session.scalar(select(Property.timezone).where(Property.id == draft.property_id)) or "UTC"


def _record(
    session: Session,
    draft: OutreachDraft,
    *,
    now: datetime,
    tz: str,
    status: str,
    detail: str | None = None,
    sms_ids: list[int] | None = None,
) -> int:
    row = OutreachSend(
        draft_id=draft.id,
        channel=draft.channel,
        address=draft.address,
        at=now,
        timezone=tz,
        status=status,
        detail=detail,
        sms_ids=sms_ids or [],
    )
    session.add(row)
    session.flush()
    return row.id
