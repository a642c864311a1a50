"""Payment plans: schedules within a property's policy (pure), and recording proposals and staff decisions.

A plan changes terms, so the assistant only proposes; staff approve, edit or reject, and the decision is
audited with who made it. Nothing here posts to the ledger: installments are paid like any payment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from app import audit
from app.errors import Conflict, InvalidInput, NotFound
from app.models import PaymentPlan, PlanInstallment, Property

SPACING_DAYS = 14
"""Installments fall two weeks apart."""
MAX_FIRST_DELAY_DAYS = 10


@dataclass(frozen=True, slots=True)
class PlanPolicy:
    max_installments: int
    min_down_bp: int
    min_balance_cents: int

    @classmethod
    def of(cls, prop: Property) -> PlanPolicy:
        return cls(prop.plan_max_installments, prop.plan_min_down_bp, prop.plan_min_balance_cents)


def schedule(
    balance_cents: int, *, installments: int, policy: PlanPolicy, first_on: date
) -> list[tuple[date, int]]:
    """Split `balance_cents` into `installments` payments two weeks apart, the first at least the policy's
    down payment, the rest equal (the last absorbs the odd cents). Pure."""
    if balance_cents <= 0:
        raise InvalidInput("there is no balance to put on a plan")
    if not 2 <= installments <= max(policy.max_installments, 2):
        raise InvalidInput(f"plans here have 2 to {policy.max_installments} installments")
    down = -(-balance_cents * policy.min_down_bp // 10_000)
    even = balance_cents // installments
    first = max(down, even)
    rest = balance_cents - first
    each = rest // (installments - 1)
    amounts = [first] + [each] * (installments - 2) + [rest - each * (installments - 2)]
    return [(first_on + timedelta(days=SPACING_DAYS * n), cents) for n, cents in enumerate(amounts)]


def record_proposal(
    session: Session,
    *,
    lease_id: int,
    conversation_id: str | None,
    today: date,
    parts: list[tuple[date, int]],
    proposed_by: str,
    note: str,
) -> PaymentPlan:
    plan = PaymentPlan(
        lease_id=lease_id,
        status="proposed",
        total_cents=sum(c for _, c in parts),
        created_on=today,
        proposed_by=proposed_by,
        conversation_id=conversation_id,
        note=note,
    )
    session.add(plan)
    session.flush()
    for seq, (due_on, cents) in enumerate(parts, start=1):
        session.add(
            PlanInstallment(plan_id=plan.id, seq=seq, due_on=due_on, amount_cents=cents, status="proposed")
        )
    audit.record(
        session,
        actor=proposed_by,
        action="plan.propose",
        subject=f"plan:{plan.id}",
        data={"lease_id": lease_id, "installments": [[d.isoformat(), c] for d, c in parts]},
    )
    session.flush()
    return plan


def decide(
    session: Session,
    *,
    plan_id: int,
    decision: str,
    staff: str,
    today: date,
    parts: list[tuple[date, int]] | None = None,
    message: str = "",
) -> PaymentPlan:
    """Apply a staff decision: approve (installments scheduled), edit (new terms offered to the resident),
    or reject. Recorded with who decided."""
    plan = session.get(PaymentPlan, plan_id)
    if plan is None:
        raise NotFound(f"no payment plan {plan_id}")
    if plan.status != "proposed":
        raise Conflict(f"plan {plan_id} is already {plan.status}")
    if decision == "approve":
        plan.status = "active"
        for item in plan.installments:
            item.status = "scheduled"
    elif decision == "edit":
        if not parts:
            raise InvalidInput("an edited plan needs its installments")
        for item in list(plan.installments):
            session.delete(item)
        session.flush()
        for seq, (due_on, cents) in enumerate(parts, start=1):
            session.add(
                PlanInstallment(plan_id=plan.id, seq=seq, due_on=due_on, amount_cents=cents, status="offered")
            )
        plan.total_cents = sum(c for _, c in parts)
        plan.status = "offered"
    elif decision == "reject":
        plan.status = "rejected"
    else:
        raise InvalidInput("decision must be approve, edit or reject")
    plan.decided_by, plan.decided_at = staff, datetime.now(UTC)
    audit.record(
        session,
        actor=staff,
        action=f"plan.{decision}",
        subject=f"plan:{plan.id}",
        data={
            "message": message,
            "installments": [[d.isoformat(), c] for d, c in (parts or [])],
            "decided_on": today.isoformat(),
        },
    )
    session.flush()
    session.refresh(plan)
    return plan


def accept_offer(session: Session, *, plan_id: int, resident_id: int, lease_id: int) -> PaymentPlan:
    """The resident accepts a plan staff edited for them: it becomes active, installments scheduled."""
    plan = session.get(PaymentPlan, plan_id)
    if plan is None or plan.lease_id != lease_id:
        raise NotFound(f"no payment plan {plan_id} on this lease")
    if plan.status != "offered":
        raise Conflict(f"plan {plan_id} is {plan.status}, not waiting for your acceptance")
    plan.status = "active"
    for item in plan.installments:
        item.status = "scheduled"
    audit.record(
        session,
        actor=f"resident:{resident_id}",
        action="plan.accept",
        subject=f"plan:{plan.id}",
        data={"installments": [[i.due_on.isoformat(), i.amount_cents] for i in plan.installments]},
    )
    session.flush()
    return plan
