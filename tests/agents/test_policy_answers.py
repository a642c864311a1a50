"""Answers from documents without a model: the sentence asked for, cited by clause and page; both sides of a
real conflict, each cited, with what the lease says governs; a plain "not in your documents" otherwise."""

from __future__ import annotations

from collections.abc import Sequence

from agents import answers
from tools.policies import PolicyPassage, PolicySearchResult
from tools.results import Citation


def flat_model(_question: str, sentences: Sequence[str]) -> list[float]:
    """A stand-in for the sentence model that finds every sentence equally close: words decide."""
    return [0.5] * len(sentences)


def passage(title: str, text: str, section: str = "", page: int | None = None) -> PolicyPassage:
    return PolicyPassage(
        text=text, citation=Citation(title=title, section=section, page=page), score=1.0, doc_type="lease"
    )


def ask(question: str, *passages: PolicyPassage, precedence: Sequence[PolicyPassage] = ()) -> str:
    v = answers.Voice()
    result = PolicySearchResult(passages=list(passages), precedence=list(precedence))
    text, citations = answers.policy(v, result, question, similarity=flat_model)
    return answers.with_citations(v, text, citations)


LEASE = passage(
    "Residential Lease",
    "Tenant may request a reasonable accommodation at any time. If a reasonable accommodation is requested, "
    "the Landlord will respond in writing. A late charge of $20.00 is due if rent is received after the "
    "tenth (10th) day of the month.",
    "12.3 Late Charges",
    4,
)


def test_the_answer_quotes_the_sentence_with_the_amount_and_cites_clause_and_page() -> None:
    reply = ask("how much is the late charge", LEASE)
    assert reply.startswith("A late charge of $20.00 is due")
    assert "reasonable accommodation" not in reply
    assert "Residential Lease, 12.3 Late Charges, p. 4" in reply


def test_the_answer_to_a_day_question_is_the_sentence_with_the_day() -> None:
    reply = ask("after what day is my rent late", LEASE)
    assert "tenth (10th) day" in reply


def test_a_question_the_documents_do_not_answer_says_so_and_offers_a_person() -> None:
    reply = ask("can i install a satellite dish on the roof", LEASE)
    assert "couldn't find" in reply and "talk to a person" in reply
    assert "$20.00" not in reply and "Source" not in reply


def test_a_real_conflict_quotes_both_documents_each_cited_with_the_governing_clause() -> None:
    policy = passage(
        "Rent Collection Policy", "A late charge of $25.00 is added after the 10th.", "Late Rent", 1
    )
    clause = passage(
        "Residential Lease",
        "In the event of any conflict between this Lease and any policy of the Landlord, this Lease shall "
        "govern.",
        "30. Precedence",
        9,
    )
    reply = ask("how much is the late charge", LEASE, policy, precedence=[clause])
    assert "$20.00" in reply and "$25.00" in reply
    assert "(Residential Lease, 12.3 Late Charges, p. 4)" in reply
    assert "(Rent Collection Policy, Late Rent, p. 1)" in reply
    assert "the lease says it governs" in reply and "(Residential Lease, 30. Precedence, p. 9)" in reply
    assert "don't agree" not in reply


def test_agreeing_documents_get_one_plain_answer() -> None:
    policy = passage(
        "Rent Collection Policy", "A late charge of $20.00 is added after the 10th.", "Late Rent", 1
    )
    reply = ask("how much is the late charge", LEASE, policy)
    assert "don't say the same thing" not in reply and "$20.00" in reply


def test_a_yes_or_no_question_is_answered_yes_or_no_first() -> None:
    rules = passage(
        "House Rules", "No cats or dogs are allowed in the building. Fish tanks are fine.", "Pets", 2
    )
    assert ask("can i have a cat", rules).startswith("No: No cats or dogs are allowed")


def test_an_amount_for_something_else_does_not_answer_what_was_priced() -> None:
    insurance = passage(
        "Residential Lease",
        "If Tenant does not carry renters insurance, the cost of the landlord's policy shall be ten dollars "
        "($10.00) per month per tenant.",
        "4. Insurance",
        2,
    )
    reply = ask("can i get a parking spot and how much is it per month", insurance)
    assert "$10.00" not in reply
    assert "couldn't find" in reply and "a person" in reply


def test_is_there_a_question_needs_the_thing_named() -> None:
    rules = passage(
        "Building Rules",
        "The building is smoke free. Smoking is prohibited throughout the building, including balconies.",
        "Exhibit A",
        26,
    )
    reply = ask("is there a gym in the building", rules)
    assert "couldn't find" in reply
    amenities = passage("Amenities", "A gym is on the second floor.")
    assert ask("is there a gym in the building", amenities).startswith("A gym is on the second floor.")
