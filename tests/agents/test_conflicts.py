from __future__ import annotations

from agents.conflicts import find_conflict
from tools.policies import PolicyPassage
from tools.results import Citation


def passage(title: str, text: str) -> PolicyPassage:
    return PolicyPassage(text=text, citation=Citation(title=title, section=""), score=1.0, doc_type="policy")


LEASE = passage(
    "Lease",
    "4.2 Late Charges. If rent is not paid within 3 days, a late fee of $75.00 is charged. "
    "Residents may keep up to two pets with a signed pet addendum.",
)
POLICY = passage("Payment Policy", "Late fee: a late fee of $75.00 applies after the grace period of 3 days.")


def test_documents_that_agree_are_no_conflict() -> None:
    assert find_conflict("how much is the late fee", [LEASE, POLICY]) is None
    assert find_conflict("can i have a dog", [LEASE, POLICY]) is None


def test_a_different_amount_for_the_same_fee_is_a_conflict() -> None:
    notice = passage("Notice", "Starting November 1, a late fee of $100.00 is charged after the 3rd.")
    conflict = find_conflict("is the late fee $100 now", [LEASE, notice])
    assert conflict is not None and conflict.topic == "late_fee"


def test_a_prohibition_against_a_permission_is_a_conflict() -> None:
    notice = passage(
        "Pet Notice", "Maple Court is a pet-free community. No dogs, cats or other pets may be brought in."
    )
    conflict = find_conflict("can i get a dog?", [LEASE, notice])
    assert conflict is not None and conflict.topic == "permission"


def test_passages_of_one_document_never_conflict_with_themselves() -> None:
    a = passage("Lease", "A late fee of $75.00 is charged.")
    b = passage("Lease", "The returned payment fee is $35.00; a late fee of $50.00 was charged in 2024.")
    assert find_conflict("late fee", [a, b]) is None


def test_a_count_question_that_says_can_i_is_no_yes_or_no_conflict() -> None:
    # "how many ... can I" asks a count: documents that allow one thing and forbid another that shares a
    # word of the question ("a year") do not disagree on it.
    policy = passage("Rent Policy", "A tenant may request an extension of the due date three times a year.")
    handbook = passage(
        "Handbook", "You may not allow others to stay in your unit for more than 14 days a year."
    )
    assert find_conflict("how many rent extensions can i ask for in a year", [policy, handbook]) is None
    assert find_conflict("can i ask for an extension", [policy, handbook]) is None


def test_a_rule_on_one_of_several_things_asked_is_no_yes_or_no_conflict() -> None:
    # "months" is one of four things the question names: neither sentence rules on using the deposit
    handbook = passage("Handbook", "A Welcome Visit will be conducted after two months of occupancy.")
    policy = passage("Policy", "Partial payments are accepted when the full month's rent cannot be paid.")
    assert (
        find_conflict("can i use my security deposit to cover this months rent", [handbook, policy]) is None
    )


def test_the_day_rent_is_late_is_not_the_day_a_notice_is_sent() -> None:
    # "not paid by the 10th" says when rent is late; the notice it leads to is served from the 11th
    handbook = passage(
        "Handbook", "Rents not paid by the 10th are delinquent and a notice to vacate will be issued."
    )
    policy = passage(
        "Policy", "On the 11th day of each month, a written notice is served on delinquent tenants."
    )
    assert find_conflict("on what day do they send the notice if i havent paid", [handbook, policy]) is None
    other = passage("Notice", "A notice to vacate is issued on the 15th of the month.")
    assert find_conflict("on what day do they send the notice if i havent paid", [policy, other]) is not None
