from __future__ import annotations

from datetime import date

import pytest

from app.accounts import account_balance, find_resident
from tests.support.databases import DEMO_AS_OF, Database
from tools.context import ResidentContext
from tools.escalation import EscalateArgs, EscalationReason, escalate
from tools.lease import LeaseTermsArgs, get_lease_terms
from tools.ledger import (
    ActivityArgs,
    ExplainChargeArgs,
    NextDueArgs,
    NoArgs,
    PaymentStatusArgs,
    explain_charge,
    get_balance,
    get_next_due,
    get_payment_status,
    get_recent_activity,
)
from tools.plans import ProposePlanArgs, propose_payment_plan
from tools.registry import TOOLS

pytestmark = pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)


def ctx_for(db: Database, persona: str) -> ResidentContext:
    with db.sessions() as s:
        resident = find_resident(s, db.report.personas[persona].split(",")[0])  # type: ignore[union-attr]
    return ResidentContext(resident_id=resident.id, sessions=db.sessions, today=DEMO_AS_OF)


def test_no_tool_takes_an_identity_argument(demo_db: Database) -> None:
    for spec in TOOLS.values():
        fields = set(spec.args.model_fields)
        assert not fields & {"resident_id", "resident", "lease_id", "unit", "unit_id", "property", "email"}, (
            spec.name
        )


def test_each_resident_sees_only_their_own_balance(demo_db: Database) -> None:
    a, b = (
        get_balance(ctx_for(demo_db, "delinquent"), NoArgs()),
        get_balance(ctx_for(demo_db, "credit"), NoArgs()),
    )
    with demo_db.sessions() as s:
        for persona, result in (("delinquent", a), ("credit", b)):
            expected = account_balance(
                s,
                resident=find_resident(s, demo_db.report.personas[persona]),  # type: ignore[union-attr]
                as_of=DEMO_AS_OF,
            )
            assert result.total_cents == expected.total_cents
    assert a.total_cents > 0 > b.total_cents


def test_without_a_signed_in_resident_tools_say_so(demo_db: Database) -> None:
    ctx = ResidentContext(resident_id=None, sessions=demo_db.sessions, today=DEMO_AS_OF)
    result = get_balance(ctx, NoArgs())
    assert not result.ok and "signed in" in (result.note or "")


def test_explain_the_nsf_fee_names_the_returned_payment(demo_db: Database) -> None:
    result = explain_charge(ctx_for(demo_db, "nsf"), ExplainChargeArgs(kind="nsf_fee"))
    assert result.ok and result.charge is not None and result.charge.kind == "nsf_fee"
    assert result.reason == "returned_payment"
    assert [line.kind for line in result.related] == ["payment", "reversal"]


def test_explain_the_disputed_charge_says_it_is_disputed(demo_db: Database) -> None:
    result = explain_charge(ctx_for(demo_db, "disputed"), ExplainChargeArgs(amount_cents=185_00))
    assert result.charge is not None and "Carpet cleaning" in result.charge.description
    assert result.disputed and result.still_open_cents == 185_00


def test_explain_a_late_fee_gives_the_rule_and_dates(demo_db: Database) -> None:
    result = explain_charge(ctx_for(demo_db, "delinquent"), ExplainChargeArgs(kind="late_fee"))
    assert result.charge is not None and result.charge.kind == "late_fee"
    assert result.due_on is not None and result.late_after is not None and result.late_after > result.due_on
    assert result.rule and "late fee" in result.rule


def test_next_due_and_lease_terms_agree(demo_db: Database) -> None:
    ctx = ctx_for(demo_db, "on_time:aspen-ridge")
    due, terms = get_next_due(ctx, NextDueArgs()), get_lease_terms(ctx, LeaseTermsArgs())
    assert due.due_on == date(2026, 12, 5) and terms.due_day == 5
    assert due.late_fee_cents == terms.examples[0].fee_cents == 35_00
    assert due.late_fee_max_cents == 75_00


def test_payment_status_reports_pending_ach(demo_db: Database) -> None:
    result = get_payment_status(ctx_for(demo_db, "pending_payment"), PaymentStatusArgs())
    assert any(p.status == "pending" for p in result.payments)


def test_activity_for_a_month(demo_db: Database) -> None:
    result = get_recent_activity(ctx_for(demo_db, "on_time"), ActivityArgs(month="2026-10"))
    assert result.start == date(2026, 10, 1) and result.end == date(2026, 10, 31)
    assert any(line.kind == "rent" for line in result.lines)


def test_plan_proposal_stays_within_policy(demo_db: Database) -> None:
    result = propose_payment_plan(ctx_for(demo_db, "delinquent"), ProposePlanArgs(installments=6))
    assert result.eligible and result.beyond_policy and result.plan_id is not None
    assert len(result.installments) == result.max_installments == 3
    assert sum(i.amount_cents for i in result.installments) == result.balance_cents
    assert result.installments[0].amount_cents >= result.min_down_cents
    again = propose_payment_plan(ctx_for(demo_db, "delinquent"), ProposePlanArgs())
    assert not again.eligible and again.reason == "already_proposed"


def test_no_plan_while_a_charge_is_disputed(demo_db: Database) -> None:
    result = propose_payment_plan(ctx_for(demo_db, "disputed"), ProposePlanArgs())
    assert not result.eligible and result.reason in ("below_minimum", "open_dispute")


def test_escalation_priority_follows_the_reason(demo_db: Database) -> None:
    ctx = ctx_for(demo_db, "on_time")
    assert (
        escalate(ctx, EscalateArgs(reason=EscalationReason.EMERGENCY, summary="gas smell")).priority
        == "urgent"
    )
    assert (
        escalate(ctx, EscalateArgs(reason=EscalationReason.REQUESTED_PERSON, summary="x")).priority
        == "normal"
    )
