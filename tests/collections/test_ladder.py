"""The ladder, pure: when steps fall due on each clock, the lease's grace, and what fires today."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.collections.config import DEFAULT, LadderConfig, merged
from app.collections.ladder import Step, decide, fee_cents, fee_terms, schedule
from app.collections.notice_rules import notice_rule_for
from app.collections.position import Period, period_for, position
from app.collections.readiness import classify_readiness
from app.ledger.jurisdictions import jurisdiction_for
from app.ledger.types import EntryKind
from tests.collections.support import NOV_1, make_facts
from tests.factories import make_entry

NOV = Period(NOV_1, date(2026, 12, 1))


def _day(n: int) -> date:
    """Day `n` counted from the Nov 1 due date."""
    return NOV_1 + timedelta(days=n)


def test_the_default_ladder_counts_from_the_due_date() -> None:
    days = schedule(NOV, config=DEFAULT, grace_days=3, rule=notice_rule_for("TX"), formal_notice_on=_day(11))
    assert days == {
        Step.REMINDER: _day(3),
        Step.LATE_FEE: _day(6),
        Step.SECOND_NOTICE: _day(8),
        Step.FORMAL_NOTICE: _day(11),
        Step.LEGAL_QUEUE: _day(15),
    }


@pytest.mark.parametrize(("grace", "fee_day"), [(0, 6), (3, 6), (5, 6), (7, 8), (10, 11)])
def test_the_fee_never_comes_before_the_lease_grace_ends(grace: int, fee_day: int) -> None:
    days = schedule(NOV, config=DEFAULT, grace_days=grace, rule=None, formal_notice_on=None)
    assert days[Step.LATE_FEE] == _day(fee_day)
    assert days[Step.SECOND_NOTICE] == max(_day(8), _day(fee_day))


def test_the_state_raises_the_grace_colorado_waits_seven_days() -> None:
    facts = make_facts(state="CO", grace_days=3)
    terms = fee_terms(facts, jurisdiction_for("CO"))
    assert terms.grace_days == 7
    assert schedule(NOV, config=DEFAULT, grace_days=terms.grace_days, rule=None, formal_notice_on=None)[
        Step.LATE_FEE
    ] == _day(8)


@pytest.mark.parametrize(("state", "legal_day"), [("TX", 15), ("CO", 22), ("NY", 26)])
def test_the_legal_queue_waits_out_the_state_notice_period_from_the_notice_given(
    state: str, legal_day: int
) -> None:
    rule = notice_rule_for(state)
    assert rule is not None
    days = schedule(NOV, config=DEFAULT, grace_days=3, rule=rule, formal_notice_on=_day(11))
    assert days[Step.LEGAL_QUEUE] == _day(legal_day)
    late = schedule(NOV, config=DEFAULT, grace_days=3, rule=rule, formal_notice_on=_day(13))
    assert late[Step.LEGAL_QUEUE] == _day(max(15, 13 + rule.notice_days + 1))
    assert (
        schedule(NOV, config=DEFAULT, grace_days=3, rule=rule, formal_notice_on=None)[Step.LEGAL_QUEUE]
        is None
    )


def test_a_property_can_move_its_days_but_not_out_of_order() -> None:
    assert merged({"reminder_day": 2, "late_fee_day": 5}).late_fee_day == 5
    with pytest.raises(ValueError):
        merged({"second_notice_day": 2})
    with pytest.raises(ValueError):
        LadderConfig(legal_queue_day=40)


APPROVED = DEFAULT.model_copy(update={"post_late_fees": True})
"""A property whose manager gave the standing approval for fees."""


def _decide(
    facts_overrides: dict[str, object],
    *,
    fired: dict[Step, date] | None = None,
    day: int,
    config: LadderConfig = APPROVED,
) -> dict[Step, str]:
    facts = make_facts(as_of=_day(day), **facts_overrides)
    readiness = classify_readiness(facts, DEFAULT)
    rule = notice_rule_for(facts.state)
    fired = fired or {}
    days = schedule(
        NOV, config=DEFAULT, grace_days=3, rule=rule, formal_notice_on=fired.get(Step.FORMAL_NOTICE)
    )
    terms = fee_terms(facts, jurisdiction_for(facts.state))
    decisions = decide(
        facts,
        readiness,
        config=config,
        days=days,
        fired=fired,
        fee=fee_cents(facts, terms, on=facts.as_of),
        rule=rule,
    )
    return {d.step: ("fire" if d.fire else d.reason) for d in decisions}


def test_on_each_day_the_step_that_falls_due_fires() -> None:
    assert _decide({}, day=2) == {}
    assert _decide({}, day=3) == {Step.REMINDER: "fire"}
    reminded = {Step.REMINDER: _day(3)}
    assert _decide({}, fired=reminded, day=6) == {Step.LATE_FEE: "fire"}
    fee = {**reminded, Step.LATE_FEE: _day(6)}
    assert _decide({"late_fee_charged": True}, fired=fee, day=8) == {Step.SECOND_NOTICE: "fire"}
    second = {**fee, Step.SECOND_NOTICE: _day(8)}
    assert _decide({"late_fee_charged": True}, fired=second, day=11) == {Step.FORMAL_NOTICE: "fire"}
    formal = {**second, Step.FORMAL_NOTICE: _day(11)}
    assert _decide({"late_fee_charged": True}, fired=formal, day=14) == {}
    assert _decide({"late_fee_charged": True}, fired=formal, day=15) == {Step.LEGAL_QUEUE: "fire"}


def test_a_run_that_catches_up_sends_the_latest_message_only() -> None:
    assert _decide({}, day=9) == {
        Step.REMINDER: "superseded",
        Step.LATE_FEE: "fire",
        Step.SECOND_NOTICE: "fire",
    }


def test_paid_means_cleared_money_covers_what_is_owed() -> None:
    paid = {"cleared_cents": 1_500_00, "short_cents": 0, "rent_short_cents": 0, "balance_cents": 0}
    assert _decide(paid, day=6) == {Step.REMINDER: "paid", Step.LATE_FEE: "paid"}
    half = {
        "cleared_cents": 750_00,
        "short_cents": 750_00,
        "rent_short_cents": 750_00,
        "balance_cents": 750_00,
    }
    assert _decide(half, day=6) == {Step.REMINDER: "fire", Step.LATE_FEE: "fire"}


def test_a_pending_payment_that_covers_holds_everything() -> None:
    decided = _decide({"pending_cents": 1_500_00, "pending_payments": 1}, day=6)
    assert decided == {Step.REMINDER: "hold", Step.LATE_FEE: "hold"}


def test_a_recent_partial_payment_lets_the_fee_post_but_messages_wait() -> None:
    partial = {
        "cleared_cents": 700_00,
        "short_cents": 800_00,
        "rent_short_cents": 800_00,
        "last_paid_on": _day(5),
    }
    assert _decide(partial, day=6) == {Step.REMINDER: "recent_payment", Step.LATE_FEE: "fire"}


def test_no_fee_on_fees_nor_twice_and_no_formal_notice_for_fees_alone() -> None:
    fees_only = {
        "late_fee_charged": True,
        "short_cents": 75_00,
        "rent_short_cents": 0,
        "cleared_cents": 1_500_00,
    }
    assert _decide(fees_only, fired={Step.REMINDER: _day(3)}, day=6) == {Step.LATE_FEE: "only_fees_owed"}
    assert _decide({"late_fee_charged": True}, fired={Step.REMINDER: _day(3)}, day=6) == {
        Step.LATE_FEE: "already_charged"
    }
    formal_due = {Step.REMINDER: _day(3), Step.LATE_FEE: _day(6), Step.SECOND_NOTICE: _day(8)}
    assert _decide(fees_only, fired=formal_due, day=11) == {Step.FORMAL_NOTICE: "only_fees_owed"}


def test_a_state_without_notice_rules_gets_no_automatic_formal_notice() -> None:
    fired = {Step.REMINDER: _day(3), Step.LATE_FEE: _day(6), Step.SECOND_NOTICE: _day(8)}
    assert _decide({"state": "ZZ"}, fired=fired, day=11) == {Step.FORMAL_NOTICE: "no_notice_rules"}


@pytest.mark.parametrize(
    "blocking",
    [
        {"open_disputes": ("dispute 1 opened 2026-11-02: wrong",)},
        {"plan_status": "active", "plan_id": 1},
        {"open_chargebacks": ("chargeback open",)},
    ],
)
def test_disputed_plan_and_blocked_accounts_get_nothing(blocking: dict[str, object]) -> None:
    for day in range(0, 30):
        assert all(v != "fire" for v in _decide(blocking, day=day).values())


def test_position_counts_cleared_money_against_what_was_due_and_fees_apart() -> None:
    entries = [
        make_entry(EntryKind.RENT, 1_500_00, NOV_1),
        make_entry(EntryKind.LATE_FEE, 75_00, date(2026, 10, 7)),
        make_entry(EntryKind.PAYMENT, -1_500_00, date(2026, 11, 2), posted=date(2026, 11, 4)),
        make_entry(EntryKind.CHARGE, 45_00, date(2026, 11, 9)),
    ]
    before_clearing = position(entries, period=NOV, as_of=date(2026, 11, 3))
    assert (before_clearing.short_cents, before_clearing.rent_short_cents) == (1_575_00, 1_500_00)
    cleared = position(entries, period=NOV, as_of=date(2026, 11, 10))
    assert (cleared.owed_cents, cleared.cleared_cents) == (1_575_00, 1_500_00)
    assert (cleared.short_cents, cleared.rent_short_cents, cleared.balance_cents) == (75_00, 0, 120_00)
    assert cleared.last_paid_on == date(2026, 11, 4)


def test_a_returned_payment_leaves_the_rent_short_again() -> None:
    pay = make_entry(EntryKind.PAYMENT, -1_500_00, NOV_1)
    entries = [
        make_entry(EntryKind.RENT, 1_500_00, NOV_1),
        pay,
        make_entry(EntryKind.REVERSAL, 1_500_00, date(2026, 11, 5), reverses=pay.id),
    ]
    assert position(entries, period=NOV, as_of=date(2026, 11, 4)).rent_short_cents == 0
    assert position(entries, period=NOV, as_of=date(2026, 11, 5)).rent_short_cents == 1_500_00


@pytest.mark.parametrize(
    ("due_day", "on", "due", "next_due"),
    [
        (1, date(2026, 11, 1), date(2026, 11, 1), date(2026, 12, 1)),
        (5, date(2026, 11, 4), date(2026, 10, 5), date(2026, 11, 5)),
        (28, date(2027, 2, 28), date(2027, 2, 28), date(2027, 3, 28)),
        (1, date(2027, 1, 15), date(2027, 1, 1), date(2027, 2, 1)),
    ],
)
def test_the_period_is_the_latest_due_date_on_or_before_the_day(
    due_day: int, on: date, due: date, next_due: date
) -> None:
    assert period_for(due_day, on) == Period(due, next_due)


def test_without_a_managers_standing_approval_no_fee_is_posted() -> None:
    reminded = {Step.REMINDER: _day(3)}

    assert _decide({}, fired=reminded, day=6, config=DEFAULT) == {Step.LATE_FEE: "fees_not_approved"}
