"""Reading a digest's facts out of the database (the I/O edge of `app.digest`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from app.digest.facts import (
    BalanceFact,
    DigestFacts,
    EscalationFact,
    FeeFact,
    InstallmentFact,
    PlanFact,
    PropertyFact,
)
from app.ledger.queries import all_summaries
from app.ledger.types import EntryKind
from app.models import Escalation, LeaseResident, LedgerEntry, Message, PaymentPlan, Property
from app.risk.queries import read_leases
from app.risk.scoring import LeaseRow, LeaseScore

FEE_KINDS = (EntryKind.LATE_FEE.value, EntryKind.NSF_FEE.value)
PLAN_STATUSES = ("active", "defaulted")


def read_properties(session: Session, *, property_code: str | None = None) -> list[PropertyFact]:
    query = select(
        Property.code, Property.name, Property.manager_name, Property.office_email, Property.timezone
    ).order_by(Property.code)
    if property_code is not None:
        query = query.where(Property.code == property_code)
    return [PropertyFact(*row) for row in session.execute(query)]


def read_facts(session: Session, *, as_of: date, period_start: date, scores: list[LeaseScore]) -> DigestFacts:
    """Every fact of the portfolio a digest on `as_of` for the period from `period_start` needs."""
    leases = read_leases(session)
    by_id = {row.lease_id: row for row in leases}
    summaries = all_summaries(session, as_of=as_of)
    return DigestFacts(
        as_of=as_of,
        period_start=period_start,
        properties=read_properties(session),
        leases=leases,
        balances=[BalanceFact(by_id[i], s) for i, s in summaries.items() if i in by_id],
        fees=_fees(session, by_id, start=period_start, end=as_of),
        plans=_plans(session, by_id),
        escalations=_escalations(session, by_id, since=period_start),
        scores=scores,
    )


def _fees(session: Session, leases: dict[int, LeaseRow], *, start: date, end: date) -> list[FeeFact]:
    target = aliased(LedgerEntry)
    posted = LedgerEntry.posted_on.between(start, end)
    fees = select(
        LedgerEntry.lease_id, LedgerEntry.kind, LedgerEntry.amount_cents, LedgerEntry.posted_on
    ).where(LedgerEntry.kind.in_(FEE_KINDS), posted, LedgerEntry.effective_on <= end)
    reversals = (
        select(LedgerEntry.lease_id, target.kind, LedgerEntry.amount_cents, LedgerEntry.posted_on)
        .join(target, target.id == LedgerEntry.reverses_id)
        .where(LedgerEntry.kind == EntryKind.REVERSAL.value, target.kind.in_(FEE_KINDS), posted)
        .where(LedgerEntry.effective_on <= end)
    )
    out: list[FeeFact] = []
    for query, reversal in ((fees, False), (reversals, True)):
        for lease_id, kind, cents, posted_on in session.execute(query.order_by(LedgerEntry.id)):
            lease = leases[lease_id]
            out.append(FeeFact(lease.property_code, lease.ref, kind, cents, posted_on, reversal))
    return out


def _plans(session: Session, leases: dict[int, LeaseRow]) -> list[PlanFact]:
    plans = session.scalars(
        select(PaymentPlan)
        .where(PaymentPlan.status.in_(PLAN_STATUSES))
        .options(selectinload(PaymentPlan.installments))
        .order_by(PaymentPlan.id)
    )
    return [
        PlanFact(
            plan_id=plan.id,
            property_code=leases[plan.lease_id].property_code,
            lease_id=plan.lease_id,
            lease_ref=leases[plan.lease_id].ref,
            status=plan.status,
            total_cents=plan.total_cents,
            created_on=plan.created_on,
            installments=tuple(
                InstallmentFact(i.due_on, i.amount_cents, i.status) for i in plan.installments
            ),
        )
        for plan in plans
    ]


def _escalations(session: Session, leases: dict[int, LeaseRow], *, since: date) -> list[EscalationFact]:
    """Escalations still open, or resolved from a day before `since` (time zones differ by property)."""
    floor = datetime.combine(since - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    rows = session.scalars(
        select(Escalation)
        .where(or_(Escalation.resolved_at.is_(None), Escalation.resolved_at >= floor))
        .order_by(Escalation.id)
    ).all()
    homes = _resident_leases(session, {r.resident_id for r in rows if r.lease_id is None and r.resident_id})
    replies = _staff_replies(session, {r.conversation_id for r in rows if r.conversation_id})
    out: list[EscalationFact] = []
    for r in rows:
        lease_id = r.lease_id if r.lease_id is not None else homes.get(r.resident_id or 0)
        lease = leases.get(lease_id) if lease_id is not None else None
        created = aware(r.created_at)
        first_reply = next((at for at in replies.get(r.conversation_id or "", []) if at >= created), None)
        out.append(
            EscalationFact(
                escalation_id=r.id,
                property_code=lease.property_code if lease else None,
                status=r.status,
                priority=r.priority,
                reason=r.reason,
                created_at=created,
                sla_due_at=aware(r.sla_due_at) if r.sla_due_at else None,
                resolved_at=aware(r.resolved_at) if r.resolved_at else None,
                first_staff_reply_at=first_reply,
            )
        )
    return out


def _resident_leases(session: Session, resident_ids: set[int]) -> dict[int, int]:
    """Each resident's newest lease."""
    if not resident_ids:
        return {}
    rows = session.execute(
        select(LeaseResident.resident_id, LeaseResident.lease_id)
        .where(LeaseResident.resident_id.in_(resident_ids))
        .order_by(LeaseResident.lease_id)
    )
    return {resident_id: lease_id for resident_id, lease_id in rows}


def _staff_replies(session: Session, conversation_ids: set[str]) -> dict[str, list[datetime]]:
    if not conversation_ids:
        return {}
    out: dict[str, list[datetime]] = {}
    rows = session.execute(
        select(Message.conversation_id, Message.created_at)
        .where(Message.role == "staff", Message.conversation_id.in_(conversation_ids))
        .order_by(Message.created_at)
    )
    for conversation_id, at in rows:
        out.setdefault(conversation_id, []).append(aware(at))
    return out


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; Doorstep stores UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
