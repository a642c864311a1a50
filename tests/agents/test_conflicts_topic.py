"""What a yes-or-no question is about, for the stance conflict: the place asked about is not the topic."""

from __future__ import annotations

from agents.conflicts import find_conflict
from tools.policies import PolicyPassage
from tools.results import Citation


def _passage(title: str, text: str) -> PolicyPassage:
    return PolicyPassage(text=text, citation=Citation(title=title, section=""), score=1.0, doc_type="policy")


def test_a_rule_on_something_else_in_the_apartments_is_no_conflict_with_a_pet_permission() -> None:
    guide = _passage("Welcome Guide", "Pets are permitted once the office has approved them.")
    lease = _passage(
        "Lease",
        "Vaping is banned near the buildings. Use of any of the above in your apartment is not allowed.",
    )

    assert find_conflict("are pets allowed in the apartments", [guide, lease]) is None


def test_a_pet_ban_still_conflicts_with_a_pet_permission_when_the_question_names_the_units() -> None:
    guide = _passage("Welcome Guide", "Pets are welcome in all units.")
    notice = _passage("Pet Notice", "No pets are allowed in the units.")

    conflict = find_conflict("are pets allowed in the units", [guide, notice])

    assert conflict is not None and conflict.topic == "permission"
