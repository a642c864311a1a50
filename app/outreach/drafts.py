"""Drafting: one message per fired message step, from the templates, in the household's language.

The steps come from `app.collections.views.list_steps`, read from just after the newest step already
drafted; each message step gets exactly one draft (unique by step id), so drafting twice drafts nothing.
Templates are `templates/<step>.<sms|email>.<en|es>.txt`; an email template's first line is its subject.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import audit
from app.collections.schemas import StepPublic
from app.collections.views import list_steps
from app.formatting import format_date, money
from app.models import Lease, LeaseResident, OutreachDraft, Property, Resident, Unit
from app.outreach.config import MESSAGE_STEPS, config_for

TEMPLATES = Path(__file__).parent / "templates"
PAGE = 500
OPEN_STATUSES = ("awaiting_approval", "ready")


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str
    template: str


@cache
def _template(name: str) -> tuple[str, str]:
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    return text, hashlib.sha256(text.encode()).hexdigest()


def render(step: str, channel: str, language: str, values: dict[str, str]) -> Rendered:
    """A step's message for a channel, in `language` (English where no Spanish template exists)."""
    lang = language if (TEMPLATES / f"{step}.{channel}.{language}.txt").exists() else "en"
    name = f"{step}.{channel}.{lang}.txt"
    text, digest = _template(name)
    filled = text.format_map(values).strip()
    if channel == "email":
        subject, _, body = filled.partition("\n")
        return Rendered(subject.strip(), body.strip() + "\n", f"{name}@{digest[:16]}")
    return Rendered("", filled, f"{name}@{digest[:16]}")


def recipient(session: Session, lease_id: int) -> Resident | None:
    """The lease's primary resident (else its first)."""
    return session.scalars(
        select(Resident)
        .join(LeaseResident, LeaseResident.resident_id == Resident.id)
        .where(LeaseResident.lease_id == lease_id)
        .order_by((LeaseResident.role != "primary"), Resident.id)
        .limit(1)
    ).first()


def channel_for(resident: Resident | None) -> tuple[str, str]:
    """("sms", phone) or ("email", address): the resident's preferred channel where it is usable (an
    address and consent), else the other; ("none", "") when neither is."""
    if resident is None:
        return "none", ""
    sms = ("sms", resident.phone) if resident.phone and resident.sms_consent else None
    email = ("email", resident.email.strip().lower()) if resident.email and resident.email_consent else None
    order = (email, sms) if resident.preferred_channel == "email" else (sms, email)
    if resident.preferred_channel == "portal":
        order = (sms, email)
    for choice in order:
        if choice is not None:
            return choice
    return "none", ""


def draft_steps(
    session: Session,
    *,
    until: date | None = None,
    actor: str = "outreach",
    seen: list[StepPublic] | None = None,
) -> list[OutreachDraft]:
    """Draft every message step fired (on or before `until`) that has no draft yet, oldest first. Every
    step read (late fees and the legal queue too) is appended to `seen`, for the step webhooks."""
    after = session.scalar(select(func.max(OutreachDraft.step_id))) or 0
    made: list[OutreachDraft] = []
    while True:
        steps = list_steps(session, after_id=after, limit=PAGE)
        for step in steps:
            if until is not None and step.fired_on > until:
                return made  # steps are fired in day order: later ones wait for a later run
            if seen is not None:
                seen.append(step)
            if step.step in MESSAGE_STEPS:
                draft = _draft(session, step, actor=actor)
                if draft is not None:
                    made.append(draft)
        if len(steps) < PAGE:
            return made
        after = steps[-1].id


def _draft(session: Session, step: StepPublic, *, actor: str) -> OutreachDraft | None:
    lease, prop = session.execute(
        select(Lease, Property)
        .join(Unit, Unit.id == Lease.unit_id)
        .join(Property, Property.id == Unit.property_id)
        .where(Lease.id == step.lease_id)
    ).one()
    resident = recipient(session, lease.id)
    channel, address = channel_for(resident)
    language = resident.language if resident is not None and resident.language in ("en", "es") else "en"
    values = {
        "first_name": resident.first_name if resident else "",
        "property_name": prop.name,
        "office_phone": prop.office_phone or prop.office_email or "the office",
        "period": format_date(step.period, language, year=True),
        "short": money(step.short_cents),
        "balance": money(step.short_cents),
        "amount": money(step.amount_cents if step.amount_cents is not None else step.short_cents),
        "due_date": format_date(step.period, language, year=True),
    }
    rendered = render(step.step, "email" if channel == "email" else "sms", language, values)
    config = config_for(session, prop.id)
    needs = config.needs_approval(step.step)
    status, reason = ("awaiting_approval" if needs else "ready"), None
    if channel == "none":
        status, reason = "refused", "no_channel"
    now = datetime.now(UTC)
    # A newer step supersedes what is still unsent for the same period: send only the latest message.
    superseded = (
        session.execute(
            update(OutreachDraft)
            .where(
                OutreachDraft.lease_id == lease.id,
                OutreachDraft.period_on == step.period,
                OutreachDraft.status.in_(OPEN_STATUSES),
            )
            .values(status="superseded", reason=f"superseded by {step.step}", updated_at=now)
            .returning(OutreachDraft.id)
        )
        .scalars()
        .all()
    )
    draft = OutreachDraft(
        step_id=step.id,
        lease_id=lease.id,
        resident_id=resident.id if resident else None,
        property_id=prop.id,
        period_on=step.period,
        step=step.step,
        channel=channel,
        address=address,
        language=language,
        subject=rendered.subject,
        body=rendered.body,
        template=rendered.template,
        mode=config.mode,
        needs_approval=needs,
        status=status,
        reason=reason,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(draft)
    except IntegrityError:  # another run drafted this step first
        return None
    audit.record(
        session,
        actor=actor,
        action="outreach.drafted",
        subject=f"lease:{lease.ref}",
        data={
            "draft": draft.id,
            "step": step.step,
            "step_id": step.id,
            "period": step.period,
            "channel": channel,
            "mode": config.mode,
            "status": status,
            "reason": reason,
            "template": rendered.template,
            "superseded": list(superseded),
        },
    )
    return draft
