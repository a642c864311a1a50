"""The pre-due step at the database's edge: which leases fall due within their property's pre-due days,
what the schedule charges on that date, and their late-payment risk (`app.risk`, read lazily: the model's
code loads only on a day some lease is in its window).

The decision itself is `app.collections.ladder.decide_pre_due` (pure); `app.collections.run` fires it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.collections.config import LadderConfig
from app.collections.ladder import pre_due_window
from app.collections.position import period_for
from app.errors import Conflict
from app.models import Lease, RecurringCharge, Unit

logger = logging.getLogger(__name__)

RiskScorer = Callable[[Session, Sequence[int], date], Mapping[int, int]]
"""(session, lease ids, day) -> risk in basis points by lease id (a lease left out is not scored)."""


def in_window(
    session: Session, *, on: date, configs: Mapping[int, LadderConfig], default: LadderConfig
) -> dict[int, date]:
    """Active leases whose next due date falls in their property's pre-due days after `on`: lease -> date."""
    if not any(c.enabled and c.pre_due_day for c in (default, *configs.values())):
        return {}
    rows = session.execute(
        select(Lease.id, Lease.due_day, Unit.property_id)
        .join(Unit, Unit.id == Lease.unit_id)
        .where(Lease.status == "active")
        .where(or_(Lease.moved_out_on.is_(None), Lease.moved_out_on > on))
        .where(or_(Lease.end_on.is_(None), Lease.end_on > on))
    )
    out: dict[int, date] = {}
    for lease_id, due_day, property_id in rows:
        due_on = period_for(due_day, on).next_due_on
        if pre_due_window(due_on, on=on, config=configs.get(property_id, default)):
            out[lease_id] = due_on
    return out


def upcoming_charges(session: Session, lease_ids: Sequence[int]) -> dict[int, int]:
    """What the schedule charges each lease on a due date: the rent plus its recurring charges."""
    if not lease_ids:
        return {}
    ids = sorted(set(lease_ids))
    rent = {i: c for i, c in session.execute(select(Lease.id, Lease.rent_cents).where(Lease.id.in_(ids)))}
    extra = {
        i: c
        for i, c in session.execute(
            select(RecurringCharge.lease_id, func.sum(RecurringCharge.amount_cents))
            .where(RecurringCharge.lease_id.in_(ids))
            .group_by(RecurringCharge.lease_id)
        )
    }
    return {lease_id: int(cents) + int(extra.get(lease_id) or 0) for lease_id, cents in rent.items()}


def model_risk(cache_dir: Path) -> RiskScorer:
    """The ledger's own risk model (trained once per ledger state and cached under `cache_dir`)."""

    def score(session: Session, lease_ids: Sequence[int], on: date) -> Mapping[int, int]:
        from app.risk.pre_due import risk_by_lease  # the model's code only when some lease needs a score

        return risk_by_lease(session, lease_ids, cache_dir=cache_dir, on=on)

    return score


def read_risk(
    session: Session, scorer: RiskScorer, lease_ids: Sequence[int], *, on: date
) -> tuple[Mapping[int, int], str | None]:
    """The scores, or none and why (a ledger with too little history trains no model)."""
    if not lease_ids:
        return {}, None
    try:
        with session.begin_nested():
            return scorer(session, lease_ids, on), None
    except Conflict as exc:
        logger.warning("pre-due reminders: no risk scores on %s: %s", on, exc)
        return {}, str(exc)
