"""Questions about what an operator's documents say reach the documents; a resident's own case still goes to
a person, for the reason its words give. Phrasings written for these tests (not taken from any eval set)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy.orm import sessionmaker

from agents.assistant.context import AssistantContext
from agents.assistant.state import AssistantState
from agents.intents import Intent
from agents.offline import IntentClassifier, IntentPrediction
from agents.planners.base import PlanStep
from agents.planners.offline import OfflinePlanner, asks_question
from tools.context import ResidentContext


@pytest.fixture(scope="module")
def planner(trained_models: Path) -> OfflinePlanner:
    return OfflinePlanner(IntentClassifier.load_or_train(trained_models))


def plan(planner: OfflinePlanner, text: str, *, resident_id: int | None = None) -> PlanStep:
    """The planner's first step for one message; no unit is named, so no database is reached."""
    tools = ResidentContext(resident_id=resident_id, sessions=sessionmaker(), today=date(2026, 12, 7))
    state: Any = {"turn": {"text": text, "runs": []}, "messages": []}
    return planner.plan(AssistantState(**state), AssistantContext(tools=tools, planner=planner))


@pytest.mark.parametrize(
    "text",
    [
        "misplaced my pool pass, who do i let know",  # a question after a few words of story
        "lost my parking pass what happens",
        "got a late notice, how long until they charge the fee",
        "what's the penalty for parking in the wrong spot",  # "wrong" is not a charge said to be wrong
        "what happens if i never set up renters insurance",  # nor is "never"
        "does the office ever drop late fees if you pay within a couple days",  # the rule, not a waiver
        "what legal steps do they take if i cant pay",  # the procedure, not a case of theirs
    ],
)
def test_a_question_about_the_documents_is_looked_up_not_escalated(
    planner: OfflinePlanner, text: str
) -> None:
    step = plan(planner, text)
    assert step.escalate is None and step.direct is None
    assert [c.name for c in step.calls] == ["search_policies"]


@pytest.mark.parametrize(
    "text",
    [
        "does the office ever drop late fees if you pay within a couple days",
        "what's the penalty for parking in the wrong spot",
    ],
)
def test_a_residents_rule_question_is_answered_not_escalated(planner: OfflinePlanner, text: str) -> None:
    step = plan(planner, text, resident_id=1)
    assert step.escalate is None and step.direct is None
    assert step.calls


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("someone broke into my unit, who do i call", "emergency"),
        ("why did you charge me a late fee when i paid on time", "dispute"),
    ],
)
def test_an_escalation_gives_the_reason_the_message_bears_out(
    planner: OfflinePlanner, text: str, reason: str
) -> None:
    assert plan(planner, text, resident_id=1).escalate == reason


@pytest.mark.parametrize(
    ("text", "reasons"),
    [
        ("my ceiling is leaking water everywhere, what do i do", {"emergency"}),
        ("the manager keeps calling me racial slurs, who do i report this to", {"discrimination"}),
        ("they charged me twice this month, how do i get it fixed", {"dispute"}),
        ("i got a 3 day notice on my door what does it mean", {"legal"}),
        ("they shut off my water, what are my rights", {"legal"}),
        ("you people are useless, what is wrong with you", {"abuse"}),
        ("will you waive my late fee if i pay today", {"dispute"}),
        ("if i pay today will they waive my late fee", {"dispute"}),
        ("can u take the late fee off my account", {"dispute"}),
        ("i want to talk to a real person, can someone call me", {"requested_person"}),
        ("the late fee on my account is a mistake what do i do", {"dispute"}),
    ],
)
def test_a_residents_own_case_put_as_a_question_still_goes_to_a_person(
    planner: OfflinePlanner, text: str, reasons: set[str]
) -> None:
    assert plan(planner, text, resident_id=1).escalate in reasons


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("lost my building key, who do i tell", True),
        ("dropped my keys down the drain what happens", True),
        ("on what day do they post the late notices", True),
        ("after the second warning how long before they end the lease", True),
        ("i paid the rent yesterday", False),
        ("please send me the lease", False),
    ],
)
def test_a_question_is_recognised_after_a_few_words_of_story(text: str, asked: bool) -> None:
    assert asks_question(text) is asked


class ScriptedClassifier:
    """Reads every message as one fixed prediction: the planner's decisions on an unsure reading."""

    def __init__(self, probabilities: dict[Intent, float]) -> None:
        top = max(probabilities, key=lambda i: probabilities[i])
        self.prediction = IntentPrediction(
            intent=top,
            confidence=probabilities[top],
            probabilities=probabilities,
            escalation_probability=0.0,
            escalate=False,
            ambiguous=True,
            language="en",
        )

    def predict_many(self, texts: list[str]) -> list[IntentPrediction]:
        return [self.prediction for _ in texts]


def scripted(probabilities: dict[Intent, float]) -> OfflinePlanner:
    return OfflinePlanner(cast(IntentClassifier, ScriptedClassifier(probabilities)))


def test_an_unsure_out_of_scope_question_with_a_policy_reading_is_looked_up() -> None:
    unsure = scripted({Intent.OUT_OF_SCOPE: 0.45, Intent.POLICY_QUESTION: 0.3, Intent.BALANCE: 0.25})
    step = plan(unsure, "snapped my storage unit key, what does a new one cost")
    assert step.direct is None and [c.name for c in step.calls] == ["search_policies"]


@pytest.mark.parametrize(
    ("probabilities", "text"),
    [
        (
            {Intent.OUT_OF_SCOPE: 0.55, Intent.GREETING: 0.4, Intent.POLICY_QUESTION: 0.05},
            "what's the weather like",
        ),
        (
            {Intent.OUT_OF_SCOPE: 0.45, Intent.POLICY_QUESTION: 0.3, Intent.BALANCE: 0.25},
            "my cat likes the sun",
        ),
    ],
)
def test_out_of_scope_stays_so_without_a_policy_reading_or_a_question(
    probabilities: dict[Intent, float], text: str
) -> None:
    assert plan(scripted(probabilities), text).direct == "out_of_scope"


@pytest.mark.parametrize("text", ["can i pay the rent with apple pay", "where do i drop off a money order"])
def test_a_way_to_pay_asked_without_an_account_is_answered_from_the_documents(
    planner: OfflinePlanner, text: str
) -> None:
    """No lease of theirs to read (a property question): not "sign in first", the documents' answer."""
    assert [c.name for c in plan(planner, text).calls] == ["search_policies"]
