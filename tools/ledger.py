"""Ledger tools: balance, recent activity, next due date, payment status, and why a charge was made.

Each reads only the lease of the resident in the conversation's authenticated context.
"""

from __future__ import annotations

import datetime as dt
import re
from datetime import date, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import bindparam, select

from app.accounts import Application, account_balance, credit_applications, term_end
from app.ledger.balance import summarize_balance
from app.ledger.jurisdictions import jurisdiction_for
from app.ledger.late_fees import describe_rule, effective_rule, first_late_day
from app.ledger.queries import lease_entries, lease_terms
from app.ledger.types import CHARGE_KINDS, Entry, EntryKind
from app.models import LedgerEntry, Payment, PaymentPlan
from app.money import format_cents
from app.schemas import DueItem
from tools.account import NO_RESIDENT, Account, active_plan, load_account, open_dispute
from tools.context import ResidentContext
from tools.lease import lease_citation
from tools.results import Citation, LineItem, ToolArgs, ToolResult

# Statements built once with bound parameters (building one per call costs as much as running it).
_PAYMENTS_IN_PERIOD = select(Payment).where(
    Payment.lease_id == bindparam("lease_id"),
    Payment.initiated_on >= bindparam("start"),
    Payment.initiated_on <= bindparam("end"),
)
_PAYMENTS_BETWEEN = _PAYMENTS_IN_PERIOD.order_by(Payment.initiated_on)
_PAYMENTS_NEWEST_FIRST = _PAYMENTS_IN_PERIOD.order_by(Payment.initiated_on.desc())
_CHARGE_CODES = select(LedgerEntry.id, LedgerEntry.charge_code).where(
    LedgerEntry.lease_id == bindparam("lease_id")
)
_PAYMENT_ENTRIES = select(LedgerEntry.payment_id, LedgerEntry.id).where(
    LedgerEntry.lease_id == bindparam("lease_id"), LedgerEntry.payment_id.is_not(None)
)


class AppliedTo(BaseModel):
    """Part of a payment or credit that paid (part of) one charge."""

    date: date
    description: str
    amount_cents: int
    """How much of the charge this payment or credit paid."""


def _applied(applications: list[Application]) -> list[AppliedTo]:
    return [
        AppliedTo(date=a.charge.effective_on, description=a.charge.description, amount_cents=a.cents)
        for a in applications
    ]


# -- get_balance ---------------------------------------------------------------------------------------


class NoArgs(ToolArgs):
    """This tool takes no arguments: it always reads the signed-in resident's own account."""


class PendingPayment(BaseModel):
    date: date
    amount_cents: int
    method: str


class BalanceResult(ToolResult):
    as_of: date | None = None
    total_cents: int = 0
    open_charges: list[LineItem] = []
    paid_toward_open_cents: int = 0
    """What has already been paid off the open charges (their full amounts less what is still open)."""
    payments_applied: list[LineItem] = []
    unapplied_credit_cents: int = 0
    pending_payments: list[PendingPayment] = []
    open_dispute: bool = False
    on_payment_plan: bool = False
    plan_installments: list[LineItem] = []
    """The active plan's installments still to pay (date, amount)."""
    lease_ended: bool = False
    """The resident has moved out: a credit is not carried to future rent but settled with the final
    account."""
    credit_sources: list[LineItem] = []
    """Where the unapplied credit comes from: each payment (an overpayment), concession or other credit,
    or reversal with part of it not yet used; `open_cents` is the part still unused."""


def get_balance(ctx: ResidentContext, _args: NoArgs) -> BalanceResult:
    """What the resident owes right now, itemized: each open charge (date, description, amount still open),
    the payments applied, any unapplied credit, payments still pending, and the total."""
    with ctx.sessions() as session:
        account = load_account(session, ctx)
        if account is None:
            return BalanceResult(ok=False, note=NO_RESIDENT)
        b = account_balance(session, resident=account.resident, as_of=ctx.today, lease=account.lease)
        plan = active_plan(session, account.lease.id)
        sources: list[LineItem] = []
        if b.unapplied_credit_cents > 0:
            sources = _credit_sources(lease_entries(session, account.lease.id, as_of=ctx.today), ctx.today)
        return BalanceResult(
            as_of=b.as_of,
            total_cents=b.total_cents,
            open_charges=[
                LineItem(
                    entry_id=c.entry_id,
                    date=c.date,
                    kind=c.kind,
                    description=c.description,
                    amount_cents=c.amount_cents,
                    open_cents=c.open_cents,
                    days_past_due=c.days_past_due,
                )
                for c in b.open_charges
            ],
            payments_applied=[
                LineItem(
                    entry_id=e.id,
                    date=e.effective_on,
                    kind=e.kind,
                    description=e.description,
                    amount_cents=e.amount_cents,
                )
                for e in b.credits_applied[:3]
            ],
            paid_toward_open_cents=sum(c.amount_cents - c.open_cents for c in b.open_charges),
            unapplied_credit_cents=b.unapplied_credit_cents,
            pending_payments=[
                PendingPayment(date=p.initiated_on, amount_cents=p.amount_cents, method=p.method)
                for p in b.pending_payments
            ],
            open_dispute=open_dispute(session, account.lease.id) is not None,
            on_payment_plan=plan is not None and plan.status == "active",
            plan_installments=_plan_installments(plan),
            credit_sources=sources,
            lease_ended=account.lease.moved_out_on is not None,
        )


def _credit_sources(entries: list[Entry], today: date) -> list[LineItem]:
    """The credits with a part not yet applied to any charge, newest first."""
    by_id = {e.id: e for e in entries}
    sources = []
    for credit_id, applications in credit_applications(entries, today).items():
        credit = by_id[credit_id]
        unused = -credit.amount_cents - sum(a.cents for a in applications)
        if unused > 0:
            line = _line(credit).model_copy(update={"open_cents": unused})
            sources.append(line)
    return sorted(sources, key=lambda c: (c.date, c.entry_id), reverse=True)


def _plan_installments(plan: PaymentPlan | None) -> list[LineItem]:
    """The installments still to pay of an active plan (none for a plan only proposed)."""
    if plan is None or plan.status != "active":
        return []
    return [
        LineItem(
            entry_id=i.id,
            date=i.due_on,
            kind="plan_installment",
            description=f"Installment {i.seq}",
            amount_cents=i.amount_cents,
            status=i.status,
        )
        for i in plan.installments
        if i.status == "scheduled"
    ]


# -- get_recent_activity -------------------------------------------------------------------------------


class ActivityArgs(ToolArgs):
    month: str | None = Field(
        default=None,
        pattern=r"^\d{4}-\d{2}$",
        description="A calendar month as YYYY-MM; omit for the last `days` days.",
    )
    days: int = Field(default=45, ge=1, le=400, description="How far back to look when no month is given.")


class ActivityResult(ToolResult):
    start: date | None = None
    end: date | None = None
    lines: list[LineItem] = []
    payments: list[LineItem] = []


def get_recent_activity(ctx: ResidentContext, args: ActivityArgs) -> ActivityResult:
    """Charges and payments on the resident's ledger for a month or the last N days, payments with status."""
    start, end = _period(args, ctx.today)
    with ctx.sessions() as session:
        account = load_account(session, ctx)
        if account is None:
            return ActivityResult(ok=False, note=NO_RESIDENT)
        entries = [
            e
            for e in lease_entries(session, account.lease.id, as_of=ctx.today)
            if start <= e.effective_on <= end
        ]
        payments = session.scalars(
            _PAYMENTS_BETWEEN,
            {"lease_id": account.lease.id, "start": start, "end": end},
        ).all()
    return ActivityResult(
        start=start,
        end=end,
        lines=[_line(e) for e in sorted(entries, key=lambda e: (e.effective_on, e.id))],
        payments=[
            LineItem(
                entry_id=p.id,
                date=p.initiated_on,
                kind="payment",
                description=p.method.upper(),
                amount_cents=p.amount_cents,
                status=p.status,
            )
            for p in payments
        ],
        note=None if entries or payments else "nothing was posted in that period",
    )


def _period(args: ActivityArgs, today: date) -> tuple[date, date]:
    if args.month:
        year, month = (int(x) for x in args.month.split("-"))
        start = date(year, month, 1)
        end = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        return start, min(end, today)
    return today - timedelta(days=args.days), today


def _line(e: Entry) -> LineItem:
    return LineItem(
        entry_id=e.id,
        date=e.effective_on,
        kind=e.kind.value,
        description=e.description,
        amount_cents=e.amount_cents,
    )


# -- get_next_due ------------------------------------------------------------------------------------


class NextDueResult(ToolResult):
    due_on: date | None = None
    amount_cents: int = 0
    items: list[DueItem] = []
    grace_days: int = 0
    late_after: date | None = None
    late_fee_cents: int = 0
    late_fee_max_cents: int | None = None
    late_fee_rule: str = ""
    late_fee_rule_es: str = ""
    balance_now_cents: int = 0
    plan_installments: list[LineItem] = []
    """An active payment plan's installments still to pay, which fall due alongside rent."""
    lease_ends_on: date | None = None
    """Set when the lease term ends within 60 days."""
    no_rent_after_end: bool = False
    """The lease term ends before the next due day: no rent is scheduled after `lease_ends_on` (the
    office arranges a renewal or the move-out)."""
    citation: Citation | None = None


class NextDueArgs(ToolArgs):
    # A month ahead the resident asks about ("january rent"): after the lease term ends, no rent is
    # scheduled and the result says so. Kept terse: the chat planner's prompt carries this schema.
    month: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM, a month ahead")


def get_next_due(ctx: ResidentContext, args: NextDueArgs) -> NextDueResult:
    """When the next rent is due and how much (rent plus monthly charges), the grace period, the first late
    day and the late fee that would apply, with the lease clause. With `month`, whether the lease term
    still runs then."""
    with ctx.sessions() as session:
        account = load_account(session, ctx)
        if account is None:
            return NextDueResult(ok=False, note=NO_RESIDENT)
        b = account_balance(session, resident=account.resident, as_of=ctx.today, lease=account.lease)
        lease = account.lease
        ends = term_end(lease, as_of=ctx.today)
        if args.month and ends is not None and lease.moved_out_on is None and _month_start(args.month) > ends:
            return NextDueResult(  # "how much is january rent" on a lease ending Dec 31: none is scheduled
                balance_now_cents=b.total_cents,
                lease_ends_on=ends,
                no_rent_after_end=True,
                citation=lease_citation(ctx, account, "lease term ending renewal move-out notice"),
            )
        eff = effective_rule(
            lease_terms(lease).late_fee,
            grace_days=lease.grace_days,
            rent_cents=lease.rent_cents,
            jurisdiction=jurisdiction_for(account.property.state),
        )
        if b.next_due is None:
            if ends is not None and lease.moved_out_on is None:  # the term ends before the next due day
                return NextDueResult(
                    balance_now_cents=b.total_cents,
                    lease_ends_on=ends,
                    no_rent_after_end=True,
                    citation=lease_citation(ctx, account, "lease term ending renewal move-out notice"),
                )
            return NextDueResult(
                ok=False,
                note="the lease has ended: no further rent is scheduled",
                balance_now_cents=b.total_cents,
            )
        d = b.next_due
        return NextDueResult(
            due_on=d.due_on,
            amount_cents=d.amount_cents,
            items=[DueItem(description=i.description, amount_cents=i.amount_cents) for i in d.items],
            grace_days=eff.grace_days,
            late_after=d.late_after,
            late_fee_cents=d.late_fee_cents,
            late_fee_max_cents=d.late_fee_max_cents,
            late_fee_rule=describe_rule(eff.rule, grace_days=eff.grace_days, rent_cents=lease.rent_cents),
            late_fee_rule_es=describe_rule(
                eff.rule, grace_days=eff.grace_days, rent_cents=lease.rent_cents, language="es"
            ),
            balance_now_cents=b.total_cents,
            plan_installments=_plan_installments(active_plan(session, lease.id)),
            lease_ends_on=lease.end_on
            if lease.end_on and ctx.today <= lease.end_on <= ctx.today + timedelta(days=60)
            else None,
            citation=lease_citation(ctx, account, "rent due date grace period late charges"),
        )


def _month_start(month: str) -> date:
    year, number = month.split("-")
    return date(int(year), int(number), 1)


# -- get_deposit ---------------------------------------------------------------------------------------


class DepositResult(ToolResult):
    lease_ended: bool = False
    """The resident has moved out or the lease term is over."""
    moved_out_on: date | None = None
    received_cents: int = 0
    """The security deposit the lease holds (received)."""
    received_on: date | None = None
    still_held_cents: int = 0
    """The part of the deposit not yet released or applied."""
    applied_cents: int = 0
    """The part of the deposit applied to the final account."""
    applied_on: date | None = None
    deductions: list[AppliedTo] = []
    """What the applied deposit paid, itemised: move-out charges, unpaid rent, fees."""
    refundable_cents: int = 0
    """What the account owes the resident back now (its credit), once the deposit was applied."""
    still_owed_cents: int = 0
    """What the resident still owes after the deposit was applied."""
    citation: Citation | None = None


def get_deposit(ctx: ResidentContext, _args: NoArgs) -> DepositResult:
    """The resident's security deposit: how much is held; after a move-out, what it was applied to
    (itemised deductions from the ledger) and what is refundable or still owed, with the lease clause."""
    with ctx.sessions() as session:
        account = load_account(session, ctx)
        if account is None:
            return DepositResult(ok=False, note=NO_RESIDENT)
        lease = account.lease
        entries = lease_entries(session, lease.id, as_of=ctx.today)
        citation = lease_citation(ctx, account, "security deposit refund deductions move-out")
    summary = summarize_balance(entries, ctx.today)
    received = [e for e in entries if e.kind is EntryKind.DEPOSIT and e.amount_cents > 0]
    applied = [e for e in entries if e.kind is EntryKind.CREDIT and e.charge_code == "deposit"]
    applications = credit_applications(entries, ctx.today)
    ended = lease.moved_out_on is not None or (lease.end_on is not None and lease.end_on < ctx.today)
    return DepositResult(
        lease_ended=ended,
        moved_out_on=lease.moved_out_on,
        received_cents=sum(e.amount_cents for e in received) or lease.deposit_cents,
        received_on=received[0].effective_on if received else None,
        still_held_cents=summary.deposit_held_cents,
        applied_cents=-sum(e.amount_cents for e in applied),
        applied_on=applied[0].effective_on if applied else None,
        deductions=[d for e in applied for d in _applied(applications.get(e.id, []))],
        refundable_cents=max(-summary.total_cents, 0) if ended else 0,
        still_owed_cents=max(summary.total_cents, 0) if ended else 0,
        citation=citation,
        note=None if received or lease.deposit_cents else "no security deposit is recorded on this lease",
    )


# -- get_payment_status --------------------------------------------------------------------------------


class PaymentStatusArgs(ToolArgs):
    amount_cents: int | None = Field(
        default=None, description="The payment's amount in cents, if the resident said."
    )
    on: date | None = Field(default=None, description="The day the resident paid, if they said.")


class PaymentLine(BaseModel):
    date: dt.date
    amount_cents: int
    method: str
    status: str
    cleared_on: dt.date | None = None
    returned_on: dt.date | None = None
    return_reason: str | None = None
    applied_to: list[AppliedTo] = []
    """The charges this payment paid, oldest first (empty while pending, or once failed or returned)."""


class PaymentStatusResult(ToolResult):
    payments: list[PaymentLine] = []
    matched: bool = False
    """True when a payment matches the amount or date the resident gave."""
    balance_cents: int | None = None
    """What the account owes now, after every counted payment (negative: a credit)."""


RETURN_REASONS = {
    "R01": "insufficient funds",
    "R02": "account closed",
    "R03": "no account found",
    "R04": "invalid account number",
    "R08": "payment stopped",
    "R10": "not authorized",
}


def get_payment_status(ctx: ResidentContext, args: PaymentStatusArgs) -> PaymentStatusResult:
    """The resident's payments in the last 60 days with their status: pending (ACH takes 2 business days to
    clear), succeeded, failed, or returned by the bank (with the reason)."""
    with ctx.sessions() as session:
        account = load_account(session, ctx)
        if account is None:
            return PaymentStatusResult(ok=False, note=NO_RESIDENT)
        since = ctx.today - timedelta(days=60)
        rows = session.scalars(
            _PAYMENTS_NEWEST_FIRST, {"lease_id": account.lease.id, "start": since, "end": ctx.today}
        ).all()
        entries = lease_entries(session, account.lease.id, as_of=ctx.today)
        entry_of: dict[int, int] = {
            payment_id: entry_id
            for payment_id, entry_id in session.execute(_PAYMENT_ENTRIES, {"lease_id": account.lease.id})
            if payment_id is not None
        }
    applications = credit_applications(entries, ctx.today)
    balance = summarize_balance(entries, ctx.today).total_cents
    lines = [
        PaymentLine(
            date=p.initiated_on,
            amount_cents=p.amount_cents,
            method=p.method,
            status=p.status,
            cleared_on=p.settled_on if p.status == "succeeded" else None,
            returned_on=p.returned_on,
            return_reason=RETURN_REASONS.get(p.return_code or "", p.return_code),
            applied_to=_applied(applications.get(entry_of.get(p.id, -1), []))
            if p.status == "succeeded"
            else [],
        )
        for p in rows
    ]
    wanted = [
        ln
        for ln in lines
        if (args.amount_cents is None or ln.amount_cents == args.amount_cents)
        and (args.on is None or abs((ln.date - args.on).days) <= 1)
    ]
    asked = args.amount_cents is not None or args.on is not None
    if asked and wanted:
        return PaymentStatusResult(payments=wanted, matched=True, balance_cents=balance)
    note = None
    if not lines:
        note = "no payments in the last 60 days"
    elif asked:
        note = "no payment matches that amount or date; these are the recent payments"
    return PaymentStatusResult(payments=lines[:6], matched=False, note=note, balance_cents=balance)


# -- explain_charge ------------------------------------------------------------------------------------


class ExplainChargeArgs(ToolArgs):
    amount_cents: int | None = Field(
        default=None, description="The charge's amount in cents, e.g. 7500 for $75."
    )
    kind: str | None = Field(
        default=None,
        description="rent, late_fee, nsf_fee, parking, pet, utility, cleaning, "
        "damage, key or deposit, if the resident named one.",
    )
    on: date | None = Field(default=None, description="The charge's date, if the resident gave one.")
    month: str | None = Field(
        default=None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM, for 'last month's fee'."
    )
    words: str | None = Field(
        default=None, max_length=200, description="The resident's own words for the charge."
    )


class ChargeExplanation(ToolResult):
    charge: LineItem | None = None
    still_open_cents: int = 0
    reason: str = ""
    """Why the charge exists: unpaid_on_late_day, partial_payment, returned_payment, monthly_rent, recurring,
    one_time."""
    rule: str | None = None
    rule_es: str | None = None
    due_on: date | None = None
    late_after: date | None = None
    related: list[LineItem] = []
    """The lines that caused it: the returned payment behind an NSF fee, the rent behind a late fee."""
    disputed: bool = False
    citation: Citation | None = None


_KIND_ALIASES = {
    "late_fee": {"late_fee"},
    "nsf_fee": {"nsf_fee", "nsf"},
    "rent": {"rent"},
    "parking": {"parking"},
    "pet": {"pet"},
    "utility": {"utility", "water"},
    "cleaning": {"cleaning"},
    "damage": {"damage"},
    "key": {"key"},
    "deposit": {"deposit"},
}
_WORD = re.compile(r"[a-z]{4,}")


def explain_charge(ctx: ResidentContext, args: ExplainChargeArgs) -> ChargeExplanation:
    """Find the charge the resident means (by amount, kind, date or their words) on their own ledger and
    explain it: the rule and lease clause that produced it and what triggered it."""
    with ctx.sessions() as session:
        account = load_account(session, ctx)
        if account is None:
            return ChargeExplanation(ok=False, note=NO_RESIDENT)
        entries = lease_entries(session, account.lease.id, as_of=ctx.today)
        rows = session.execute(_CHARGE_CODES, {"lease_id": account.lease.id})
        codes: dict[int, str | None] = {entry_id: code for entry_id, code in rows}
        charge = _best_match(entries, codes, args, ctx.today)
        if charge is None:
            return ChargeExplanation(
                ok=False,
                note="no charge on your ledger matches that; here is how to see "
                "all of them: ask for your recent activity",
            )
        summary = summarize_balance(entries, ctx.today)
        still_open = next((c.open_cents for c in summary.open_charges if c.entry.id == charge.id), 0)
        dispute = open_dispute(session, account.lease.id)
        explanation = _explain(ctx, account, charge, codes.get(charge.id), entries)
        return explanation.model_copy(
            update={
                "charge": _line(charge),
                "still_open_cents": still_open,
                "disputed": dispute is not None and dispute.entry_id == charge.id,
            }
        )


def _best_match(
    entries: list[Entry], codes: dict[int, str | None], args: ExplainChargeArgs, today: date
) -> Entry | None:
    charges = [e for e in entries if e.kind in CHARGE_KINDS and (today - e.effective_on).days <= 400]
    wanted_kinds = _KIND_ALIASES.get(args.kind or "", {args.kind} if args.kind else set())
    words = set(_WORD.findall((args.words or "").lower()))

    def score(e: Entry) -> tuple[int, date, int]:
        points = 0
        if args.amount_cents is not None and e.amount_cents == args.amount_cents:
            points += 4
        if wanted_kinds and (e.kind.value in wanted_kinds or (codes.get(e.id) or "") in wanted_kinds):
            points += 3
        if args.on is not None and abs((e.effective_on - args.on).days) <= 2:
            points += 2
        if args.month and e.effective_on.strftime("%Y-%m") == args.month:
            points += 2
        points += len(words & set(_WORD.findall(e.description.lower())))
        return points, e.effective_on, e.id

    if not charges:
        return None
    hinted = args.amount_cents is not None or bool(wanted_kinds) or args.on or args.month or words
    if not hinted:  # "what is this charge": the most recent charge other than the regular rent
        others = [e for e in charges if e.kind is not EntryKind.RENT and (codes.get(e.id) or "") != "utility"]
        return max(others or charges, key=lambda e: (e.effective_on, e.id))
    best = max(charges, key=score)
    return best if score(best)[0] > 0 else None


def _explain(
    ctx: ResidentContext, account: Account, charge: Entry, code: str | None, entries: list[Entry]
) -> ChargeExplanation:
    lease = account.lease
    if charge.kind is EntryKind.LATE_FEE:
        eff = effective_rule(
            lease_terms(lease).late_fee,
            grace_days=lease.grace_days,
            rent_cents=lease.rent_cents,
            jurisdiction=jurisdiction_for(account.property.state),
        )
        rent = max(
            (e for e in entries if e.kind is EntryKind.RENT and e.effective_on <= charge.effective_on),
            key=lambda e: e.effective_on,
            default=None,
        )
        due = rent.effective_on if rent else None
        late = first_late_day(due, eff.grace_days) if due else None
        paid_by_then = [
            e
            for e in entries
            if e.kind is EntryKind.PAYMENT
            and due
            and late
            and due - timedelta(days=10) <= e.effective_on < late
        ]
        reason = "partial_payment" if paid_by_then else "unpaid_on_late_day"
        return ChargeExplanation(
            reason=reason,
            rule=describe_rule(eff.rule, grace_days=eff.grace_days, rent_cents=lease.rent_cents),
            rule_es=describe_rule(
                eff.rule, grace_days=eff.grace_days, rent_cents=lease.rent_cents, language="es"
            ),
            due_on=due,
            late_after=late,
            related=[_line(e) for e in ([rent] if rent else []) + paid_by_then],
            citation=lease_citation(ctx, account, "late charges grace period late fee"),
        )
    if charge.kind is EntryKind.NSF_FEE:
        returned = [
            e
            for e in entries
            if e.kind is EntryKind.REVERSAL
            and e.amount_cents > 0
            and abs((e.effective_on - charge.effective_on).days) <= 3
        ]
        originals = [e for e in entries if any(r.reverses_id == e.id for r in returned)]
        return ChargeExplanation(
            reason="returned_payment",
            rule=f"the lease sets a {format_cents(lease.nsf_fee_cents)} fee for each returned payment",
            rule_es=f"el contrato fija un cargo de {format_cents(lease.nsf_fee_cents)} por pago devuelto",
            related=[_line(e) for e in originals + returned],
            citation=lease_citation(ctx, account, "returned payments NSF fee dishonored check"),
        )
    if charge.kind is EntryKind.RENT:
        return ChargeExplanation(
            reason="monthly_rent",
            citation=lease_citation(ctx, account, "rent amount due date"),
        )
    recurring = {c.code for c in lease.recurring_charges}
    if code in recurring:
        return ChargeExplanation(
            reason="recurring",
            citation=lease_citation(ctx, account, f"{code} charges"),
        )
    return ChargeExplanation(
        reason="one_time",
        citation=lease_citation(ctx, account, f"{code or 'damages'} charges resident responsibility"),
    )
