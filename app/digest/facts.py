"""The facts a digest is built from, as plain data (`app.digest.queries` reads them out of the database).

Nothing here decides anything: which plan is broken, which escalation breached its SLA, what to expect
next month are pure functions in `app.digest.build`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from app.ledger.balance import BalanceSummary
from app.risk.scoring import LeaseRow, LeaseScore


@dataclass(frozen=True, slots=True)
class PropertyFact:
    code: str
    name: str
    manager_name: str
    office_email: str
    timezone: str


@dataclass(frozen=True, slots=True)
class BalanceFact:
    lease: LeaseRow
    summary: BalanceSummary


@dataclass(frozen=True, slots=True)
class FeeFact:
    property_code: str
    lease_ref: str
    kind: str
    """late_fee or nsf_fee."""
    amount_cents: int
    posted_on: date
    reversal: bool
    """A reversal of such a fee (its amount is negative)."""


@dataclass(frozen=True, slots=True)
class InstallmentFact:
    due_on: date
    amount_cents: int
    status: str


@dataclass(frozen=True, slots=True)
class PlanFact:
    plan_id: int
    property_code: str
    lease_id: int
    lease_ref: str
    status: str
    total_cents: int
    created_on: date
    installments: tuple[InstallmentFact, ...]


@dataclass(frozen=True, slots=True)
class EscalationFact:
    escalation_id: int
    property_code: str | None
    status: str
    priority: str
    reason: str
    created_at: datetime
    sla_due_at: datetime | None
    resolved_at: datetime | None
    first_staff_reply_at: datetime | None
    """The first staff message in its conversation after it was opened, if any."""


@dataclass(frozen=True)
class DigestFacts:
    as_of: date
    period_start: date
    properties: list[PropertyFact]
    leases: list[LeaseRow]
    balances: list[BalanceFact]
    fees: list[FeeFact]
    plans: list[PlanFact]
    escalations: list[EscalationFact]
    scores: list[LeaseScore]
