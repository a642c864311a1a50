"""Lease tools: the terms of the resident's lease, with a worked late-fee example and the clause cited."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from app.accounts import lease_public, term_end
from app.ledger.balance import summarize_balance
from app.ledger.jurisdictions import jurisdiction_for
from app.ledger.late_fees import EffectiveRule, describe_rule, effective_rule, first_late_day, late_fee_on
from app.ledger.queries import lease_entries, lease_terms
from app.ledger.schedule import due_date_in, next_due
from tools.account import NO_RESIDENT, Account, load_account
from tools.context import ResidentContext
from tools.results import Citation, ToolArgs, ToolResult


class LeaseTermsArgs(ToolArgs):
    """Always the signed-in resident's own lease."""

    pay_on: date | None = Field(
        default=None,
        description="A day the resident asks about paying on ('can I pay on the 6th without a late fee'): "
        "the result says whether rent paid that day is late and what the fee would be.",
    )


class PayOnCheck(BaseModel):
    """Whether rent paid on a given day is on time, under the lease's due day and grace period."""

    pay_on: date
    due_on: date
    """The rent due date that day's payment counts against: the latest due date on or before it, or the
    next one when nothing is owed (paying early)."""
    late_after: date
    """The first late day for that rent."""
    last_on_time: date
    """The last day that rent can be paid without a late fee."""
    late: bool
    fee_cents: int
    """The late fee that rent would carry if paid that day (0 when on time)."""
    already_late: bool = False
    """That rent's last on-time day has passed already: no day from now avoids the fee."""


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
    pay_on_check: PayOnCheck | None = None
    """Set when the resident asked about paying on a given day."""
    citation: Citation | None = None


def get_lease_terms(ctx: ResidentContext, args: LeaseTermsArgs) -> LeaseTermsResult:
    """The resident's lease terms: rent, due day, grace period, the late-fee rule with a worked example,
    the returned-payment (NSF) fee, accepted payment methods and monthly charges, with the lease citation.
    With `pay_on`, whether rent paid that day would be late and the fee it would carry."""
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
        due = next_due(terms, as_of=ctx.today, lease_end=term_end(lease, as_of=ctx.today))
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
            pay_on_check=_pay_on(
                args.pay_on,
                lease.due_day,
                lease.rent_cents,
                eff,
                next_due_on=due.due_on if due is not None else None,
                owing=_owing(session, lease.id, ctx.today),
                today=ctx.today,
            )
            if args.pay_on
            else None,
            citation=lease_citation(ctx, account, "late charges late fee"),
        )


def _pay_on(
    pay_on: date,
    due_day: int,
    rent_cents: int,
    eff: EffectiveRule,
    *,
    next_due_on: date | None = None,
    owing: bool = True,
    today: date | None = None,
) -> PayOnCheck:
    """Rent paid on `pay_on` counts against the latest due date on or before it; but with nothing owed
    (that rent is paid), a day before the next due date pays the next rent early ("can i pay friday" on
    the 23rd, November paid: on time for December)."""
    due_on = due_date_in(pay_on.year, pay_on.month, due_day)
    if due_on > pay_on:
        previous = pay_on.replace(day=1) - timedelta(days=1)
        due_on = due_date_in(previous.year, previous.month, due_day)
    if not owing and next_due_on is not None and due_on < next_due_on and pay_on < next_due_on:
        due_on = next_due_on
    late_after = first_late_day(due_on, eff.grace_days)
    fee = late_fee_on(eff.rule, rent_cents=rent_cents, due_on=due_on, grace_days=eff.grace_days, on=pay_on)
    return PayOnCheck(
        pay_on=pay_on,
        due_on=due_on,
        late_after=late_after,
        last_on_time=late_after - timedelta(days=1),
        late=pay_on >= late_after,
        fee_cents=fee,
        already_late=today is not None and today >= late_after,
    )


def _owing(session: Session, lease_id: int, today: date) -> bool:
    return summarize_balance(lease_entries(session, lease_id, as_of=today), today).total_cents > 0


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
