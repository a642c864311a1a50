"""The digest's pure functions: aging buckets, fees, plans, SLAs, expected collections, the sections."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from app.digest.build import (
    PORTFOLIO,
    RiskNote,
    build_digest,
    day_window,
    delinquency,
    escalation_sla,
    expected_collections,
    fees_posted,
    past_due_cents,
    plan_state,
    plans_summary,
    sla_state,
)
from app.digest.facts import (
    BalanceFact,
    DigestFacts,
    EscalationFact,
    FeeFact,
    InstallmentFact,
    PlanFact,
    PropertyFact,
)
from app.ledger.balance import summarize_balance
from app.ledger.types import Entry, EntryKind
from app.risk.model import Reason
from app.risk.scoring import LeaseRow, LeaseScore

AS_OF = date(2026, 11, 23)
PROPS = [
    PropertyFact("maple-court", "Maple Court", "Denise", "office@x", "America/Chicago"),
    PropertyFact("hudson-terrace", "Hudson Terrace", "Michael", "office@y", "America/New_York"),
]


def _lease(lease_id: int, code: str = "maple-court", *, status: str = "active") -> LeaseRow:
    return LeaseRow(
        lease_id=lease_id,
        ref=f"L{lease_id}",
        status=status,
        property_code=code,
        start_on=date(2024, 1, 1),
        end_on=None,
        moved_out_on=None,
        due_day=1,
        grace_days=3,
        monthly_cents=1_000_00,
        resident_ref=f"R{lease_id}",
        resident_name=f"Resident {lease_id}",
    )


def _charges(*ages_and_cents: tuple[int, int], paid: int = 0) -> list[Entry]:
    entries = [
        Entry(n, EntryKind.RENT, cents, AS_OF - timedelta(days=age), AS_OF - timedelta(days=age))
        for n, (age, cents) in enumerate(ages_and_cents, start=1)
    ]
    if paid:
        entries.append(
            Entry(99, EntryKind.PAYMENT, -paid, AS_OF - timedelta(days=1), AS_OF - timedelta(days=1))
        )
    return entries


def _balance(lease_id: int, entries: list[Entry], code: str = "maple-court") -> BalanceFact:
    return BalanceFact(_lease(lease_id, code), summarize_balance(entries, AS_OF))


def test_delinquency_buckets_open_charges_by_age_and_never_nets_one_account_against_another() -> None:
    owes = _balance(1, _charges((0, 100_00), (20, 200_00), (45, 300_00), (75, 400_00), (120, 500_00)))
    in_credit = _balance(2, _charges((20, 100_00), paid=900_00))
    d = delinquency([owes, in_credit])
    assert {line.bucket: line.cents for line in d.buckets} == {
        "0-30": 300_00,
        "31-60": 300_00,
        "61-90": 400_00,
        "90+": 500_00,
    }
    assert d.total_cents == 1_500_00 and d.leases == 1
    assert [line.leases for line in d.buckets] == [1, 1, 1, 1]
    assert d.largest[0].lease_ref == "L1" and d.largest[0].oldest_days == 120


def test_largest_accounts_are_the_biggest_balances_first() -> None:
    facts = [_balance(i, _charges((40, i * 100_00))) for i in range(1, 9)]
    d = delinquency(facts, top=3)
    assert [a.lease_ref for a in d.largest] == ["L8", "L7", "L6"]


def test_past_due_is_what_is_open_beyond_grace() -> None:
    summary = summarize_balance(_charges((2, 100_00), (10, 200_00)), AS_OF)
    assert past_due_cents(summary, grace_days=3) == 200_00


def test_fees_posted_net_of_fees_reversed() -> None:
    fees = [
        FeeFact("maple-court", "L1", "late_fee", 75_00, AS_OF, False),
        FeeFact("maple-court", "L2", "late_fee", 75_00, AS_OF, False),
        FeeFact("maple-court", "L3", "nsf_fee", 35_00, AS_OF, False),
        FeeFact("maple-court", "L2", "late_fee", -75_00, AS_OF, True),
    ]
    f = fees_posted(iter(fees))  # any iterable, read once
    assert (f.late_fees, f.late_fee_cents, f.nsf_fees, f.nsf_fee_cents) == (2, 150_00, 1, 35_00)
    assert (f.reversed, f.reversed_cents, f.net_cents) == (1, 75_00, 110_00)


def _plan(status: str, *installments: tuple[int, int, str], lease_id: int = 1) -> PlanFact:
    return PlanFact(
        plan_id=lease_id,
        property_code="maple-court",
        lease_id=lease_id,
        lease_ref=f"L{lease_id}",
        status=status,
        total_cents=sum(c for _, c, _ in installments),
        created_on=AS_OF - timedelta(days=40),
        installments=tuple(InstallmentFact(AS_OF + timedelta(days=d), c, s) for d, c, s in installments),
    )


def test_a_plan_is_broken_when_defaulted_or_missed_while_the_account_is_behind() -> None:
    missed = _plan("active", (-20, 300_00, "paid"), (-5, 300_00, "scheduled"), (10, 300_00, "scheduled"))
    assert plan_state(_plan("defaulted", (10, 100_00, "scheduled")), as_of=AS_OF, past_due=0) == "broken"
    assert plan_state(missed, as_of=AS_OF, past_due=600_00) == "broken"
    # Paid but never marked so: the account is no further behind than the plan still expects.
    assert plan_state(missed, as_of=AS_OF, past_due=300_00) == "on_track"
    on_time = _plan("active", (-20, 300_00, "paid"), (10, 300_00, "scheduled"))
    assert plan_state(on_time, as_of=AS_OF, past_due=900_00) == "on_track"


def test_plans_summary_counts_active_and_broken_and_what_is_left() -> None:
    plans = [
        _plan("active", (-20, 300_00, "paid"), (10, 300_00, "scheduled"), lease_id=1),
        _plan("active", (-5, 200_00, "scheduled"), (9, 200_00, "scheduled"), lease_id=2),
        _plan("defaulted", (-50, 100_00, "scheduled"), lease_id=3),
    ]
    p = plans_summary(plans, as_of=AS_OF, past_due={1: 0, 2: 400_00})
    assert (p.active, p.broken) == (1, 2)
    assert p.remaining_cents == 300_00 + 400_00
    assert [(b.lease_ref, b.missed) for b in p.broken_plans] == [("L2", 1), ("L3", 1)]


NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def _escalation(
    n: int,
    *,
    created: timedelta,
    sla: timedelta | None = timedelta(hours=2),
    reply: timedelta | None = None,
    resolved: timedelta | None = None,
    code: str | None = "maple-court",
) -> EscalationFact:
    at = NOW - created
    return EscalationFact(
        escalation_id=n,
        property_code=code,
        status="resolved" if resolved is not None else "open",
        priority="normal",
        reason="dispute",
        created_at=at,
        sla_due_at=at + sla if sla is not None else None,
        resolved_at=at + resolved if resolved is not None else None,
        first_staff_reply_at=at + reply if reply is not None else None,
    )


@pytest.mark.parametrize(
    ("escalation", "state"),
    [
        (_escalation(1, created=timedelta(hours=5)), "breached"),
        (_escalation(2, created=timedelta(hours=1)), "waiting"),
        (_escalation(3, created=timedelta(hours=5), reply=timedelta(hours=3)), "answered"),
        (_escalation(4, created=timedelta(hours=5), resolved=timedelta(hours=1)), "resolved"),
        (_escalation(5, created=timedelta(hours=5), sla=None), "no_sla"),
        (_escalation(6, created=timedelta(hours=5), reply=timedelta(hours=6)), "breached"),
    ],
)
def test_sla_state_at_a_moment(escalation: EscalationFact, state: str) -> None:
    assert sla_state(escalation, at=NOW) == state


def test_escalations_against_sla_over_a_period() -> None:
    escalations = [
        _escalation(1, created=timedelta(hours=5)),
        _escalation(2, created=timedelta(hours=1)),
        _escalation(3, created=timedelta(days=3), resolved=timedelta(days=1)),
        _escalation(4, created=timedelta(days=20), resolved=timedelta(days=1)),  # resolved before the period
        _escalation(5, created=timedelta(hours=-2)),  # opened after the moment asked about
    ]
    sla = escalation_sla(escalations, start=NOW - timedelta(days=7), end=NOW)
    assert (sla.open, sla.breached, sla.waiting, sla.opened, sla.resolved) == (2, 1, 1, 3, 1)


def test_a_day_window_is_the_property_s_local_day() -> None:
    start, end = day_window(date(2026, 11, 17), AS_OF, "America/New_York")
    assert start.astimezone(UTC) == datetime(2026, 11, 17, 5, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 11, 24, 5, 0, tzinfo=UTC)


def _score(
    lease_id: int, risk_bp: int, due: date, cents: int = 1_000_00, code: str = "maple-court"
) -> LeaseScore:
    return LeaseScore(
        lease_id=lease_id,
        lease_ref=f"L{lease_id}",
        property_code=code,
        resident_ref=f"R{lease_id}",
        resident_name=None,
        probability=risk_bp / 10_000,
        risk_bp=risk_bp,
        band="high" if risk_bp >= 5_000 else ("medium" if risk_bp >= 2_000 else "low"),
        history_months=12,
        next_due_on=due,
        next_due_cents=cents,
        reasons=[
            Reason(
                feature="late_share", text="late in 6 of the last 12 months", effect=1.0, direction="raises"
            )
        ],
    )


def test_expected_collections_weight_rent_by_the_chance_of_paying_on_time() -> None:
    leases = [
        _lease(1),
        replace(_lease(2), monthly_cents=1_333_33),
        _lease(3),
        replace(_lease(4), due_day=28),  # next due Nov 28: inside the window
        replace(_lease(5), moved_out_on=date(2026, 11, 28)),  # moving out before its next rent
        replace(_lease(8), end_on=date(2026, 11, 30)),  # past its end date without a move-out: month to month
        _lease(6, status="ended"),
    ]
    risk = {1: 0, 2: 2_500, 3: 10_000, 4: 5_000}
    plans = [
        _plan("active", (5, 300_00, "scheduled"), (40, 300_00, "scheduled"), (-3, 300_00, "paid")),
        _plan("defaulted", (5, 999_00, "scheduled"), lease_id=7),
    ]
    window = {"start": AS_OF, "end": AS_OF + timedelta(days=29)}
    x = expected_collections(leases, plans, **window, risk_bp=risk)
    assert (x.leases_due, x.rent_due_cents) == (5, 5_333_33)
    assert x.expected_rent_cents == 1_000_00 + 1_333_33 * 7_500 // 10_000 + 0 + 500_00 + 1_000_00
    assert x.rent_at_risk_cents == x.rent_due_cents - x.expected_rent_cents
    assert (x.installments, x.installments_cents) == (1, 300_00)
    assert x.expected_total_cents == x.expected_rent_cents + 300_00 and x.risk_weighted
    full = expected_collections(leases, plans, **window, risk_bp=None)
    assert full.expected_rent_cents == full.rent_due_cents and not full.risk_weighted
    short = expected_collections(leases, plans, start=AS_OF, end=AS_OF + timedelta(days=6), risk_bp=risk)
    assert short.leases_due == 1  # only the lease due on the 28th


def _facts() -> DigestFacts:
    return DigestFacts(
        as_of=AS_OF,
        period_start=AS_OF - timedelta(days=6),
        properties=PROPS,
        leases=[_lease(1), _lease(2, "hudson-terrace"), _lease(3, status="ended")],
        balances=[
            _balance(1, _charges((40, 500_00))),
            _balance(2, _charges((10, 200_00)), "hudson-terrace"),
        ],
        fees=[FeeFact("hudson-terrace", "L2", "late_fee", 50_00, AS_OF, False)],
        plans=[],
        escalations=[_escalation(1, created=timedelta(hours=5), code=None)],
        scores=[
            _score(1, 9_000, date(2026, 12, 1)),
            _score(2, 100, date(2026, 12, 1), code="hudson-terrace"),
        ],
    )


def test_the_digest_has_a_section_per_property_and_the_portfolio() -> None:
    digest = build_digest(
        _facts(),
        property_code=None,
        horizon_days=30,
        risk=RiskNote(available=True),
        default_timezone="UTC",
        now=NOW,
    )
    assert [p.code for p in digest.properties] == ["maple-court", "hudson-terrace"]
    assert digest.portfolio is not None and digest.portfolio.code == PORTFOLIO
    maple, hudson = digest.properties
    assert (maple.active_leases, maple.delinquency.total_cents, maple.fees.late_fees) == (1, 500_00, 0)
    assert (hudson.delinquency.total_cents, hudson.fees.late_fee_cents) == (200_00, 50_00)
    assert digest.portfolio.delinquency.total_cents == 700_00
    # An escalation that names no lease is the portfolio's alone.
    assert (maple.escalations.open, hudson.escalations.open, digest.portfolio.escalations.breached) == (
        0,
        0,
        1,
    )
    assert [r.lease_ref for r in maple.riskiest] == ["L1"] and hudson.riskiest == []
    assert digest.horizon_end == AS_OF + timedelta(days=29)


def test_one_property_has_no_portfolio_section() -> None:
    digest = build_digest(
        _facts(),
        property_code="hudson-terrace",
        horizon_days=7,
        risk=RiskNote(available=False, note="no model"),
        default_timezone="UTC",
        now=NOW,
    )
    assert [p.code for p in digest.properties] == ["hudson-terrace"] and digest.portfolio is None
    assert digest.properties[0].expected.leases_due == 0  # Dec 1 is past a 7-day horizon
    wider = build_digest(
        _facts(),
        property_code="hudson-terrace",
        horizon_days=10,
        risk=RiskNote(available=False, note="no model"),
        default_timezone="UTC",
        now=NOW,
    )
    assert wider.properties[0].expected.expected_rent_cents == 1_000_00  # in full: no model
