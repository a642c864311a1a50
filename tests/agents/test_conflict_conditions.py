"""Conflicts on the conditions of a rule: both documents restrict the same thing after the same event, but
after a different number of occurrences or for a different time."""

from __future__ import annotations

from agents.conflicts import find_conflict
from tools.policies import PolicyPassage
from tools.results import Citation

QUESTION = "if my check bounces can i still pay by check after that?"


def passage(title: str, text: str) -> PolicyPassage:
    return PolicyPassage(text=text, citation=Citation(title=title, section=""), score=1.0, doc_type="policy")


def test_a_different_number_of_returned_checks_is_a_conflict_with_both_sentences() -> None:
    lease = passage(
        "Lease", "After one returned check, the Landlord will not accept personal checks from the Tenant."
    )
    policy = passage(
        "Payment Policy", "Once a second NSF check is received, personal checks are not accepted."
    )
    conflict = find_conflict(QUESTION, [lease, policy])
    assert conflict is not None and (conflict.topic, conflict.kind) == ("condition", "after")
    assert conflict.sources == ("Lease", "Payment Policy")
    assert [side.values for side in conflict.sides] == [("1",), ("2",)]


def test_a_different_length_of_time_is_a_conflict() -> None:
    lease = passage(
        "Lease", "If a check is returned, personal checks will not be accepted for six (6) months."
    )
    policy = passage(
        "Payment Policy", "A returned check means personal checks are permanently no longer accepted."
    )
    conflict = find_conflict(QUESTION, [lease, policy])
    assert conflict is not None and (conflict.topic, conflict.kind) == ("condition", "lasting")
    assert {v for side in conflict.sides for v in side.values} == {"6 months", "permanent"}


def test_a_year_and_twelve_months_are_the_same_time() -> None:
    lease = passage("Lease", "After a returned check, checks will not be accepted for one year.")
    policy = passage("Policy", "Any tenant with a dishonored check may not pay by check for twelve months.")
    assert find_conflict(QUESTION, [lease, policy]) is None


def test_the_same_rule_in_other_words_is_not_a_conflict() -> None:
    lease = passage(
        "Lease",
        "If two (2) checks are returned for insufficient funds, personal checks will no longer be accepted.",
    )
    policy = passage(
        "Payment Policy",
        "A second returned check means the office will not accept checks from the resident permanently.",
    )
    assert find_conflict(QUESTION, [lease, policy]) is None


def test_a_condition_one_document_does_not_state_is_not_a_conflict() -> None:
    lease = passage("Lease", "After a returned check, personal checks will not be accepted for 6 months.")
    silent = passage(
        "Payment Policy", "Personal checks are not accepted from tenants who have a returned check."
    )
    assert find_conflict(QUESTION, [lease, silent]) is None
    no_event = passage("Handbook", "Personal checks will not be accepted for post-dated rent.")
    assert find_conflict(QUESTION, [lease, no_event]) is None


def test_conditions_are_compared_only_when_a_yes_or_no_is_asked() -> None:
    lease = passage("Lease", "After one returned check, the Landlord will not accept personal checks.")
    policy = passage("Payment Policy", "After two returned checks, personal checks are not accepted.")
    assert find_conflict("what happens when a check bounces", [lease, policy]) is None


def test_a_fee_for_a_returned_check_is_no_rule_on_paying_by_check() -> None:
    # both name a count of returned checks, but neither restricts paying by check: nothing to compare
    lease = passage("Lease", "A $35 fee is charged for each returned check.")
    policy = passage("Payment Policy", "Two returned checks in a year are each charged a $35 fee.")
    assert find_conflict(QUESTION, [lease, policy]) is None


def test_a_money_amount_before_the_event_is_not_a_count() -> None:
    lease = passage(
        "Lease", "A $35 returned check fee is charged and personal checks will not be accepted for 6 months."
    )
    policy = passage(
        "Payment Policy", "After 3 returned checks, personal checks will not be accepted for 6 months."
    )
    conflict = find_conflict(QUESTION, [lease, policy])
    assert conflict is not None and conflict.kind == "after"
    assert [side.values for side in conflict.sides] == [("1",), ("3",)]
