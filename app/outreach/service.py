"""`doorstep outreach run`: draft from the steps fired since the last run, then send what may go now.
Idempotent: a second run drafts nothing new and sends nothing already sent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.channels.sms_transport import SmsTransport
from app.collections.schemas import StepPublic
from app.models import OutreachDraft
from app.outreach.drafts import draft_steps
from app.outreach.schemas import OutreachReport, draft_public
from app.outreach.sending import send_due
from app.outreach.settings import SmtpSettings, WebhookSettings
from app.outreach.webhooks import deliver, event


def run_outreach(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    until: date | None = None,
    actor: str = "outreach",
    smtp: SmtpSettings | None = None,
    transport: SmsTransport | None = None,
    webhooks: WebhookSettings | None = None,
) -> OutreachReport:
    seen: list[StepPublic] = []
    with sessions.begin() as session:
        drafts = draft_steps(session, until=until, actor=actor, seen=seen)
        drafted = [draft_public(session, d) for d in drafts]
    sent = send_due(sessions, now=now, actor=actor, smtp=smtp, transport=transport)
    events = [event("collections.step", f"collections.step:{s.id}", s.model_dump(mode="json")) for s in seen]
    outcomes: list[tuple[str, int, str | None]] = []
    outcomes += [("sent", i, None) for i in sent.sent]
    outcomes += [("outbox", i, None) for i in sent.outbox]
    outcomes += [("refused", i, r) for i, r in sent.refused.items()]
    outcomes += [("failed", i, r) for i, r in sent.failed.items()]
    by_id = {d.id: d for d in drafted}
    for status, draft_id, reason in outcomes:
        draft = by_id.get(draft_id)
        data: dict[str, object] = {
            "draft": draft_id,
            "status": status,
            "reason": reason,
            "at": now.isoformat(),
        }
        if draft is not None:
            data.update(lease=draft.lease, step=draft.step, channel=draft.channel, period=str(draft.period))
        events.append(event(f"outreach.{status}", f"outreach.{status}:{draft_id}", data))
    delivered = deliver(webhooks, events) if webhooks is not None else None
    with sessions() as session:
        waiting = session.scalar(
            select(func.count()).select_from(OutreachDraft).where(OutreachDraft.status == "awaiting_approval")
        )
    return OutreachReport(
        drafted=drafted,
        awaiting_approval=int(waiting or 0),
        sent=sent.sent,
        outbox=sent.outbox,
        waiting_for_window=sent.waiting_for_window,
        waiting_for_smtp=sent.waiting_for_smtp,
        refused=sent.refused,
        failed=sent.failed,
        webhooks_delivered=delivered.delivered if delivered else 0,
        webhooks_failed=delivered.failed if delivered else [],
    )
