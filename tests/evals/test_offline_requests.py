"""Three things residents hit with the offline planner, end to end over the seeded demo portfolio (as of
2026-11-23): a request for a person beside a payment claim, yes or no to a way of paying, and a promise to
pay on one day read as a plan of three."""

from __future__ import annotations

from datetime import date

import pytest

from app.formatting import format_date
from evals.conversations.environment import EvalEnvironment
from tests.evals.test_offline_answers import reply, say, tools

pytestmark = pytest.mark.slow


# -- 1. a request for a person goes to a person, whatever else the message says --


@pytest.mark.parametrize(
    ("persona", "text"),
    [
        ("delinquent", "i paid, get me a manager"),
        ("delinquent", "I ALREADY PAID!!! manager pls"),
        ("pending_payment", "i paid can someone call me"),
        ("on_time", "paid already, connect me to a supervisor"),
        ("on_time", "i paid. i want to talk to a real person"),
        ("spanish", "ya pague, quiero hablar con el gerente"),
    ],
)
def test_a_person_asked_for_beside_a_payment_claim_is_a_person(
    conversation_env: EvalEnvironment, persona: str, text: str
) -> None:
    outcome = say(conversation_env, persona, text)
    assert outcome.escalated and outcome.reason == "requested_person"
    assert "get_payment_status" not in tools(outcome)


def test_a_manager_at_work_is_not_a_request_for_one(conversation_env: EvalEnvironment) -> None:
    outcome = say(conversation_env, "delinquent", "my manager at work pays me friday, can i pay then")
    assert not outcome.escalated and "propose_payment_plan" not in tools(outcome)
    assert format_date(date(2026, 11, 27), "en") in reply(outcome)  # Friday, answered as a day to pay on


# -- 2. yes or no to a way of paying, from the lease's accepted methods --


@pytest.mark.parametrize(
    ("persona", "text", "start"),
    [
        ("on_time", "do u take checks", "Yes"),
        ("on_time", "do you accept personal checks?", "Yes"),
        ("on_time", "can i pay w a cashiers check", "Yes"),
        ("on_time", "do yall take credit cards", "Yes"),
        ("on_time", "do u take cash", "No"),
        ("delinquent:aspen-ridge", "can i pay with a personal check", "No"),
        ("on_time", "aceptan cheques?", "Sí"),
    ],
)
def test_a_payment_method_question_gets_the_policys_yes_or_no(
    conversation_env: EvalEnvironment, persona: str, text: str, start: str
) -> None:
    outcome = say(conversation_env, persona, text)
    assert not outcome.escalated and outcome.check_ok and "get_lease_terms" in tools(outcome)
    assert reply(outcome).startswith(start)
    assert "No:" not in reply(outcome) and "Yes:" not in reply(outcome)  # no second, contrary verdict


@pytest.mark.parametrize("text", ["can i pay with zelle", "do you take crypto", "can i pay w paypal"])
def test_a_way_the_policy_never_names_gets_no_verdict_and_a_person_offered(
    conversation_env: EvalEnvironment, text: str
) -> None:
    outcome = say(conversation_env, "on_time", text)
    text_out = reply(outcome)
    assert not text_out.startswith(("Yes", "No")) and "talk to a person" in text_out
    assert "You can pay by bank transfer (ACH), card, check and money order." in text_out


# -- 3. a promise to pay on one day is not a plan of three --


@pytest.mark.parametrize(
    "text",
    ["i can pay on the 30th", "i can pay on the 30th.", "I CAN PAY ON THE 30TH", "ill pay it on nov 30"],
)
def test_a_promise_to_pay_on_one_day_says_whether_it_is_late_not_a_plan(
    conversation_env: EvalEnvironment, text: str
) -> None:
    outcome = say(conversation_env, "delinquent", text)
    out = reply(outcome)
    assert not outcome.escalated and outcome.check_ok
    assert "propose_payment_plan" not in tools(outcome) and "payment plan" not in out
    assert "$7,022.00" in out  # what is owed
    assert f"paying on {format_date(date(2026, 11, 30), 'en')} carries a late fee of $75.00" in out
    assert "avoids it" not in out  # November's last on-time day (Nov 4) is past: no day avoids that fee


def test_a_promise_inside_the_grace_period_is_on_time(conversation_env: EvalEnvironment) -> None:
    outcome = say(conversation_env, "on_time", "i'll have it on the 3rd")
    assert "propose_payment_plan" not in tools(outcome)
    assert f"paying on {format_date(date(2026, 12, 3), 'en')} has no late fee" in reply(outcome)


def test_a_plan_is_offered_when_asked_for(conversation_env: EvalEnvironment) -> None:
    outcome = say(conversation_env, "delinquent", "i can pay on the 30th, can i get a plan")
    assert "propose_payment_plan" in tools(outcome) and outcome.reason == "plan_review"
