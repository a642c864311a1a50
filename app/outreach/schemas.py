"""What `doorstep outreach ... --json` prints: JSON-ready pydantic models."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Lease, OutreachDraft


class DraftPublic(BaseModel):
    id: int
    step_id: int
    lease: str
    period: date
    step: str
    channel: str
    address: str
    language: str
    subject: str
    body: str
    template: str
    mode: str
    needs_approval: bool
    status: str
    reason: str | None
    decided_by: str | None
    decision: str | None
    decided_at: datetime | None
    not_before: datetime | None


class OutreachReport(BaseModel):
    drafted: list[DraftPublic]
    awaiting_approval: int
    sent: list[int]
    outbox: list[int]
    waiting_for_window: list[int]
    waiting_for_smtp: list[int]
    refused: dict[int, str]
    failed: dict[int, str]
    webhooks_delivered: int = 0
    webhooks_failed: list[str] = []


def draft_public(session: Session, draft: OutreachDraft, lease_ref: str | None = None) -> DraftPublic:
    ref = lease_ref or session.scalar(select(Lease.ref).where(Lease.id == draft.lease_id)) or ""
    return DraftPublic(
        id=draft.id,
        step_id=draft.step_id,
        lease=ref,
        period=draft.period_on,
        step=draft.step,
        channel=draft.channel,
        address=draft.address,
        language=draft.language,
        subject=draft.subject,
        body=draft.body,
        template=draft.template,
        mode=draft.mode,
        needs_approval=draft.needs_approval,
        status=draft.status,
        reason=draft.reason,
        decided_by=draft.decided_by,
        decision=draft.decision,
        decided_at=draft.decided_at,
        not_before=draft.not_before,
    )


def list_drafts(session: Session, *, status: str | None = None, limit: int = 500) -> list[DraftPublic]:
    query = (
        select(OutreachDraft, Lease.ref)
        .join(Lease, Lease.id == OutreachDraft.lease_id)
        .order_by(OutreachDraft.id)
        .limit(max(1, min(limit, 5_000)))
    )
    if status is not None:
        query = query.where(OutreachDraft.status == status)
    return [draft_public(session, d, ref) for d, ref in session.execute(query)]
