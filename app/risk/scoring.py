"""One lease's score on a day, with its reasons. Pure: the lease, its history and the model go in.

Scores use payment behaviour only (the lease's own ledger), never who the resident is; the resident's
name and reference ride along for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from app.risk.features import features_at
from app.risk.history import LeaseHistory, next_due_on
from app.risk.model import Reason, RiskModel, reasons

Band = Literal["low", "medium", "high"]
HIGH = 0.5
MEDIUM = 0.2
NO_HISTORY = "no completed month on this lease yet: scored at the portfolio's late rate"


@dataclass(frozen=True, slots=True)
class LeaseRow:
    """A lease as the scores and the digest list it."""

    lease_id: int
    ref: str
    status: str
    property_code: str
    start_on: date
    end_on: date | None
    moved_out_on: date | None
    due_day: int
    grace_days: int
    """The longer of the lease's grace and its state's minimum."""
    monthly_cents: int
    resident_ref: str | None
    resident_name: str | None

    def active_on(self, day: date) -> bool:
        return (
            self.status == "active"
            and self.start_on <= day
            and (self.moved_out_on is None or self.moved_out_on > day)
        )


class LeaseScore(BaseModel):
    """How likely a lease's next rent is to be late, and why."""

    model_config = ConfigDict(frozen=True)

    lease_id: int
    lease_ref: str
    property_code: str
    resident_ref: str | None
    resident_name: str | None
    probability: float
    risk_bp: int
    """`probability` in basis points (0-10,000), for integer arithmetic on money."""
    band: Band
    history_months: int
    next_due_on: date
    next_due_cents: int
    """The month's scheduled charges: rent plus recurring charges."""
    reasons: list[Reason]


def score_lease(
    model: RiskModel, lease: LeaseRow, history: LeaseHistory, *, as_of: date, top_reasons: int = 3
) -> LeaseScore:
    """One lease's score on `as_of`. A lease with no completed month yet gets the base rate."""
    features = features_at(history, on=as_of)
    if features.months == 0:
        probability = model.base_rate
        why = [Reason(feature="history", text=NO_HISTORY, effect=0.0, direction="none")]
    else:
        probability = model.probability(features)
        why = reasons(model, features, top=top_reasons)
    risk_bp = round(probability * 10_000)
    return LeaseScore(
        lease_id=lease.lease_id,
        lease_ref=lease.ref,
        property_code=lease.property_code,
        resident_ref=lease.resident_ref,
        resident_name=lease.resident_name,
        probability=round(probability, 4),
        risk_bp=risk_bp,
        band=band_for(probability),
        history_months=features.months,
        next_due_on=next_due_on(lease.due_day, as_of=as_of),
        next_due_cents=lease.monthly_cents,
        reasons=why,
    )


def band_for(probability: float) -> Band:
    if probability >= HIGH:
        return "high"
    if probability >= MEDIUM:
        return "medium"
    return "low"
