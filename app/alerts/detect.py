"""Which events call for an alert that has none yet: accounts that entered the legal queue (the ladder's
`legal_queue` steps) and escalations past their SLA with no staff answer (read as the inbox reads them:
not resolved, no staff message in the conversation since the escalation opened)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, String, cast, func, literal, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.alerts.messages import LegalQueueFact, SlaBreachFact
from app.alerts.models import StaffAlert
from app.models import CollectionStep, Escalation, Lease, LeaseResident, Message, Property, Unit

LEGAL_QUEUE_KEY = "legal_queue:step:"
SLA_BREACH_KEY = "sla_breach:escalation:"


def legal_queue_key(step_id: int) -> str:
    return f"{LEGAL_QUEUE_KEY}{step_id}"


def sla_breach_key(escalation_id: int) -> str:
    return f"{SLA_BREACH_KEY}{escalation_id}"


def _not_alerted(prefix: str, row_id: InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """No alert has this row's key yet: looked up by the unique key in the query, so a sweep every minute
    reads only what is new, not every alert and step there ever was."""
    key = literal(prefix).concat(cast(row_id, String))
    return ~select(StaffAlert.id).where(StaffAlert.key == key).exists()


def new_legal_queue(session: Session) -> list[LegalQueueFact]:
    """Every legal-queue step without an alert, oldest first."""
    rows = session.execute(
        select(CollectionStep, Lease.ref, Unit.number, Property.id, Property.name)
        .join(Lease, Lease.id == CollectionStep.lease_id)
        .join(Unit, Unit.id == Lease.unit_id)
        .join(Property, Property.id == Unit.property_id)
        .where(CollectionStep.step == "legal_queue", _not_alerted(LEGAL_QUEUE_KEY, CollectionStep.id))
        .order_by(CollectionStep.id)
    )
    return [
        LegalQueueFact(
            step_id=step.id,
            lease_id=step.lease_id,
            lease_ref=ref,
            property_id=property_id,
            property_name=name,
            unit=number,
            period_on=step.period_on,
            fired_on=step.fired_on,
            short_cents=step.short_cents,
        )
        for step, ref, number, property_id, name in rows
    ]


def new_sla_breaches(session: Session, *, now: datetime) -> list[SlaBreachFact]:
    """Every escalation past its SLA at `now`, unresolved and unanswered by staff, without an alert."""
    open_rows = session.scalars(
        select(Escalation)
        .where(
            Escalation.status != "resolved",
            Escalation.sla_due_at.is_not(None),
            _not_alerted(SLA_BREACH_KEY, Escalation.id),
        )
        .order_by(Escalation.id)
    ).all()
    late = [e for e in open_rows if e.sla_due_at is not None and _aware(e.sla_due_at) < now]
    answered = _staff_answers(session, {e.conversation_id for e in late if e.conversation_id})
    out: list[SlaBreachFact] = []
    for e in late:
        reply = answered.get(e.conversation_id or "")
        if reply is not None and reply >= _aware(e.created_at):
            continue
        lease_id = e.lease_id if e.lease_id is not None else _resident_lease(session, e.resident_id)
        place = _place(session, lease_id)
        out.append(
            SlaBreachFact(
                escalation_id=e.id,
                reason=e.reason,
                priority=e.priority,
                sla_due_at=_aware(e.sla_due_at),  # type: ignore[arg-type]
                property_id=place[0] if place else None,
                property_name=place[1] if place else None,
                unit=place[2] if place else None,
                lease_id=lease_id,
            )
        )
    return out


def _staff_answers(session: Session, conversation_ids: set[str]) -> dict[str, datetime]:
    if not conversation_ids:
        return {}
    rows = session.execute(
        select(Message.conversation_id, func.max(Message.created_at))
        .where(Message.role == "staff", Message.conversation_id.in_(conversation_ids))
        .group_by(Message.conversation_id)
    )
    return {cid: _aware(at) for cid, at in rows if at is not None}


def _resident_lease(session: Session, resident_id: int | None) -> int | None:
    if resident_id is None:
        return None
    return session.scalar(
        select(LeaseResident.lease_id)
        .where(LeaseResident.resident_id == resident_id)
        .order_by(LeaseResident.lease_id.desc())
        .limit(1)
    )


def _place(session: Session, lease_id: int | None) -> tuple[int, str, str] | None:
    if lease_id is None:
        return None
    row = session.execute(
        select(Property.id, Property.name, Unit.number)
        .join(Unit, Unit.property_id == Property.id)
        .join(Lease, Lease.unit_id == Unit.id)
        .where(Lease.id == lease_id)
    ).first()
    return (row[0], row[1], row[2]) if row else None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
