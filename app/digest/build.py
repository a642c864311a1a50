"""The digest, built from plain facts by pure functions: no database, no clock.

Sections, per property (and for the whole portfolio when more than one is shown):
- delinquency: open charges by age (0-30, 31-60, 61-90, 90+ days past due), and the largest accounts;
- fees posted in the period (late and returned-payment fees, less fees reversed);
- payment plans active and broken (defaulted, or an installment missed while the account is behind);
- escalations against their SLA: open, breached (no staff answer by the SLA), opened and resolved;
- expected collections over the coming days: scheduled installments, plus each lease's next rent
  weighted by the chance it is paid on time (1 - its risk score).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from app.digest.facts import BalanceFact, DigestFacts, EscalationFact, FeeFact, PlanFact, PropertyFact
from app.ledger.balance import BalanceSummary
from app.ledger.types import AgingBucket, EntryKind
from app.risk.history import next_due_on
from app.risk.scoring import LeaseRow, LeaseScore

BUCKETS = ("0-30", "31-60", "61-90", "90+")
_BUCKET = {
    AgingBucket.CURRENT: "0-30",
    AgingBucket.DAYS_1_30: "0-30",
    AgingBucket.DAYS_31_60: "31-60",
    AgingBucket.DAYS_61_90: "61-90",
    AgingBucket.DAYS_90_PLUS: "90+",
}
TOP = 5
PORTFOLIO = "all"

SlaState = Literal["resolved", "answered", "breached", "waiting", "no_sla"]
PlanState = Literal["on_track", "broken"]


class AgingLine(BaseModel):
    bucket: str
    cents: int
    leases: int
    """Leases with something open in this bucket."""


class DelinquentAccount(BaseModel):
    lease_ref: str
    resident_ref: str | None
    resident_name: str | None
    open_cents: int
    oldest_days: int
    """Days past due of its oldest open charge."""
    lease_status: str


class Delinquency(BaseModel):
    total_cents: int
    leases: int
    buckets: list[AgingLine]
    largest: list[DelinquentAccount]


class FeesPosted(BaseModel):
    late_fees: int
    late_fee_cents: int
    nsf_fees: int
    nsf_fee_cents: int
    reversed: int
    reversed_cents: int
    """What reversals of such fees took back (a positive amount)."""
    net_cents: int


class PlanLine(BaseModel):
    lease_ref: str
    status: str
    total_cents: int
    remaining_cents: int
    missed: int
    """Installments due before the day and not marked paid."""


class Plans(BaseModel):
    active: int
    """Active plans on track."""
    remaining_cents: int
    """What active plans (on track or not) still have to collect."""
    broken: int
    broken_plans: list[PlanLine]


class EscalationSla(BaseModel):
    open: int
    breached: int
    """Open, not yet answered by staff, and past the SLA."""
    waiting: int
    """Open, not yet answered, still within the SLA."""
    opened: int
    resolved: int
    """Resolved in the period."""


class RiskLine(BaseModel):
    lease_ref: str
    resident_ref: str | None
    resident_name: str | None
    probability: float
    risk_bp: int
    band: str
    next_due_on: date
    next_due_cents: int
    reasons: list[str]


class ExpectedCollections(BaseModel):
    start: date
    end: date
    leases_due: int
    rent_due_cents: int
    """Every active lease's scheduled monthly charges that fall due in the window."""
    expected_rent_cents: int
    """`rent_due_cents` weighted by each lease's chance of paying on time."""
    rent_at_risk_cents: int
    installments: int
    installments_cents: int
    expected_total_cents: int
    risk_weighted: bool
    """False when no risk model could be trained: rent is then counted in full."""


class PropertyDigest(BaseModel):
    code: str
    name: str
    manager_name: str
    active_leases: int
    delinquency: Delinquency
    fees: FeesPosted
    plans: Plans
    escalations: EscalationSla
    expected: ExpectedCollections
    riskiest: list[RiskLine]
    """The active leases likeliest to pay their next rent late (high band first)."""


class RiskNote(BaseModel):
    available: bool
    model_key: str | None = None
    holdout_auc: float | None = None
    holdout_brier: float | None = None
    note: str = ""


class Digest(BaseModel):
    as_of: date
    period_start: date
    period_end: date
    horizon_end: date
    risk: RiskNote
    properties: list[PropertyDigest]
    portfolio: PropertyDigest | None
    """Every property together, when the digest covers more than one."""


# -- delinquency ------------------------------------------------------------------------------------


def delinquency(balances: Iterable[BalanceFact], *, top: int = TOP) -> Delinquency:
    """Open charges by age bucket. Credits on one account never offset another's debt."""
    cents = dict.fromkeys(BUCKETS, 0)
    leases = dict.fromkeys(BUCKETS, 0)
    accounts: list[DelinquentAccount] = []
    for fact in balances:
        s = fact.summary
        if not s.open_charges:
            continue
        seen: set[str] = set()
        for charge in s.open_charges:
            bucket = _BUCKET[charge.bucket]
            cents[bucket] += charge.open_cents
            seen.add(bucket)
        for bucket in seen:
            leases[bucket] += 1
        accounts.append(
            DelinquentAccount(
                lease_ref=fact.lease.ref,
                resident_ref=fact.lease.resident_ref,
                resident_name=fact.lease.resident_name,
                open_cents=s.charged_cents,
                oldest_days=max(c.days_past_due for c in s.open_charges),
                lease_status=fact.lease.status,
            )
        )
    accounts.sort(key=lambda a: (-a.open_cents, a.lease_ref))
    return Delinquency(
        total_cents=sum(cents.values()),
        leases=len(accounts),
        buckets=[AgingLine(bucket=b, cents=cents[b], leases=leases[b]) for b in BUCKETS],
        largest=accounts[:top],
    )


def past_due_cents(summary: BalanceSummary, *, grace_days: int) -> int:
    """What is open past its grace period (what a late fee or a missed installment is about)."""
    return sum(c.open_cents for c in summary.open_charges if c.days_past_due > grace_days)


# -- fees -------------------------------------------------------------------------------------------


def fees_posted(fees: Iterable[FeeFact]) -> FeesPosted:
    posted = list(fees)
    late = [f for f in posted if not f.reversal and f.kind == EntryKind.LATE_FEE.value]
    nsf = [f for f in posted if not f.reversal and f.kind == EntryKind.NSF_FEE.value]
    back = [f for f in posted if f.reversal]
    late_cents = sum(f.amount_cents for f in late)
    nsf_cents = sum(f.amount_cents for f in nsf)
    reversed_cents = -sum(f.amount_cents for f in back)
    return FeesPosted(
        late_fees=len(late),
        late_fee_cents=late_cents,
        nsf_fees=len(nsf),
        nsf_fee_cents=nsf_cents,
        reversed=len(back),
        reversed_cents=reversed_cents,
        net_cents=late_cents + nsf_cents - reversed_cents,
    )


# -- payment plans ----------------------------------------------------------------------------------


def missed_installments(plan: PlanFact, *, as_of: date) -> int:
    return sum(1 for i in plan.installments if i.due_on < as_of and i.status != "paid")


def remaining_cents(plan: PlanFact) -> int:
    return sum(i.amount_cents for i in plan.installments if i.status != "paid")


def plan_state(plan: PlanFact, *, as_of: date, past_due: int) -> PlanState:
    """Broken: defaulted, or an installment missed while the account owes more past due than the plan
    still has to collect (an installment paid but never marked so leaves the account caught up)."""
    if plan.status == "defaulted":
        return "broken"
    if missed_installments(plan, as_of=as_of) and past_due > _still_to_come(plan, as_of=as_of):
        return "broken"
    return "on_track"


def _still_to_come(plan: PlanFact, *, as_of: date) -> int:
    return sum(i.amount_cents for i in plan.installments if i.due_on >= as_of and i.status != "paid")


def plans_summary(plans: Iterable[PlanFact], *, as_of: date, past_due: Mapping[int, int]) -> Plans:
    """`past_due`: each lease's past-due cents (`past_due_cents`)."""
    active = 0
    remaining = 0
    broken: list[PlanLine] = []
    for plan in plans:
        if plan.status == "active":
            remaining += remaining_cents(plan)
        if plan_state(plan, as_of=as_of, past_due=past_due.get(plan.lease_id, 0)) == "broken":
            broken.append(
                PlanLine(
                    lease_ref=plan.lease_ref,
                    status=plan.status,
                    total_cents=plan.total_cents,
                    remaining_cents=remaining_cents(plan),
                    missed=missed_installments(plan, as_of=as_of),
                )
            )
        elif plan.status == "active":
            active += 1
    return Plans(active=active, remaining_cents=remaining, broken=len(broken), broken_plans=broken)


# -- escalations ------------------------------------------------------------------------------------


def sla_state(e: EscalationFact, *, at: datetime) -> SlaState:
    """Where an escalation stood at `at` (it existed by then): resolved; answered by staff; breached
    (no answer and past its SLA); waiting (no answer, within its SLA); no SLA set."""
    if e.resolved_at is not None and e.resolved_at <= at:
        return "resolved"
    if e.first_staff_reply_at is not None and e.first_staff_reply_at <= at:
        return "answered"
    if e.sla_due_at is None:
        return "no_sla"
    return "breached" if e.sla_due_at < at else "waiting"


def escalation_sla(escalations: Iterable[EscalationFact], *, start: datetime, end: datetime) -> EscalationSla:
    """Escalations against their SLA at `end`, and those opened and resolved from `start` to `end`."""
    states: list[SlaState] = []
    opened = resolved = 0
    for e in escalations:
        if e.created_at > end:
            continue
        opened += e.created_at >= start
        state = sla_state(e, at=end)
        resolved += state == "resolved" and e.resolved_at is not None and e.resolved_at >= start
        states.append(state)
    return EscalationSla(
        open=sum(s != "resolved" for s in states),
        breached=states.count("breached"),
        waiting=states.count("waiting"),
        opened=opened,
        resolved=resolved,
    )


def day_window(start: date, end: date, timezone: str) -> tuple[datetime, datetime]:
    """From the start of `start` to the end of `end` (the next midnight), in a property's time zone."""
    tz = ZoneInfo(timezone)
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


# -- expected collections ---------------------------------------------------------------------------


def expected_collections(
    leases: Iterable[LeaseRow],
    plans: Iterable[PlanFact],
    *,
    start: date,
    end: date,
    risk_bp: Mapping[int, int] | None,
) -> ExpectedCollections:
    """What should come in from `start` to `end`: each lease active on `start` whose next due date falls
    in the window (and before any move-out on record: a lease past its end date without one is still
    charged, month to month) brings its scheduled monthly charges, weighted by its chance of
    paying on time (integer cents: `cents * (10,000 - risk_bp) // 10,000`; in full when `risk_bp` is
    None, i.e. no model); active plans' unpaid installments due in the window count in full."""
    due: list[LeaseRow] = []
    for lease in leases:
        on = next_due_on(lease.due_day, as_of=start)
        if lease.active_on(start) and on <= end and (lease.moved_out_on is None or on < lease.moved_out_on):
            due.append(lease)
    rent = sum(lease.monthly_cents for lease in due)
    expected = sum(
        lease.monthly_cents * (10_000 - risk_bp.get(lease.lease_id, 0)) // 10_000
        if risk_bp is not None
        else lease.monthly_cents
        for lease in due
    )
    parts = [
        i
        for p in plans
        if p.status == "active"
        for i in p.installments
        if i.status != "paid" and start <= i.due_on <= end
    ]
    installments = sum(i.amount_cents for i in parts)
    return ExpectedCollections(
        start=start,
        end=end,
        leases_due=len(due),
        rent_due_cents=rent,
        expected_rent_cents=expected,
        rent_at_risk_cents=rent - expected,
        installments=len(parts),
        installments_cents=installments,
        expected_total_cents=expected + installments,
        risk_weighted=risk_bp is not None,
    )


def riskiest(scores: Iterable[LeaseScore], *, top: int = TOP) -> list[RiskLine]:
    """The `top` leases likeliest to be late, among those scored medium or high."""
    ranked = sorted((s for s in scores if s.band != "low"), key=lambda s: (-s.risk_bp, s.lease_ref))
    return [
        RiskLine(
            lease_ref=s.lease_ref,
            resident_ref=s.resident_ref,
            resident_name=s.resident_name,
            probability=s.probability,
            risk_bp=s.risk_bp,
            band=s.band,
            next_due_on=s.next_due_on,
            next_due_cents=s.next_due_cents,
            reasons=[r.text for r in s.reasons],
        )
        for s in ranked[:top]
    ]


# -- the whole digest -------------------------------------------------------------------------------


def build_digest(
    facts: DigestFacts,
    *,
    property_code: str | None,
    horizon_days: int,
    risk: RiskNote,
    default_timezone: str,
    now: datetime,
) -> Digest:
    """The digest of one property (`property_code`) or of every property, each with its own section, and
    the portfolio's when there is more than one. Escalations are judged at the end of the day in each
    property's time zone, or at `now` while that day is not over."""
    shown = [p for p in facts.properties if property_code is None or p.code == property_code]
    horizon_end = facts.as_of + timedelta(days=horizon_days - 1)
    windows = {
        p.code: _until(day_window(facts.period_start, facts.as_of, p.timezone), now) for p in facts.properties
    }
    default_window = _until(day_window(facts.period_start, facts.as_of, default_timezone), now)

    def section(prop: PropertyFact | None) -> PropertyDigest:
        def mine(code: str | None) -> bool:
            return prop is None or code == prop.code

        balances = [b for b in facts.balances if mine(b.lease.property_code)]
        past_due = {
            b.lease.lease_id: past_due_cents(b.summary, grace_days=b.lease.grace_days) for b in balances
        }
        plans = [p for p in facts.plans if mine(p.property_code)]
        scores = [s for s in facts.scores if mine(s.property_code)]
        escalations = [e for e in facts.escalations if mine(e.property_code)]
        return PropertyDigest(
            code=prop.code if prop else PORTFOLIO,
            name=prop.name if prop else "All properties",
            manager_name=prop.manager_name if prop else "",
            active_leases=sum(
                1 for lease in facts.leases if mine(lease.property_code) and lease.active_on(facts.as_of)
            ),
            delinquency=delinquency(balances),
            fees=fees_posted(f for f in facts.fees if mine(f.property_code)),
            plans=plans_summary(plans, as_of=facts.as_of, past_due=past_due),
            escalations=_sla_by_property(escalations, windows, default_window),
            expected=expected_collections(
                [lease for lease in facts.leases if mine(lease.property_code)],
                plans,
                start=facts.as_of,
                end=horizon_end,
                risk_bp={s.lease_id: s.risk_bp for s in scores} if risk.available else None,
            ),
            riskiest=riskiest(scores),
        )

    return Digest(
        as_of=facts.as_of,
        period_start=facts.period_start,
        period_end=facts.as_of,
        horizon_end=horizon_end,
        risk=risk,
        properties=[section(p) for p in shown],
        portfolio=section(None) if property_code is None and len(shown) > 1 else None,
    )


def _until(window: tuple[datetime, datetime], now: datetime) -> tuple[datetime, datetime]:
    start, end = window
    return start, max(start, min(end, now))


def _sla_by_property(
    escalations: Sequence[EscalationFact],
    windows: Mapping[str, tuple[datetime, datetime]],
    default: tuple[datetime, datetime],
) -> EscalationSla:
    """Each escalation judged in its own property's day (the portfolio's for one with no property)."""
    parts = [
        escalation_sla(
            [e for e in escalations if (e.property_code or "") == code],
            start=windows.get(code or "", default)[0],
            end=windows.get(code or "", default)[1],
        )
        for code in sorted({e.property_code or "" for e in escalations})
    ]
    return EscalationSla(
        open=sum(p.open for p in parts),
        breached=sum(p.breached for p in parts),
        waiting=sum(p.waiting for p in parts),
        opened=sum(p.opened for p in parts),
        resolved=sum(p.resolved for p in parts),
    )
