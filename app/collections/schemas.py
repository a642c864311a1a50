"""What collections shows the outside world: `doorstep collections ... --json` and the functions staff
screens call. Money is integer cents; these keys are an interface."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from app.collections.readiness import Readiness, Reason


class AdvancedAccount(BaseModel):
    lease: str
    property: str
    period: date = Field(description="The due date whose rent the steps are about.")
    readiness: Readiness
    steps: list[str] = Field(description="Steps fired today, in order.")


class FeePosted(BaseModel):
    lease: str
    period: date
    amount_cents: int
    entry_id: int = Field(description="The ledger line posted (source `collections`).")


class NoticeMade(BaseModel):
    lease: str
    period: date
    kind: Literal["second_notice", "formal_notice"]
    path: str = Field(description="The PDF, relative to the data directory.")
    sha256: str


class LegalQueued(BaseModel):
    lease: str
    period: date
    rent_short_cents: int
    formal_notice_on: date


class PreDueFired(BaseModel):
    lease: str
    period: date = Field(description="The coming due date the reminder is about.")
    rank: int = Field(description="1 for the riskiest household: the order the reminders are drafted in.")
    risk_bp: int = Field(description="The household's late-payment risk, in basis points.")
    amount_cents: int = Field(description="Owed on that date: the scheduled charges and today's balance.")


class Skipped(BaseModel):
    lease: str
    period: date
    step: str
    reason: str = Field(description="A code: paid, superseded, a readiness class, already_charged, ...")
    detail: str


class RunReport(BaseModel):
    """The day's reconciliation, as `doorstep collections run` prints it."""

    run_on: date
    run_id: int
    already_ran: bool = Field(description="A run for this day had happened: nothing was done now.")
    accounts: int = Field(description="Accounts with a balance, classified.")
    readiness: dict[str, int] = Field(description="Accounts by readiness class (all eight keys).")
    changed: int = Field(
        description="Accounts whose class changed since the previous run (entered, left too)."
    )
    advanced: list[AdvancedAccount]
    fees: list[FeePosted]
    fees_cents: int
    notices: list[NoticeMade]
    legal_queue: list[LegalQueued]
    skipped: list[Skipped]
    skipped_counts: dict[str, int]
    pre_due: list[PreDueFired] = Field(
        default_factory=list, description="Pre-due reminders fired, riskiest household first."
    )
    pre_due_unscored: str | None = Field(
        None, description="Why no household could be scored for pre-due reminders today (None: they were)."
    )


class StepPublic(BaseModel):
    """A fired step, as outreach and staff read it."""

    id: int
    lease: str
    lease_id: int
    period: date
    step: str
    clock: Literal["friendly", "formal"]
    fired_on: date
    readiness: str
    owed_cents: int
    cleared_cents: int
    short_cents: int
    pending_cents: int
    amount_cents: int | None
    ledger_entry_id: int | None
    document_path: str | None
    document_sha256: str | None
    template: str | None


class AccountReadiness(BaseModel):
    lease: str
    lease_id: int
    property: str
    status: Readiness
    reasons: list[Reason]
    period: date | None
    balance_cents: int
    short_cents: int
    pending_cents: int


class ReadinessChange(BaseModel):
    lease: str
    lease_id: int
    change: Literal["entered", "left", "status", "reasons"] = Field(
        description="entered: newly owes; left: no longer owes; status: another class; reasons: same class, "
        "other reasons."
    )
    before: Readiness | None
    after: Readiness | None
    reasons: list[Reason] = Field(description="The reasons now (empty when it left).")


class ReadinessView(BaseModel):
    """A run's classification and what changed since the run before it."""

    run_on: date | None
    previous_run_on: date | None
    counts: dict[str, int]
    accounts: list[AccountReadiness]
    changes: list[ReadinessChange]


class SimulationFigures(BaseModel):
    """`doorstep collections simulate --json`: exactly these keys."""

    fees_posted: int = Field(description="Late fees the ladder posted in the month.")
    fees_eligible: int = Field(
        description="Lease-periods whose late fee fell due: rent still short of the money paid by then (as "
        "the final ledger shows it) on a day the ladder could post it. Goal: fees_posted equals it."
    )
    wrongful_fees: int = Field(
        description="Fees posted where the money paid by that day (as it cleared in the end) covered the "
        "rent. Goal 0."
    )
    notices_to_blocked: int = Field(
        description="Steps fired for an account that, that day, had an open dispute or chargeback, an active "
        "plan, or a block (legal, bankruptcy, every resident do-not-contact). Goal 0."
    )
    outside_quiet_hours: int = Field(description="Recorded sends outside 08:00-21:00 local. Goal 0.")
    to_opted_out: int = Field(description="Recorded sends to opted-out or do-not-contact residents. Goal 0.")
