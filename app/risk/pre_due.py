"""Pre-due reminders, targeted and ordered by the risk score.

A few days before rent is due, the households likeliest to pay late get a reminder, riskiest first
(`order_reminders`); a household whose score is under the threshold gets none (it pays on time: a
reminder would be noise). `plan_pre_due` is pure; `pre_due_reminders` scores the active leases on the day
with the ledger's model (`load_or_train`) and plans. The amount is the month's scheduled charges as the
ledger lists them (`LeaseScore.next_due_cents`), never a figure made up here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.collections.config import DEFAULT
from app.risk.outreach import order_reminders
from app.risk.queries import read_histories, read_leases
from app.risk.scoring import Band, LeaseScore, score_lease
from app.risk.service import load_or_train, score_leases

LEAD_DAYS = DEFAULT.pre_due_day
"""Reminders go for rent due within this many days (after the day itself): the ladder's default."""
MIN_RISK_BP = DEFAULT.pre_due_min_risk_bp
"""Only households at medium risk or above (the score's own bands) get a pre-due reminder: the ladder's
default threshold, which a property may change."""


class PreDueReminder(BaseModel):
    rank: int
    """1 for the riskiest household: the order reminders go (and staff approve them) in."""
    lease_id: int
    lease_ref: str
    property_code: str
    due_on: date
    due_cents: int
    risk_bp: int
    band: Band
    reasons: list[str]


def plan_pre_due(
    scores: Iterable[LeaseScore], *, on: date, lead_days: int = LEAD_DAYS, min_risk_bp: int = MIN_RISK_BP
) -> list[PreDueReminder]:
    """The leases whose next rent falls due in the `lead_days` after `on` and whose risk is at least
    `min_risk_bp`, riskiest first (then the earlier due date, then the lease)."""
    due = [s for s in scores if 0 < (s.next_due_on - on).days <= lead_days and s.risk_bp >= min_risk_bp]
    ordered = order_reminders(
        due, {s.lease_id: s.risk_bp for s in due}, key=lambda s: (s.lease_id, s.next_due_on)
    )
    return [
        PreDueReminder(
            rank=n,
            lease_id=s.lease_id,
            lease_ref=s.lease_ref,
            property_code=s.property_code,
            due_on=s.next_due_on,
            due_cents=s.next_due_cents,
            risk_bp=s.risk_bp,
            band=s.band,
            reasons=[r.text for r in s.reasons],
        )
        for n, s in enumerate(ordered, start=1)
    ]


def pre_due_reminders(
    session: Session,
    *,
    cache_dir: Path,
    on: date,
    lead_days: int = LEAD_DAYS,
    min_risk_bp: int = MIN_RISK_BP,
) -> list[PreDueReminder]:
    """Score every lease active on `on` and plan its pre-due reminder (`plan_pre_due`)."""
    trained = load_or_train(session, cache_dir=cache_dir, as_of=on)
    scores = score_leases(session, trained.model, as_of=on)
    return plan_pre_due(scores, on=on, lead_days=lead_days, min_risk_bp=min_risk_bp)


def risk_by_lease(session: Session, lease_ids: Sequence[int], *, cache_dir: Path, on: date) -> dict[int, int]:
    """The risk (basis points) of each of `lease_ids` on `on`, with the ledger's model (`load_or_train`):
    what the ladder's pre-due step reads. Raises `Conflict` when the ledger cannot train a model."""
    if not lease_ids:
        return {}
    wanted = set(lease_ids)
    trained = load_or_train(session, cache_dir=cache_dir, as_of=on)
    rows = [row for row in read_leases(session) if row.lease_id in wanted]
    histories = {h.lease_id: h for h in read_histories(session, as_of=on, lease_ids=sorted(wanted))}
    return {
        row.lease_id: score_lease(
            trained.model, row, histories[row.lease_id], as_of=on, top_reasons=0
        ).risk_bp
        for row in rows
        if row.lease_id in histories
    }
