"""The ledger facts behind the offline planner's answers: what a payment paid, where a credit came from,
the deposit after a move-out, paying on a given day, the lease end, and plans on the resident's terms."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.accounts import account_balance, current_lease, find_resident
from tests.support.databases import DEMO_AS_OF, Database
from tools.context import ResidentContext
from tools.lease import LeaseTermsArgs, get_lease_terms
from tools.ledger import (
    NextDueArgs,
    NoArgs,
    PaymentStatusArgs,
    get_balance,
    get_deposit,
    get_next_due,
    get_payment_status,
)
from tools.plans import ProposePlanArgs, RequestedInstallment, propose_payment_plan

pytestmark = pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)


def ctx_for(db: Database, persona: str, today: date = DEMO_AS_OF) -> ResidentContext:
    with db.sessions() as s:
        resident = find_resident(s, db.report.personas[persona].split(",")[0])  # type: ignore[union-attr]
    return ResidentContext(resident_id=resident.id, sessions=db.sessions, today=today)


def lease_end(db: Database, persona: str) -> date:
    with db.sessions() as s:
        resident = find_resident(s, db.report.personas[persona])  # type: ignore[union-attr]
        end = current_lease(s, resident, as_of=DEMO_AS_OF).end_on
    assert end is not None
    return end


def test_a_cleared_payment_lists_the_charges_it_paid(demo_db: Database) -> None:
    result = get_payment_status(ctx_for(demo_db, "on_time"), PaymentStatusArgs())
    latest = result.payments[0]
    assert latest.status == "succeeded"
    assert sum(a.amount_cents for a in latest.applied_to) == latest.amount_cents
    assert latest.applied_to[0].description == "Rent - November 2026"
    assert result.balance_cents == 0


def test_a_pending_payment_has_paid_nothing_yet(demo_db: Database) -> None:
    result = get_payment_status(ctx_for(demo_db, "pending_payment"), PaymentStatusArgs())
    pending = [p for p in result.payments if p.status == "pending"]
    assert pending and all(p.applied_to == [] for p in pending)
    assert result.balance_cents is not None and result.balance_cents > 0


def test_a_credit_balance_names_the_concession_behind_it(demo_db: Database) -> None:
    result = get_balance(ctx_for(demo_db, "credit"), NoArgs())
    assert result.total_cents == -150_00
    assert [(c.kind, c.description, c.open_cents) for c in result.credit_sources] == [
        ("credit", "Concession: resident referral credit", 150_00)
    ]


def test_a_balance_that_is_owed_has_no_credit_sources(demo_db: Database) -> None:
    assert get_balance(ctx_for(demo_db, "delinquent"), NoArgs()).credit_sources == []


def test_after_a_move_out_the_deposit_is_itemised(demo_db: Database) -> None:
    result = get_deposit(ctx_for(demo_db, "moved_out"), NoArgs())
    assert result.lease_ended and result.received_cents == 500_00 and result.applied_cents == 500_00
    assert [(d.description, d.amount_cents) for d in result.deductions] == [
        ("Move-out cleaning", 175_00),
        ("Wall repair, bedroom (move-out inspection)", 240_00),
    ]
    assert result.refundable_cents == 85_00 and result.still_owed_cents == 0


def test_a_current_residents_deposit_is_held(demo_db: Database) -> None:
    result = get_deposit(ctx_for(demo_db, "on_time"), NoArgs())
    assert not result.lease_ended and result.received_cents > 0
    assert result.still_held_cents == result.received_cents and result.deductions == []


@pytest.mark.parametrize(
    ("pay_on", "late", "fee"),
    [(date(2026, 12, 4), False, 0), (date(2026, 12, 5), True, 75_00), (date(2026, 12, 6), True, 75_00)],
)
def test_paying_on_a_day_says_whether_it_is_late(
    demo_db: Database, pay_on: date, late: bool, fee: int
) -> None:
    result = get_lease_terms(ctx_for(demo_db, "on_time"), LeaseTermsArgs(pay_on=pay_on))
    check = result.pay_on_check
    assert check is not None and check.due_on == date(2026, 12, 1)
    assert check.late is late and check.fee_cents == fee and check.last_on_time == date(2026, 12, 4)


def test_a_day_before_the_due_day_counts_against_last_months_rent_while_it_is_owed(demo_db: Database) -> None:
    result = get_lease_terms(
        ctx_for(demo_db, "delinquent:aspen-ridge"), LeaseTermsArgs(pay_on=date(2026, 12, 3))
    )
    check = result.pay_on_check
    assert check is not None and check.due_on == date(2026, 11, 5) and check.late


@pytest.mark.parametrize(("persona", "already"), [("delinquent", True), ("on_time", False)])
def test_a_rent_whose_last_on_time_day_has_passed_says_no_day_avoids_the_fee(
    demo_db: Database, persona: str, already: bool
) -> None:
    """ "i can pay on the 30th" on Nov 23 with November unpaid: "paying by Nov 4 avoids it" helps no one."""
    check = get_lease_terms(ctx_for(demo_db, persona), LeaseTermsArgs(pay_on=date(2026, 11, 30))).pay_on_check
    assert check is not None and check.late is already and check.already_late is already


@pytest.mark.parametrize(
    ("persona", "pay_on", "due_on"),
    [
        ("on_time:aspen-ridge", date(2026, 12, 3), date(2026, 12, 5)),
        ("on_time", date(2026, 11, 27), date(2026, 12, 1)),
    ],
)
def test_with_nothing_owed_a_day_before_the_due_day_pays_the_next_rent_early(
    demo_db: Database, persona: str, pay_on: date, due_on: date
) -> None:
    check = get_lease_terms(ctx_for(demo_db, persona), LeaseTermsArgs(pay_on=pay_on)).pay_on_check
    assert check is not None and check.due_on == due_on
    assert not check.late and check.fee_cents == 0


def test_a_month_after_the_lease_ends_has_no_rent(demo_db: Database) -> None:
    ctx = ctx_for(demo_db, "credit:aspen-ridge")  # the lease ends 2026-12-31
    january = get_next_due(ctx, NextDueArgs(month="2027-01"))
    assert january.ok and january.no_rent_after_end and january.due_on is None
    assert january.lease_ends_on == date(2026, 12, 31)
    december = get_next_due(ctx, NextDueArgs(month="2026-12"))
    assert december.due_on is not None and not december.no_rent_after_end


def test_no_rent_is_due_after_the_lease_ends(demo_db: Database) -> None:
    end = lease_end(demo_db, "on_time")
    ctx = ctx_for(demo_db, "on_time", today=end - timedelta(days=3))
    due = get_next_due(ctx, NextDueArgs())
    assert due.ok and due.due_on is None and due.no_rent_after_end and due.lease_ends_on == end
    assert get_lease_terms(ctx, LeaseTermsArgs()).examples == []
    with demo_db.sessions() as s:
        resident = find_resident(s, demo_db.report.personas["on_time"])  # type: ignore[union-attr]
        assert account_balance(s, resident=resident, as_of=ctx.today).next_due is None


def test_rent_is_due_while_the_lease_runs(demo_db: Database) -> None:
    end = lease_end(demo_db, "on_time")
    due = get_next_due(ctx_for(demo_db, "on_time", today=end - timedelta(days=40)), NextDueArgs())
    assert due.due_on is not None and due.due_on <= end and not due.no_rent_after_end


def test_a_plan_on_the_residents_terms_is_proposed_as_asked(demo_db: Database) -> None:
    asked = [
        RequestedInstallment(amount_cents=2_000_00, due_on=DEMO_AS_OF),
        RequestedInstallment(due_on=date(2026, 12, 1)),
    ]
    result = propose_payment_plan(ctx_for(demo_db, "delinquent"), ProposePlanArgs(requested=asked))
    assert result.eligible and result.as_requested and result.policy_rules_broken == []
    assert [(i.due_on, i.amount_cents) for i in result.installments] == [
        (DEMO_AS_OF, 2_000_00),
        (date(2026, 12, 1), result.balance_cents - 2_000_00),
    ]


def test_terms_below_the_down_payment_get_the_nearest_allowed_plan(demo_db: Database) -> None:
    asked = [RequestedInstallment(amount_cents=500_00, due_on=DEMO_AS_OF), RequestedInstallment()]
    result = propose_payment_plan(ctx_for(demo_db, "delinquent"), ProposePlanArgs(requested=asked))
    assert result.eligible and not result.as_requested and result.policy_rules_broken == ["min_down"]
    assert result.requested[0].amount_cents == 500_00
    assert result.installments[0].amount_cents == result.min_down_cents > 500_00
    assert sum(i.amount_cents for i in result.installments) == result.balance_cents
