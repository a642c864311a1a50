"""Opening an escalation: a conversation handed to staff, with its SLA clock and an audit line. The
assistant's escalate tool and the resident's "Talk to a person" both open them here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from app import audit
from app.models import Escalation, Property


def open_escalation(
    session: Session,
    *,
    conversation_id: str | None,
    resident_id: int | None,
    lease_id: int | None,
    prop: Property | None,
    reason: str,
    priority: str,
    summary: str,
    actor: str,
) -> Escalation:
    """Add the escalation inside the caller's transaction; its first staff answer is due within the
    property's `escalation_sla_minutes` (no SLA without a property)."""
    row = Escalation(
        conversation_id=conversation_id,
        resident_id=resident_id,
        lease_id=lease_id,
        reason=reason,
        priority=priority,
        summary=summary,
        sla_due_at=datetime.now(UTC) + timedelta(minutes=prop.escalation_sla_minutes) if prop else None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="conversation.escalate",
        subject=f"conversation:{conversation_id or '-'}",
        data={"escalation_id": row.id, "reason": reason, "priority": priority},
    )
    return row
