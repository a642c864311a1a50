"""The offline planner inside a real turn: the message is classified once, on the planner's own threads
while the runner stores it, and a classification begun for other words is never used."""

from __future__ import annotations

import threading
import uuid
from datetime import date
from typing import Any

import pytest

from agents.assistant.context import AssistantContext
from agents.assistant.runner import Assistant, TurnOutcome
from agents.offline import IntentClassifier, IntentPrediction
from agents.planners.offline import OfflinePlanner
from evals.conversations.environment import EvalEnvironment
from tools.context import ResidentContext

AS_OF = date(2026, 11, 23)


class Recording:
    """Wraps a classifier and notes every text it is asked about, with the thread that asked."""

    def __init__(self, inner: IntentClassifier) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str]] = []

    def predict(self, text: str) -> IntentPrediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts: list[str]) -> list[IntentPrediction]:
        self.calls.extend((text, threading.current_thread().name) for text in texts)
        return self.inner.predict_many(texts)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
def planner(conversation_env: EvalEnvironment) -> tuple[OfflinePlanner, Recording]:
    shared = conversation_env.planner("offline")
    assert isinstance(shared, OfflinePlanner)
    recording = Recording(shared.classifier)
    return OfflinePlanner(recording), recording  # type: ignore[arg-type]


def _respond(env: EvalEnvironment, offline: OfflinePlanner, text: str) -> TurnOutcome:
    """One turn from the delinquent demo resident, in a fresh database, through the real runner."""
    persona = env.persona("delinquent")
    with env.fresh_database() as sessions:
        assistant = Assistant(
            sessions=sessions,
            graph=env.graph("offline"),
            planner=offline,
            today=lambda: AS_OF,
            retriever=env.retriever,
        )
        return assistant.respond(
            conversation_id=uuid.uuid4().hex,
            text=text,
            resident_id=persona.resident_id,
            property_code=persona.property_code,
        )


def test_a_turn_classifies_its_message_once_off_the_callers_thread(
    conversation_env: EvalEnvironment, planner: tuple[OfflinePlanner, Recording]
) -> None:
    offline, recording = planner
    outcome = _respond(conversation_env, offline, "hey how much do i owe right now")
    assert outcome.intent == "balance" and [c["name"] for c in outcome.tool_calls] == ["get_balance"]
    assert outcome.reply and "$" in outcome.reply
    assert [text for text, _ in recording.calls] == ["hey how much do i owe right now"]
    assert recording.calls[0][1].startswith("doorstep-classify")


def test_a_head_start_for_other_words_is_ignored(
    conversation_env: EvalEnvironment, planner: tuple[OfflinePlanner, Recording]
) -> None:
    offline, recording = planner
    persona = conversation_env.persona("delinquent")
    with conversation_env.fresh_database() as sessions:
        ctx = AssistantContext(
            tools=ResidentContext(resident_id=persona.resident_id, sessions=sessions, today=AS_OF),
            planner=offline,
            head_start=offline.begin("thank you so much!"),
        )
        step = offline.plan({"turn": {"text": "what's my balance", "runs": []}, "messages": []}, ctx)
    assert step.intent == "balance" and [c.name for c in step.calls] == ["get_balance"]
    assert [text for text, _ in recording.calls] == ["thank you so much!", "what's my balance"]


@pytest.mark.parametrize(
    ("text", "tools"),
    [
        ("how much do i owe and when is it due", ["get_balance", "get_next_due"]),
        ("cuanto debo y cuando vence?", ["get_balance", "get_next_due"]),
    ],
)
def test_a_message_that_asks_two_things_gets_both_answered(
    conversation_env: EvalEnvironment, planner: tuple[OfflinePlanner, Recording], text: str, tools: list[str]
) -> None:
    offline, recording = planner
    outcome = _respond(conversation_env, offline, text)
    assert [c["name"] for c in outcome.tool_calls] == tools
    assert not outcome.escalated and outcome.check_ok
    # The whole message and each of its two questions, in one batch on the planner's thread.
    assert len(recording.calls) == 3 and recording.calls[0][0] == text
