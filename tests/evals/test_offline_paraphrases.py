"""What residents hit, said the way they type it on a phone (typos, lower case, no punctuation, no
conjunctions): the same answers as the plain phrasing, end to end over the seeded demo portfolio (as of
2026-11-23) with the offline planner, each message in a fresh database."""

from __future__ import annotations

from datetime import date

import pytest

from app.formatting import money
from evals.conversations.environment import AS_OF, EvalEnvironment
from tests.evals.test_offline_answers import _proposed, converse, reply, say, tools

pytestmark = pytest.mark.slow


# -- 1. a payment the resident says they (or a roommate) made is looked up, not escalated --


@pytest.mark.parametrize("text", ["i alredy paid", "paid it already", "already paid"])
def test_a_misspelt_or_subjectless_claim_is_answered_from_the_ledger(
    conversation_env: EvalEnvironment, text: str
) -> None:
    outcome = say(conversation_env, "pending_payment", text)
    assert not outcome.escalated and outcome.check_ok
    assert "get_payment_status" in tools(outcome)
    assert f"payment of {money(133_500)}" in reply(outcome) and "still pending" in reply(outcome)


@pytest.mark.parametrize(
    "text",
    [
        "my roomate paid his part",
        "roommate paid his half",
        "my roommate sent his part",
        "we both paid our parts",
    ],
)
def test_a_roommates_payment_however_put_is_shown_with_what_it_paid(
    conversation_env: EvalEnvironment, text: str
) -> None:
    outcome = say(conversation_env, "roommates", text)
    assert not outcome.escalated and outcome.check_ok
    assert f"payment of {money(90_750)}" in reply(outcome) and "went through" in reply(outcome)
    assert "It paid Rent - November 2026" in reply(outcome)


def test_a_claim_that_asks_for_a_person_still_reaches_one(conversation_env: EvalEnvironment) -> None:
    outcome = say(conversation_env, "on_time", "i already paid and you charged me twice, thats wrong")
    assert outcome.escalated and outcome.reason == "dispute"


# -- 2. a plan starts from the resident's own terms however they write them --


def _proposal(env: EvalEnvironment, text: str) -> tuple[str, list[tuple[date, int]]]:
    outcome, parts = _proposed(env, "delinquent", text)
    return reply(outcome), parts


FRIDAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "$2,000": the thousands comma is not a break between two payments
        (
            "Can I pay $2,000 today and the rest next Friday?",
            [(AS_OF, 200_000), (date(2026, 12, 4), 502_200)],
        ),
        # "could i do 2500": an amount after "could i do" is the first payment
        (
            "could i do 2500 this friday and the remainder on dec 5",
            [(FRIDAY, 250_000), (date(2026, 12, 5), 452_200)],
        ),
        # no conjunction, and read first as a promise to pay
        ("pay 2000 now rest friday", [(AS_OF, 200_000), (FRIDAY, 502_200)]),
        ("can i do 2000 now rest on the 1st", [(AS_OF, 200_000), (date(2026, 12, 1), 502_200)]),
    ],
)
def test_the_residents_own_terms_are_read_however_written(
    conversation_env: EvalEnvironment, text: str, expected: list[tuple[date, int]]
) -> None:
    answer, parts = _proposal(conversation_env, text)
    assert parts == expected
    assert answer.startswith("Here's the plan you asked for")  # the proposal leads, no balance listing first


def test_shorthand_terms_below_the_minimum_keep_the_residents_days(conversation_env: EvalEnvironment) -> None:
    answer, parts = _proposal(conversation_env, "can i pay 500 now n the rest fri")
    assert [d for d, _ in parts] == [AS_OF, FRIDAY]
    assert "the first payment must be at least" in answer and "$500.00" in answer


# -- 3. credit, refunds and a moved-out resident's deposit --


@pytest.mark.parametrize(
    "text",
    [
        "can i get the 150 back",
        "can u send the 150 back to my card",
        "i want my 150 refunded",
        "can i get a refund of my credit",
    ],
)
def test_a_refund_request_however_put_goes_to_staff_as_one(
    conversation_env: EvalEnvironment, text: str
) -> None:
    outcome = say(conversation_env, "credit", text)
    assert outcome.escalated and outcome.reason == "refund_request"
    assert "Refunds are handled by the office" in reply(outcome)


def test_a_negative_balance_question_says_where_the_credit_came_from(
    conversation_env: EvalEnvironment,
) -> None:
    outcome = say(conversation_env, "credit", "why is my balance negative")
    assert not outcome.escalated and "Concession: resident referral credit" in reply(outcome)


def test_a_misspelt_deposit_question_is_itemised(conversation_env: EvalEnvironment) -> None:
    outcome = say(conversation_env, "moved_out", "what about my depost")
    text = reply(outcome)
    assert not outcome.escalated and "get_deposit" in tools(outcome)
    assert "Move-out cleaning ($175.00)" in text and "$85.00 to be refunded" in text
    assert "I can only help with" not in text and "applied to your next charges" not in text


# -- 4. "what?", paying on a day, the lease's end --


@pytest.mark.parametrize("text", ["what u mean", "idk what that means", "wdym"])
def test_a_confused_reply_in_texting_shorthand_gets_a_clarifying_answer(
    conversation_env: EvalEnvironment, text: str
) -> None:
    first, second = converse(conversation_env, "on_time", "when is rent due", text)
    assert "wasn't clear" in reply(second) and second.tool_calls == []


def test_is_it_ok_to_pay_on_a_day_gets_yes_or_no_for_that_day(conversation_env: EvalEnvironment) -> None:
    outcome = say(conversation_env, "on_time", "is it ok to pay on dec 6th")
    assert reply(outcome).startswith("No") and "$75.00" in reply(outcome)
    assert "get_lease_terms" in tools(outcome) and outcome.check_ok


def test_can_i_pay_on_a_day_with_nothing_owed_is_not_a_plan(conversation_env: EvalEnvironment) -> None:
    outcome = say(conversation_env, "on_time", "can i pay on the 3rd")
    assert reply(outcome).startswith("Yes") and "propose_payment_plan" not in tools(outcome)


def test_paying_early_for_next_rent_is_on_time(conversation_env: EvalEnvironment) -> None:
    # November is paid: a payment on Friday Nov 27 is December's rent, early, not November's, late
    text = reply(say(conversation_env, "on_time", "can i pay friday without a late fee"))
    assert text.startswith("Yes") and "rent due Dec 1" in text and "Nov 27" in text


def test_paying_late_rent_on_a_later_day_is_still_late(conversation_env: EvalEnvironment) -> None:
    text = reply(say(conversation_env, "delinquent", "can i pay friday without a late fee"))
    assert text.startswith("No")


@pytest.mark.parametrize(
    "text", ["how much do i owe in january", "how much is january rent", "when is jan rent due"]
)
def test_no_january_rent_is_quoted_on_a_lease_ending_dec_31(
    conversation_env: EvalEnvironment, text: str
) -> None:
    outcome = say(conversation_env, "credit:aspen-ridge", text)  # lease ends 2026-12-31
    answer = reply(outcome)
    assert "Your lease ends Dec 31, so no more rent is scheduled after it" in answer
    assert "Your next rent is due" not in answer and "Nothing was posted" not in answer
    assert outcome.check_ok
