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


@dataclass(frozen=True, slots=True)
class RequestedPart:
    """One payment of the resident's own terms: an amount and a day, either of which they may leave open
    ("500 now" has both; "the rest friday" has no amount, a share of what is left)."""

    amount_cents: int | None
    due_on: date | None


@dataclass(frozen=True, slots=True)
class FittedPlan:
    """The resident's terms made concrete, and the nearest plan the policy allows."""

    requested: list[tuple[date, int]]
    """Their terms with every amount and day filled in, before the policy is applied."""
    parts: list[tuple[date, int]]
    """What can be proposed: `requested` when it fits, else the nearest plan that does."""
    broken: list[str]
    """The policy rules their terms break, in order: max_installments, min_down, first_too_late."""


def fit_requested(
    balance_cents: int, requested: list[RequestedPart], *, policy: PlanPolicy, today: date
) -> FittedPlan:
    """Start from the resident's own amounts and days; where the policy does not allow them, say which
    rule and change as little as it takes. Pure.

    Open days follow the day before by two weeks (the first: in three days); parts without an amount
    share what the named amounts leave, the last taking the odd cents; when the named amounts leave
    some of the balance uncovered, a last payment two weeks later covers it; amounts past the balance
    are cut. Rules: at most `max_installments` payments (the extra ones fold into the last allowed),
    the first at least the minimum down payment (taken back from the last payments), the first within
    `MAX_FIRST_DELAY_DAYS` (moved earlier)."""
    if balance_cents <= 0:
        raise InvalidInput("there is no balance to put on a plan")
    wanted = _concrete(balance_cents, requested, today=today)
    parts = list(wanted)
    broken: list[str] = []
    most = max(policy.max_installments, 2)
    if len(parts) > most:
        broken.append("max_installments")
        kept = parts[: most - 1]
        parts = [*kept, (parts[most - 1][0], balance_cents - sum(c for _, c in kept))]
    down = -(-balance_cents * policy.min_down_bp // 10_000)
    if parts[0][1] < down:
        broken.append("min_down")
        amounts = [c for _, c in parts]
        short = down - amounts[0]
        amounts[0] = down
        for i in range(len(amounts) - 1, 0, -1):
            taken = min(short, amounts[i])
            amounts[i] -= taken
            short -= taken
        parts = [(d, c) for (d, _), c in zip(parts, amounts, strict=True) if c > 0]
    latest = today + timedelta(days=MAX_FIRST_DELAY_DAYS)
    if parts[0][0] > latest:
        broken.append("first_too_late")
        parts = [(latest, parts[0][1]), *parts[1:]]
    return FittedPlan(requested=wanted, parts=parts, broken=broken)


def _concrete(balance_cents: int, requested: list[RequestedPart], *, today: date) -> list[tuple[date, int]]:
    days: list[date] = []
    for part in requested:
        day = part.due_on or (days[-1] + timedelta(days=SPACING_DAYS) if days else today + timedelta(days=3))
        days.append(max(day, days[-1] if days else today))
    amounts: list[int] = []
    left = balance_cents
    for part in requested:
        cents = min(part.amount_cents or 0, left)
        amounts.append(cents)
        left -= cents
    shares = [i for i, part in enumerate(requested) if part.amount_cents is None]
    for n, i in enumerate(shares):
        amounts[i] = left // (len(shares) - n)
        left -= amounts[i]
    parts = [(d, c) for d, c in zip(days, amounts, strict=True) if c > 0]
    if left > 0:  # the named amounts leave part of the balance uncovered: a last payment covers it
        last = parts[-1][0] if parts else today
        parts.append((last + timedelta(days=SPACING_DAYS), left))
    return parts


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
