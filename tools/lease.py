"""Lease tools: the terms of the resident's lease, with a worked late-fee example and the clause cited."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel

from app.accounts import lease_public
from app.ledger.jurisdictions import jurisdiction_for
from app.ledger.late_fees import describe_rule, effective_rule, first_late_day, late_fee_on
from app.ledger.queries import lease_terms
from app.ledger.schedule import next_due
from tools.account import NO_RESIDENT, Account, load_account
from tools.context import ResidentContext
from tools.results import Citation, ToolArgs, ToolResult


class LeaseTermsArgs(ToolArgs):
    """No arguments: always the signed-in resident's own lease."""


class LateFeeExample(BaseModel):
    due_on: date
    paid_on: date
    fee_cents: int


class MonthlyCharge(BaseModel):
    description: str
    amount_cents: int


class LeaseTermsResult(ToolResult):
    lease_ref: str = ""
    property_name: str = ""
    unit: str = ""
    start_on: date | None = None
    end_on: date | None = None
    rent_cents: int = 0
    due_day: int = 0
    grace_days: int = 0
    late_fee_rule: str = ""
    late_fee_rule_es: str = ""
    examples: list[LateFeeExample] = []
    """What the fee would be for next month's rent paid on the first late day, and a week later."""
    nsf_fee_cents: int = 0
    accepted_methods: list[str] = []
    card_fee_bp: int = 0
    monthly_charges: list[MonthlyCharge] = []
    statutory_note: str | None = None
    citation: Citation | None = None


def get_lease_terms(ctx: ResidentContext, _args: LeaseTermsArgs) -> LeaseTermsResult:
    """The resident's lease terms: rent, due day, grace period, the late-fee rule with a worked example,
    the returned-payment (NSF) fee, accepted payment methods and monthly charges, with the lease citation."""
    with ctx.sessions() as session:
        account = load_account(session, ctx)
        if account is None:
            return LeaseTermsResult(ok=False, note=NO_RESIDENT)
        lease, prop = account.lease, account.property
        public = lease_public(session, lease)
        terms = lease_terms(lease)
        eff = effective_rule(
            terms.late_fee,
            grace_days=lease.grace_days,
            rent_cents=lease.rent_cents,
            jurisdiction=jurisdiction_for(prop.state),
        )
        due = next_due(terms, as_of=ctx.today)
        examples = []
        if due is not None:
            first = first_late_day(due.due_on, eff.grace_days)
            for paid in (first, first + timedelta(days=7)):
                fee = late_fee_on(
                    eff.rule,
                    rent_cents=lease.rent_cents,
                    due_on=due.due_on,
                    grace_days=eff.grace_days,
                    on=paid,
                )
                examples.append(LateFeeExample(due_on=due.due_on, paid_on=paid, fee_cents=fee))
        return LeaseTermsResult(
            lease_ref=lease.ref,
            property_name=prop.name,
            unit=lease.unit.number,
            start_on=lease.start_on,
            end_on=lease.end_on,
            rent_cents=lease.rent_cents,
            due_day=lease.due_day,
            grace_days=eff.grace_days,
            late_fee_rule=public.late_fee_rule,
            late_fee_rule_es=describe_rule(
                eff.rule, grace_days=eff.grace_days, rent_cents=lease.rent_cents, language="es"
            ),
            examples=examples,
            nsf_fee_cents=lease.nsf_fee_cents,
            accepted_methods=public.accepted_methods,
            card_fee_bp=prop.card_fee_bp,
            monthly_charges=[
                MonthlyCharge(description=c.description, amount_cents=c.amount_cents)
                for c in lease.recurring_charges
            ],
            statutory_note=eff.statutory_note,
            citation=lease_citation(ctx, account, "late charges late fee"),
        )


def lease_citation(ctx: ResidentContext, account: Account, topic: str) -> Citation:
    """The lease clause about `topic` from the indexed lease, or the lease itself when none is indexed."""
    if ctx.retriever is not None:
        for passage in ctx.retriever.retrieve(topic, property_code=account.property.code, k=4):
            if passage.doc_type == "lease":
                return Citation(
                    title=passage.title, section=passage.section, page=passage.page, source=passage.source
                )
    return Citation(title=f"Residential Lease {account.lease.ref}", section="")


__all__ = ["NO_RESIDENT", "get_lease_terms", "lease_citation"]
