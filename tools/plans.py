"""The payment-plan tool: options within the property's policy. It posts nothing; staff decide."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, Field

from app.accounts import account_balance
from app.payment_plans import MAX_FIRST_DELAY_DAYS, PlanPolicy, record_proposal, schedule
from tools.account import NO_RESIDENT, active_plan, load_account, open_dispute
from tools.context import ResidentContext
from tools.results import ToolArgs, ToolResult


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


def propose_payment_plan(ctx: ResidentContext, args: ProposePlanArgs) -> PlanProposal:
    """Propose a payment plan for the resident's current balance within the property's policy (number of
    installments, down payment, minimum balance) and record it for staff approval. Never posts anything."""
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
        count = min(args.installments or policy.max_installments, policy.max_installments)
        first = args.first_payment_on or ctx.today + timedelta(days=3)
        first = min(max(first, ctx.today), ctx.today + timedelta(days=MAX_FIRST_DELAY_DAYS))
        parts = schedule(balance, installments=max(count, 2), policy=policy, first_on=first)
        plan = record_proposal(
            session,
            lease_id=account.lease.id,
            conversation_id=ctx.conversation_id,
            today=ctx.today,
            parts=parts,
            proposed_by="assistant",
            note=f"Resident asked for {args.installments or 'a'} payment plan in chat.",
        )
        return base.model_copy(
            update={
                "eligible": True,
                "plan_id": plan.id,
                "reason": "within_policy",
                "beyond_policy": (args.installments or 0) > policy.max_installments,
                "installments": [Installment(due_on=d, amount_cents=c) for d, c in parts],
            }
        )


def _ineligible(balance: int, policy: PlanPolicy) -> str | None:
    if balance <= 0:
        return "no_balance"
    if balance < policy.min_balance_cents:
        return "below_minimum"
    return None
