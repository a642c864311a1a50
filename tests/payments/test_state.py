"""The payment state machine, without a database: merging is order-free and repeat-free, and the lines it
calls for, posted as events arrive, end the same whatever the order."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from app.ledger.types import EntryKind
from app.payments.state import (
    DisputeFact,
    Facts,
    Failure,
    Observation,
    Posted,
    merge,
    payment_record,
    plan_lines,
)

PI, CH = "pi_1", "ch_1"
AMOUNT, NSF = 1_500_00, 35_00


def _day(n: int) -> date:
    return date(2026, 11, n)


BASE = {"intent_ref": PI, "amount_cents": AMOUNT, "currency": "usd", "initiated_on": _day(2)}
PROCESSING = Observation(**BASE, charge_ref=CH, method="ach", processing=True)
SUCCEEDED = Observation(**BASE, charge_ref=CH, succeeded=True, succeeded_on=_day(4))
DECLINED = Observation(**BASE, charge_ref="ch_0", failure=Failure(_day(1), "card_declined"))
RETURNED = Observation(**BASE, charge_ref=CH, method="ach", failure=Failure(_day(7), "insufficient_funds"))
REFUNDED = Observation(**BASE, charge_ref=CH, succeeded=True, refunded_cents=AMOUNT, refunded_on=_day(8))
PART_REFUND = Observation(**BASE, charge_ref=CH, succeeded=True, refunded_cents=500_00, refunded_on=_day(6))
DISPUTE_OPEN = Observation(
    intent_ref=PI,
    charge_ref=CH,
    succeeded=True,
    dispute_ref="dp_1",
    dispute=DisputeFact(AMOUNT, "open", _day(9)),
)
DISPUTE_LOST = Observation(
    intent_ref=PI,
    charge_ref=CH,
    succeeded=True,
    dispute_ref="dp_1",
    dispute=DisputeFact(AMOUNT, "lost", _day(9), closed_on=_day(14)),
)
EVERYTHING = [PROCESSING, SUCCEEDED, DECLINED, RETURNED, REFUNDED, PART_REFUND, DISPUTE_OPEN, DISPUTE_LOST]


def _fold(observations: list[Observation]) -> Facts:
    facts = Facts()
    for seen in observations:
        facts = merge(facts, seen)
    return facts


def _post_as_they_come(observations: list[Observation]) -> dict[str, Posted]:
    """What the ledger holds after each observation's lines are posted in turn (as `ingest` does)."""
    facts, posted = Facts(), {}
    for seen in observations:
        facts = merge(facts, seen)
        lines, _ = plan_lines(facts, posted, nsf_fee_cents=NSF)
        for line in lines:
            assert line.key not in posted
            posted[line.key] = Posted(line.kind, line.amount_cents)
    return posted


def _orders(pool: list[Observation]) -> st.SearchStrategy[list[Observation]]:
    """Every event of the pool at least once, some repeated, in any order."""
    return st.lists(st.sampled_from(pool), max_size=6).flatmap(lambda extra: st.permutations(pool + extra))


@settings(max_examples=200, deadline=None)
@given(_orders(EVERYTHING))
def test_merging_does_not_depend_on_order_or_repeats(observations: list[Observation]) -> None:
    assert _fold(observations) == _fold(EVERYTHING)
    assert _fold(observations).to_json() == Facts.from_json(_fold(observations).to_json()).to_json()


@settings(max_examples=100, deadline=None)
@given(_orders([PROCESSING, SUCCEEDED, DECLINED, RETURNED]))
def test_a_returned_debit_posts_the_same_lines_in_any_order(observations: list[Observation]) -> None:
    assert _post_as_they_come(observations) == {
        "payment": Posted(EntryKind.PAYMENT, -AMOUNT),
        "return": Posted(EntryKind.REVERSAL, AMOUNT),
        "nsf": Posted(EntryKind.NSF_FEE, NSF),
    }


@settings(max_examples=100, deadline=None)
@given(_orders([SUCCEEDED, DISPUTE_OPEN, DISPUTE_LOST, PROCESSING]))
def test_a_lost_chargeback_posts_the_same_lines_in_any_order(observations: list[Observation]) -> None:
    assert _post_as_they_come(observations) == {
        "payment": Posted(EntryKind.PAYMENT, -AMOUNT),
        "dispute:dp_1": Posted(EntryKind.REVERSAL, AMOUNT),
    }


@settings(max_examples=200, deadline=None)
@given(_orders(EVERYTHING))
def test_never_more_goes_back_than_came_in_whatever_happens(observations: list[Observation]) -> None:
    """Everything at once (a return, a refund and a lost chargeback on one payment cannot all be real):
    the lines may differ by order, the balance may not, and the payment is given back once, no more."""
    posted = _post_as_they_come(observations)
    assert sum(p.amount_cents for p in posted.values()) == NSF  # paid, given back once, plus the fee
    assert sum(p.kind is EntryKind.REVERSAL for p in posted.values()) <= 1


def test_partial_refunds_add_up_to_what_was_refunded_in_either_order() -> None:
    full_after_part = _post_as_they_come([SUCCEEDED, PART_REFUND, REFUNDED])
    full_only = _post_as_they_come([SUCCEEDED, REFUNDED, PART_REFUND])
    assert full_after_part == {
        "payment": Posted(EntryKind.PAYMENT, -AMOUNT),
        "refund:50000": Posted(EntryKind.CHARGE, 500_00),
        "refund:150000": Posted(EntryKind.CHARGE, 1_000_00),
    }
    assert full_only == {
        "payment": Posted(EntryKind.PAYMENT, -AMOUNT),
        "refund:150000": Posted(EntryKind.REVERSAL, AMOUNT),
    }
    assert sum(p.amount_cents for p in full_after_part.values()) == sum(
        p.amount_cents for p in full_only.values()
    )


def test_nothing_is_posted_before_the_money_is_in() -> None:
    for pending in ([PROCESSING], [DECLINED], [PROCESSING, DECLINED], [DISPUTE_OPEN]):
        assert plan_lines(_fold(pending), {}, nsf_fee_cents=NSF) == ([], [])


def test_a_charge_failing_that_never_succeeded_is_a_failed_payment_not_a_return() -> None:
    for order in ([PROCESSING, RETURNED], [RETURNED, PROCESSING]):
        facts = _fold(order)
        assert facts.status == "failed" and facts.return_failure is None
        assert payment_record(facts).status == "failed"
    assert _fold([DECLINED, PROCESSING]).status == "processing"  # a new attempt, after a declined one
    assert _fold([PROCESSING, DECLINED, SUCCEEDED]).status == "succeeded"


def test_the_state_names_the_latest_thing_that_happened() -> None:
    assert _fold([PROCESSING]).status == "processing"
    assert _fold([PROCESSING, SUCCEEDED]).status == "succeeded"
    assert _fold([SUCCEEDED, PART_REFUND]).status == "partially_refunded"
    assert _fold([SUCCEEDED, REFUNDED]).status == "refunded"
    assert _fold([SUCCEEDED, DISPUTE_OPEN]).status == "disputed"
    assert _fold([SUCCEEDED, DISPUTE_OPEN, DISPUTE_LOST]).status == "dispute_lost"
    assert _fold([SUCCEEDED, RETURNED]).status == "returned"
    record = payment_record(_fold([PROCESSING, SUCCEEDED, RETURNED]))
    assert (record.status, record.method, record.return_code, record.failure_reason) == (
        "returned",
        "ach",
        "R01",
        "insufficient funds",
    )


def test_events_that_disagree_are_noted_for_staff_whatever_their_order() -> None:
    other = Observation(intent_ref=PI, amount_cents=AMOUNT + 1, currency="usd")
    one, two = _fold([SUCCEEDED, other]), _fold([other, SUCCEEDED])
    assert one == two
    assert one.conflicts == ("amount: events disagree (150000 / 150001)",)


def test_other_currencies_post_nothing() -> None:
    euros = Observation(
        intent_ref=PI, amount_cents=AMOUNT, currency="eur", initiated_on=_day(2), succeeded=True
    )
    assert plan_lines(_fold([euros]), {}, nsf_fee_cents=NSF) == ([], [])
