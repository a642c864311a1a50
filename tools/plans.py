"""The payment-plan tool: options within the property's policy. It posts nothing; staff decide."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, Field

from app.accounts import account_balance
from app.payment_plans import (
    MAX_FIRST_DELAY_DAYS,
    PlanPolicy,
    RequestedPart,
    fit_requested,
    record_proposal,
    schedule,
)
from tools.account import NO_RESIDENT, active_plan, load_account, open_dispute
from tools.context import ResidentContext
from tools.results import ToolArgs, ToolResult


class RequestedInstallment(BaseModel):
    """One payment as the resident put it: "500 now" (amount and day), "the rest friday" (day only)."""

    amount_cents: int | None = Field(default=None, ge=1, description="The amount they named, in cents.")
    due_on: date | None = Field(default=None, description="The day they named for it.")


class ProposePlanArgs(ToolArgs):
    installments: int | None = Field(
        default=None,
        ge=2,
        le=12,
        description='How many payments the resident asked for, if they said ("in two parts" = 2).',
    )
    first_payment_on: date | None = Field(
        default=None, description="When the resident can make the first payment."
    )
    requested: list[RequestedInstallment] | None = Field(
        default=None,
        min_length=2,
        max_length=12,
        description="The resident's own terms, in order, when they named amounts or days for each payment "
        '("500 now and the rest friday"): the proposal starts from them where the policy allows.',
    )


class Installment(BaseModel):
    due_on: date
    amount_cents: int


class PlanProposal(ToolResult):
    eligible: bool = False
    balance_cents: int = 0
    max_installments: int = 0
    min_down_cents: int = 0
    min_balance_cents: int = 0
    installments: list[Installment] = []
    plan_id: int | None = None
    """The proposal recorded for staff review; nothing changes until staff approve it."""
    needs_staff: bool = True
    beyond_policy: bool = False
    """The resident asked for more installments than the policy allows: staff must look at it."""
    reason: str = ""
    requested: list[Installment] = []
    """The resident's own terms made concrete (every amount and day filled in), when they gave some."""
    as_requested: bool = False
    """The proposal is the resident's own terms: the policy allows them as they are."""
    policy_rules_broken: list[str] = []
    """Which rules the resident's terms break (max_installments, min_down, first_too_late); the proposal
    is then the nearest plan the policy allows."""
    latest_first_on: date | None = None
    """The latest day the policy allows for the first payment."""


def propose_payment_plan(ctx: ResidentContext, args: ProposePlanArgs) -> PlanProposal:
    """Propose a payment plan for the resident's current balance within the property's policy (number of
    installments, down payment, minimum balance) and record it for staff approval. Never posts anything.
    With the resident's own terms (`requested`), the proposal is those terms when the policy allows them,
    else the nearest plan it allows, naming the rules their terms break."""
    with ctx.sessions.begin() as session:
        account = load_account(session, ctx)
        if account is None:
            return PlanProposal(ok=False, note=NO_RESIDENT)
        balance = account_balance(
            session, resident=account.resident, as_of=ctx.today, lease=account.lease
        ).total_cents
        policy = PlanPolicy.of(account.property)
        base = PlanProposal(
            balance_cents=balance,
            max_installments=policy.max_installments,
            min_balance_cents=policy.min_balance_cents,
            min_down_cents=-(-max(balance, 0) * policy.min_down_bp // 10_000),
        )
        refusal = _ineligible(balance, policy)
        if refusal is None and (existing := active_plan(session, account.lease.id)) is not None:
            refusal = f"already_{existing.status}"
        if refusal is None and open_dispute(session, account.lease.id) is not None:
            refusal = "open_dispute"
        if refusal is not None:
            return base.model_copy(update={"reason": refusal})
        latest = ctx.today + timedelta(days=MAX_FIRST_DELAY_DAYS)
        fitted = (
            fit_requested(
                balance,
                [RequestedPart(r.amount_cents, r.due_on) for r in args.requested],
                policy=policy,
                today=ctx.today,
            )
            if args.requested
            else None
        )
        if fitted is not None and len(fitted.requested) >= 2:
            parts = fitted.parts
        else:
            fitted = None
            count = min(args.installments or policy.max_installments, policy.max_installments)
            first = args.first_payment_on or ctx.today + timedelta(days=3)
            first = min(max(first, ctx.today), latest)
            parts = schedule(balance, installments=max(count, 2), policy=policy, first_on=first)
        plan = record_proposal(
            session,
            lease_id=account.lease.id,
            conversation_id=ctx.conversation_id,
            today=ctx.today,
            parts=parts,
            proposed_by="assistant",
            note=f"Resident asked for {args.installments or 'a'} payment plan in chat"
            + (" on their own terms." if fitted else "."),
        )
        return base.model_copy(
            update={
                "eligible": True,
                "plan_id": plan.id,
                "reason": "within_policy",
                "beyond_policy": fitted is None and (args.installments or 0) > policy.max_installments,
                "installments": [Installment(due_on=d, amount_cents=c) for d, c in parts],
                "requested": [Installment(due_on=d, amount_cents=c) for d, c in fitted.requested]
                if fitted
                else [],
                "as_requested": fitted is not None and not fitted.broken,
                "policy_rules_broken": fitted.broken if fitted else [],
                "latest_first_on": latest,
            }
        )


def _ineligible(balance: int, policy: PlanPolicy) -> str | None:
    if balance <= 0:
        return "no_balance"
    if balance < policy.min_balance_cents:
        return "below_minimum"
    return None
