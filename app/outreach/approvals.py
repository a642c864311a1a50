"""Staff deciding a draft: approve it (as written, or edited) or reject it with a reason.

Only an active staff member, named by email, decides; the decision is kept on the draft (`decided_by`,
`decision`, `decided_at`) and written to the audit log. An approved draft is `ready`: the next send
(`doorstep outreach run`) sends it, within quiet hours and after the send-time checks.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit
from app.errors import Conflict, InvalidInput, NotFound
from app.models import Lease, OutreachDraft, StaffUser
from app.outreach.schemas import DraftPublic, draft_public

MAX_BODY = 5_000


def _staff(session: Session, actor: str) -> StaffUser:
    staff = session.scalars(
        select(StaffUser).where(func.lower(StaffUser.email) == actor.strip().lower())
    ).first()
    if staff is None or not staff.active:
        raise InvalidInput(f"--actor must be the email of an active staff member (not {actor!r})")
    return staff


def _open(session: Session, draft_id: int) -> OutreachDraft:
    draft = session.scalars(
        select(OutreachDraft).where(OutreachDraft.id == draft_id).with_for_update()
    ).first()
    if draft is None:
        raise NotFound(f"no outreach draft {draft_id}")
    if draft.status != "awaiting_approval":
        raise Conflict(f"draft {draft_id} is {draft.status}, not awaiting approval")
    return draft


def approve(
    session: Session, *, draft_id: int, actor: str, body: str | None = None, subject: str | None = None
) -> DraftPublic:
    """Approve a draft; with `body` (and/or `subject`) the edited text is what goes (decision `edited`)."""
    staff = _staff(session, actor)
    draft = _open(session, draft_id)
    edited = False
    if body is not None:
        text = body.strip()
        if not text or len(text) > MAX_BODY:
            raise InvalidInput(f"the edited body must be 1-{MAX_BODY} characters")
        edited = text != draft.body.strip()
        draft.body = text if draft.channel == "sms" else text + "\n"
    if subject is not None and subject.strip() and subject.strip() != draft.subject:
        draft.subject, edited = subject.strip()[:300], True
    return _decide(session, draft, staff, "edited" if edited else "approved", status="ready", reason=None)


def reject(session: Session, *, draft_id: int, actor: str, reason: str) -> DraftPublic:
    staff = _staff(session, actor)
    why = reason.strip()
    if not why:
        raise InvalidInput("--reason is required to reject a draft")
    draft = _open(session, draft_id)
    return _decide(session, draft, staff, "rejected", status="rejected", reason=why[:300])


def _decide(
    session: Session,
    draft: OutreachDraft,
    staff: StaffUser,
    decision: str,
    *,
    status: str,
    reason: str | None,
) -> DraftPublic:
    now = datetime.now(UTC)
    draft.status, draft.reason = status, reason
    draft.decided_by, draft.decision, draft.decided_at, draft.updated_at = staff.email, decision, now, now
    session.flush()
    lease_ref = session.scalar(select(Lease.ref).where(Lease.id == draft.lease_id))
    audit.record(
        session,
        actor=staff.email,
        action=f"outreach.{decision}",
        subject=f"lease:{lease_ref}",
        data={
            "draft": draft.id,
            "step": draft.step,
            "channel": draft.channel,
            "staff_id": staff.id,
            "role": staff.role,
            "reason": reason,
            "body_sha256": hashlib.sha256(draft.body.encode()).hexdigest(),
        },
    )
    return draft_public(session, draft)
