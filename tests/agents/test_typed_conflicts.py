"""Conflicts that are real: two documents, different values of the kind asked, about the same subject."""

from __future__ import annotations

from agents.conflicts import find_conflict, governing_clause, governs, polarity
from tools.policies import PolicyPassage
from tools.results import Citation


def passage(title: str, text: str, section: str = "", page: int | None = None) -> PolicyPassage:
    return PolicyPassage(
        text=text, citation=Citation(title=title, section=section, page=page), score=1.0, doc_type="policy"
    )


LEASE = passage(
    "Lease",
    "Rent is due on the 1st day of each month. A late fee of $20.00 is charged if rent is not received by "
    "the 5th. A returned check fee of $35.00 is charged for any check returned unpaid.",
    "4.2 Late Charges",
    2,
)


def test_a_20_fee_against_a_25_fee_is_a_conflict_with_both_sentences() -> None:
    policy = passage(
        "Rent Collection Policy", "Rent not received by the 5th is charged a late fee of $25.00."
    )
    conflict = find_conflict("how much is the late fee", [LEASE, policy])
    assert conflict is not None and conflict.topic == "late_fee"
    assert {side.passage.citation.title for side in conflict.sides} == {"Lease", "Rent Collection Policy"}
    assert any("$20.00" in side.sentence for side in conflict.sides)
    assert any("$25.00" in side.sentence for side in conflict.sides)


def test_the_5th_against_the_10th_is_a_conflict_when_a_day_is_asked() -> None:
    handbook = passage(
        "Handbook", "Rent is due on the 1st. A late fee of $20.00 applies if rent is not paid by the 10th."
    )
    assert find_conflict("what day is rent late after", [LEASE, handbook]) is None  # "late" names no subject
    conflict = find_conflict("when is the late fee charged", [LEASE, handbook])
    assert conflict is not None and conflict.kind == "day_of_month"


def test_documents_that_agree_are_not_flagged() -> None:
    handbook = passage("Handbook", "A late fee of $20.00 is charged after the 5th. Rent is due on the 1st.")
    for question in ("how much is the late fee", "when is rent due", "can i pay late"):
        assert find_conflict(question, [LEASE, handbook]) is None, question


def test_a_value_of_another_subject_in_the_same_sentence_is_not_compared() -> None:
    # $35 is the returned check fee's, not the late fee's: no conflict about the late fee
    policy = passage(
        "Policy", "A late fee of $20.00 applies after the 5th; a returned-check fee of $30.00 also applies."
    )
    assert find_conflict("how much is the late fee", [LEASE, policy]) is None
    conflict = find_conflict("how much is the returned check fee", [LEASE, policy])
    assert conflict is not None and conflict.topic == "nsf_fee"


def test_a_flat_fee_is_not_compared_with_a_daily_fee() -> None:
    policy = passage("Policy", "After the 5th, a late fee of $5.00 per day is added until rent is paid.")
    assert find_conflict("how much is the late fee", [LEASE, policy]) is None


def test_a_general_faq_sentence_is_not_held_against_the_lease() -> None:
    faq = passage(
        "FAQ", "Your lease sets the due date, usually the 15th of the month, and a late fee of $50.00."
    )
    assert find_conflict("when is rent due", [LEASE, faq]) is None
    assert find_conflict("how much is the late fee", [LEASE, faq]) is None


def test_values_of_another_kind_than_asked_are_not_compared() -> None:
    policy = passage("Policy", "A late fee of $20.00 is charged if rent is not received by the 10th.")
    assert find_conflict("how much is the late fee", [LEASE, policy]) is None  # same amount; days differ


def test_a_conditional_rule_does_not_conflict_with_a_permission() -> None:
    lease = passage("Lease", "No animal may be kept on the Premises without a signed pet addendum.")
    handbook = passage("Handbook", "Pets are welcome; up to two pets per home.")
    assert find_conflict("can i have a dog", [lease, handbook]) is None
    notice = passage("Notice", "Maple Court is a pet-free community. No dogs or cats may be brought in.")
    conflict = find_conflict("can i have a dog", [handbook, notice])
    assert conflict is not None and conflict.kind == "stance"


def test_the_precedence_clause_is_carried_with_the_conflict() -> None:
    policy = passage(
        "Rent Collection Policy", "Rent not received by the 5th is charged a late fee of $25.00."
    )
    clause = passage(
        "Lease",
        "If any provision of the Rules or any policy conflicts with this Lease, this Lease shall control.",
        "30. Entire Agreement",
        14,
    )
    conflict = find_conflict("how much is the late fee", [LEASE, policy], precedence=[clause])
    assert conflict is not None and conflict.governing is not None
    assert "this Lease shall control" in conflict.governing.sentence
    assert governs(conflict.governing) == "lease"


def test_polarity_of_a_yes_or_no_answer() -> None:
    assert polarity("can i have a cat", "No cats or dogs are allowed in the building.") == "no"
    assert polarity("can i have a cat", "Cats are permitted; up to two per home.") == "yes"
    assert polarity("can i have a cat", "No cat may be kept without a signed pet addendum.") is None
    assert polarity("how much is the deposit", "No deposit is charged.") is None


def test_notice_periods_conflict_on_the_case_asked_not_every_case_listed() -> None:
    lease = passage(
        "Lease",
        "If the Landlord proposes to terminate this Lease, the Resident shall be given written notice of the "
        "proposed termination, as listed below:\na. For failure to pay rent, at least fourteen (14) days;\n"
        "c. For all other cases, thirty (30) days, unless State law permits a shorter period;",
    )
    policy = passage(
        "Collection Policy", "The Notice of Termination shall serve the tenant with a thirty (30) day Notice."
    )
    conflict = find_conflict(
        "how much notice before they terminate my lease for not paying rent", [lease, policy]
    )
    assert conflict is not None and conflict.topic == "termination_notice" and conflict.kind == "duration"
    assert {side.values for side in conflict.sides} == {("duration:14 days",), ("duration:30 days",)}
    agreeing = passage(
        "Handbook", "For failure to pay rent, the notice of termination is fourteen (14) days."
    )
    assert (
        find_conflict("how much notice before they terminate my lease for not paying rent", [lease, agreeing])
        is None
    )


def test_a_cut_off_time_on_the_day_conflicts_with_the_whole_day() -> None:
    policy = passage(
        "Rent Policy", "Any rent payment made after 10:30 AM on the 10th day shall be considered delinquent."
    )
    other = passage(
        "Collection Policy",
        "Payments not received on or before the TENTH (10) day of each month are delinquent.",
    )
    conflict = find_conflict("if i pay the afternoon of the 10th is that still on time?", [policy, other])
    assert conflict is not None and conflict.topic == "late_after" and conflict.kind == "time"
    same = passage("Handbook", "Rent paid after 10:30 AM on the 10th is considered delinquent.")
    assert find_conflict("if i pay the afternoon of the 10th is that still on time?", [policy, same]) is None


def test_a_charge_per_item_is_not_compared_with_a_flat_amount() -> None:
    lease = passage("Lease", "The Resident has paid $300.00 to the Landlord as a Security Deposit.")
    handbook = passage(
        "Handbook", "If you do not return keys you will be fined $10.00 per key, deducted from your deposit."
    )
    assert find_conflict("how much was the security deposit", [lease, handbook]) is None


def test_a_conditional_clause_naming_the_topic_takes_no_stance() -> None:
    handbook = passage("Handbook", "Pets are permitted if you wish.")
    lease = passage(
        "Lease", "If the Resident, pets or guests caused the damage, the Landlord shall not pay for it."
    )
    assert find_conflict("are pets allowed", [handbook, lease]) is None


def test_two_files_with_the_same_title_are_two_documents() -> None:
    # scanned policies often all carry the landlord's name as their title: the file tells them apart
    lease = PolicyPassage(
        text="A late fee of $20.00 is charged if rent is not received by the 5th.",
        citation=Citation(title="CAIRO HOUSING AUTHORITY", section="Rent", source="/docs/lease.pdf"),
        score=1.0,
        doc_type="lease",
    )
    policy = PolicyPassage(
        text="Rent not received by the 5th is charged a late fee of $25.00.",
        citation=Citation(title="CAIRO HOUSING AUTHORITY", section="Late", source="/docs/policy.pdf"),
        score=1.0,
        doc_type="policy",
    )
    conflict = find_conflict("how much is the late fee", [lease, policy])
    assert conflict is not None and conflict.topic == "late_fee"


def test_the_document_said_to_prevail_may_be_named_as_yours() -> None:
    clause = passage(
        "Handbook",
        "Should any of the material in this handbook be in conflict with your lease, the provision of your "
        "lease will prevail.",
    )
    side = governing_clause([clause])
    assert side is not None and governs(side) == "lease"
