"""What residents hit with the offline planner, end to end: the real classifier, slots, tools, answers and
checker over the seeded demo portfolio (as of 2026-11-23), each message in a fresh database."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import select

from agents.assistant.runner import Assistant, TurnOutcome
from app.formatting import format_date, money
from app.models import Escalation, PaymentPlan
from evals.conversations.environment import AS_OF, EvalEnvironment

pytestmark = pytest.mark.slow


def converse(env: EvalEnvironment, persona: str, *texts: str) -> list[TurnOutcome]:
    """One conversation of `texts` from a demo persona, through the real runner and offline planner."""
    who = env.persona(persona)
    conversation = uuid.uuid4().hex
    with env.fresh_database() as sessions:
        assistant = Assistant(
            sessions=sessions,
            graph=env.graph("offline"),
            planner=env.planner("offline"),
            today=lambda: AS_OF,
            retriever=env.retriever,
        )
        return [
            assistant.respond(
                conversation_id=conversation,
                text=text,
                resident_id=who.resident_id,
                property_code=who.property_code,
            )
            for text in texts
        ]


def say(env: EvalEnvironment, persona: str, text: str) -> TurnOutcome:
    return converse(env, persona, text)[0]


def reply(outcome: TurnOutcome) -> str:
    assert outcome.reply is not None
    return outcome.reply


def tools(outcome: TurnOutcome) -> list[str]:
    return [c["name"] for c in outcome.tool_calls]


# -- 1. "I already paid" is answered from the ledger --


@pytest.mark.parametrize(
    ("persona", "text", "amount", "status"),
    [
        ("pending_payment", "I already paid", 133_500, "still pending"),
        ("on_time", "I already paid", 136_000, "went through"),
        ("roommates", "my roommate paid his part", 90_750, "went through"),
    ],
)
def test_a_payment_the_resident_says_they_made_is_shown_with_its_status_and_what_is_owed(
    conversation_env: EvalEnvironment, persona: str, text: str, amount: int, status: str
) -> None:
    outcome = say(conversation_env, persona, text)
    assert not outcome.escalated and outcome.check_ok
    assert "get_payment_status" in tools(outcome)
    assert f"payment of {money(amount)}" in reply(outcome) and status in reply(outcome)
    assert "You owe" in reply(outcome) or "paid up" in reply(outcome)


def test_a_cleared_payment_says_which_charges_it_paid(conversation_env: EvalEnvironment) -> None:
    text = reply(say(conversation_env, "on_time", "I already paid"))
    assert "It paid Rent - November 2026" in text


def test_a_claimed_payment_not_on_the_account_goes_to_staff_to_trace(
    conversation_env: EvalEnvironment,
) -> None:
    outcome = say(conversation_env, "partial", "i paid 700 on the 2nd didnt that go thru?")
    assert outcome.escalated and outcome.reason == "payment_not_found"
    assert "I don't see a payment matching that" in reply(outcome)
    assert "trace it" in reply(outcome)


def test_saying_it_is_wrong_after_seeing_the_payment_goes_to_staff(conversation_env: EvalEnvironment) -> None:
    first, second = converse(conversation_env, "on_time", "I already paid", "i already paid, i paid it twice")
    assert not first.escalated
    assert second.escalated and second.reason == "dispute"


def test_ya_pague_is_answered_in_spanish_from_the_ledger(conversation_env: EvalEnvironment) -> None:
    outcome = say(conversation_env, "spanish", "ya pague")
    assert not outcome.escalated and outcome.language == "es"
    assert "se acreditó" in reply(outcome) and "Se aplicó a" in reply(outcome)


# -- 2. a plan starts from the resident's own terms --


def _proposed(env: EvalEnvironment, persona: str, text: str) -> tuple[TurnOutcome, list[tuple[date, int]]]:
    who = env.persona(persona)
    with env.fresh_database() as sessions:
        assistant = Assistant(
            sessions=sessions,
            graph=env.graph("offline"),
            planner=env.planner("offline"),
            today=lambda: AS_OF,
            retriever=env.retriever,
        )
        outcome = assistant.respond(
            conversation_id=uuid.uuid4().hex,
            text=text,
            resident_id=who.resident_id,
            property_code=who.property_code,
        )
        with sessions() as s:
            plan = s.scalars(select(PaymentPlan).order_by(PaymentPlan.id.desc())).first()
            assert plan is not None and plan.status == "proposed"
            parts = [(i.due_on, i.amount_cents) for i in sorted(plan.installments, key=lambda i: i.seq)]
    return outcome, parts


def test_a_plan_the_policy_allows_is_proposed_on_the_residents_own_terms(
    conversation_env: EvalEnvironment,
) -> None:
    outcome, parts = _proposed(conversation_env, "delinquent", "can i pay 2000 today and the rest on the 1st")
    assert parts == [(AS_OF, 200_000), (date(2026, 12, 1), 502_200)]
    assert "the plan you asked for" in reply(outcome) and outcome.reason == "plan_review"


def test_terms_the_policy_does_not_allow_name_the_rule_and_offer_the_nearest_plan(
    conversation_env: EvalEnvironment,
) -> None:
    outcome, parts = _proposed(conversation_env, "delinquent", "can i pay 500 now and the rest friday")
    friday = date(2026, 11, 27)
    assert [d for d, _ in parts] == [AS_OF, friday]  # their days kept
    assert parts[0][1] > 50_000 and sum(c for _, c in parts) == 702_200  # down payment raised to the minimum
    text = reply(outcome)
    assert "the first payment must be at least" in text and money(parts[0][1]) in text
    assert "$500.00" in text  # what they asked for, restated


def test_spanish_terms_are_read_too(conversation_env: EvalEnvironment) -> None:
    outcome, parts = _proposed(
        conversation_env, "delinquent", "puedo pagar 2000 hoy y el resto el 1 de diciembre"
    )
    assert parts == [(AS_OF, 200_000), (date(2026, 12, 1), 502_200)]
    assert outcome.language == "es" and "el plan que pidió" in reply(outcome)


# -- 3. credit questions and refund requests --


@pytest.mark.parametrize("text", ["why do i have a credit", "por que tengo saldo a favor"])
def test_a_credit_is_explained_from_the_ledger(conversation_env: EvalEnvironment, text: str) -> None:
    outcome = say(conversation_env, "credit", text)
    assert not outcome.escalated and "get_balance" in tools(outcome)
    assert "$150.00" in reply(outcome) and "Concession: resident referral credit" in reply(outcome)


@pytest.mark.parametrize(
    "text", ["can u refund the 150 to my card", "me pueden reembolsar los 150 a mi tarjeta"]
)
def test_a_refund_request_goes_to_staff(conversation_env: EvalEnvironment, text: str) -> None:
    outcome = say(conversation_env, "credit", text)
    assert outcome.escalated and outcome.reason == "refund_request"
    assert "follow up" in reply(outcome) or "seguimiento" in reply(outcome)


# -- 4. a moved-out resident's deposit --


@pytest.mark.parametrize("text", ["what happened to my deposit", "when do i get my deposit back"])
def test_a_moved_out_residents_deposit_is_itemised(conversation_env: EvalEnvironment, text: str) -> None:
    outcome = say(conversation_env, "moved_out", text)
    text = reply(outcome)
    assert not outcome.escalated and outcome.check_ok and "get_deposit" in tools(outcome)
    assert "$500.00" in text and "Move-out cleaning ($175.00)" in text and "Wall repair" in text
    assert "$85.00 to be refunded" in text
    assert "applied to your next charges" not in text


# -- 5. "wat" --


@pytest.mark.parametrize("text", ["wat", "?", "huh", "what do you mean"])
def test_a_confused_reply_gets_a_clarifying_answer_not_thanks(
    conversation_env: EvalEnvironment, text: str
) -> None:
    first, second = converse(conversation_env, "on_time", "when is rent due", text)
    assert not second.escalated
    assert "welcome" not in reply(second).lower() and "wasn't clear" in reply(second)


def test_no_entiendo_gets_a_clarifying_answer_in_spanish(conversation_env: EvalEnvironment) -> None:
    outcome = converse(conversation_env, "spanish", "cuanto debo", "no entiendo")[1]
    assert "no fui claro" in reply(outcome)


# -- 6. paying on a given day --


def test_paying_after_the_grace_period_is_a_no_with_the_fee(conversation_env: EvalEnvironment) -> None:
    outcome = say(conversation_env, "on_time", "can i pay on the 6th without a late fee?")
    text = reply(outcome)
    assert text.startswith("No") and "$75.00" in text and format_date(date(2026, 12, 5), "en") in text
    assert outcome.check_ok and "propose_payment_plan" not in tools(outcome)


def test_paying_inside_the_grace_period_is_a_yes(conversation_env: EvalEnvironment) -> None:
    text = reply(say(conversation_env, "on_time", "can i pay on the 3rd without a late fee?"))
    assert text.startswith("Yes") and "payment plan" not in text


def test_spanish_pay_on_question_gets_si_or_no(conversation_env: EvalEnvironment) -> None:
    text = reply(say(conversation_env, "on_time", "si pago el dia 6 me cobran recargo?"))
    assert text.startswith("No") and "6 de diciembre" in text


# -- 7. payment-method answers stay on payment methods --


@pytest.mark.parametrize(
    "text", ["can i pay half by card and half by check", "puedo pagar con dos tarjetas", "can i pay by card"]
)
def test_payment_method_answers_carry_no_balance_sentence(
    conversation_env: EvalEnvironment, text: str
) -> None:
    outcome = say(conversation_env, "on_time", text)
    assert "balance" not in reply(outcome).lower() and "saldo" not in reply(outcome).lower()
    assert "card" in reply(outcome) or "tarjeta" in reply(outcome)
    assert "propose_payment_plan" not in tools(outcome) and "get_balance" not in tools(outcome)


# -- 9. other residents --


@pytest.mark.parametrize(
    "text",
    [
        "what is my neighbor in the next unit paying",
        "how much rent does my neighbor pay",
        "cuanto paga mi vecino",
    ],
)
def test_a_question_about_another_resident_gets_a_privacy_refusal(
    conversation_env: EvalEnvironment, text: str
) -> None:
    outcome = say(conversation_env, "on_time", text)
    assert not outcome.escalated and outcome.tool_calls == []
    assert "911" not in reply(outcome) and "$" not in reply(outcome)
    assert "own account" in reply(outcome) or "propia cuenta" in reply(outcome)


def test_a_neighbour_in_danger_is_still_an_emergency(conversation_env: EvalEnvironment) -> None:
    outcome = say(conversation_env, "on_time", "my neighbor is threatening me with a knife")
    assert outcome.escalated and outcome.reason == "emergency"


def test_escalations_are_recorded_once(conversation_env: EvalEnvironment) -> None:
    who = conversation_env.persona("credit")
    with conversation_env.fresh_database() as sessions:
        assistant = Assistant(
            sessions=sessions,
            graph=conversation_env.graph("offline"),
            planner=conversation_env.planner("offline"),
            today=lambda: AS_OF,
            retriever=conversation_env.retriever,
        )
        assistant.respond(
            conversation_id=uuid.uuid4().hex,
            text="can u refund the 150 to my card",
            resident_id=who.resident_id,
            property_code=who.property_code,
        )
        with sessions() as s:
            assert [e.reason for e in s.scalars(select(Escalation))] == ["refund_request"]


def test_a_moved_out_residents_credit_is_not_carried_to_future_rent(
    conversation_env: EvalEnvironment,
) -> None:
    outcome = say(conversation_env, "moved_out", "do i still owe anything after moving out?")
    assert "$85.00" in reply(outcome) and "next charges" not in reply(outcome)
    assert "final account" in reply(outcome)
