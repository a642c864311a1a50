"""Payment-method questions get their yes or no from the lease's accepted methods, never from a sentence's
stance: "do u take checks" is not answered "No" because the policy sentence it quotes refuses cash."""

from __future__ import annotations

import pytest

from agents import answers
from agents.conflicts import polarity
from agents.methods import methods_asked, verdict
from tools.lease import LeaseTermsResult

MAPLE = ["ach", "card", "check", "money_order"]
"""Personal checks and money orders or cashier's checks; no cash."""
CASHIERS_ONLY = ["ach", "card", "money_order"]
"""No personal checks; money orders or cashier's checks."""


def kinds(question: str) -> list[str]:
    return [m.kind for m in methods_asked(question)]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("do u take checks", "check"),
        ("DO YOU ACCEPT CHECKS?", "check"),
        ("can i pay w a chk", "check"),
        ("aceptan cheques", "check"),
        ("do you accept personal checks", "personal_check"),
        ("can i pay with a cashiers check", "cashiers_check"),
        ("certified funds ok?", "cashiers_check"),
        ("do you guys take money orders", "money_order"),
        ("cash ok", "cash"),
        ("puedo pagar en efectivo", "cash"),
        ("do yall take credit cards", "card"),
        ("can i use my debit", "card"),
        ("aceptan tarjeta de credito", "card"),
        ("can i pay by bank transfer", "ach"),
        ("can i pay with zelle", "unlisted"),
        ("venmo?", "unlisted"),
        ("do you take crypto", "unlisted"),
    ],
)
def test_the_way_of_paying_asked_about_is_read_as_residents_type_it(question: str, kind: str) -> None:
    assert kinds(question) == [kind]


@pytest.mark.parametrize(
    "question", ["can you check my balance", "can i pay with my paycheck on friday", "my key card is broken"]
)
def test_words_that_are_not_a_way_of_paying_are_not_one(question: str) -> None:
    assert kinds(question) == []


@pytest.mark.parametrize(
    ("question", "accepted", "expected"),
    [
        ("do u take checks", MAPLE, "yes"),
        ("do u take checks", CASHIERS_ONLY, "cashiers_only"),
        ("do u take checks", ["ach", "card"], "no"),
        ("personal check ok?", CASHIERS_ONLY, "no"),
        ("cashier's check ok?", CASHIERS_ONLY, "yes"),
        ("do you take cash", MAPLE, "no"),
        ("credit card?", MAPLE, "yes"),
        ("credit card?", ["ach", "check", "money_order"], "no"),
        ("can i pay by ach", MAPLE, "yes"),
        ("zelle?", MAPLE, "unlisted"),
    ],
)
def test_the_verdict_follows_the_leases_accepted_methods(
    question: str, accepted: list[str], expected: str
) -> None:
    assert verdict(methods_asked(question)[0], accepted) == expected


def test_a_sentence_that_refuses_cash_is_no_no_to_checks() -> None:
    quote = "- Money order or cashier's check. We do not accept cash."
    assert polarity("do u take checks", quote) is None
    assert (
        polarity("can i have a cat", "Cats are permitted; up to two per home.") == "yes"
    )  # others keep theirs


def terms(accepted: list[str]) -> LeaseTermsResult:
    return LeaseTermsResult(accepted_methods=accepted, card_fee_bp=295)


@pytest.mark.parametrize(
    ("question", "accepted", "start"),
    [
        ("do u take checks", MAPLE, "Yes"),
        ("do u take checks", CASHIERS_ONLY, "Not by personal check, but a cashier's check is accepted"),
        ("can i pay cash", MAPLE, "No"),
        ("can i pay with a personal check", CASHIERS_ONLY, "No"),
    ],
)
def test_a_payment_method_question_is_answered_yes_or_no_first(
    question: str, accepted: list[str], start: str
) -> None:
    text = answers.how_to_pay(answers.Voice(), terms(accepted), asked=methods_asked(question))
    assert text.startswith(start)


def test_a_way_the_lease_never_names_gets_neither_yes_nor_no_and_a_person_offered() -> None:
    text = answers.how_to_pay(answers.Voice(), terms(MAPLE), asked=methods_asked("can i pay with zelle"))
    assert not text.startswith(("Yes", "No")) and "talk to a person" in text
    assert "You can pay by bank transfer (ACH), card, check and money order." in text


def test_spanish_gets_si_or_no_too() -> None:
    v = answers.Voice(language="es")
    assert answers.how_to_pay(v, terms(MAPLE), asked=methods_asked("aceptan cheques")).startswith("Sí")
    assert answers.how_to_pay(v, terms(MAPLE), asked=methods_asked("aceptan efectivo")).startswith("No")
