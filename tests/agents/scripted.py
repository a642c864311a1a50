"""A scripted planner for graph tests: returns the plan steps it is given, in order."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from agents.assistant.context import AssistantContext
from agents.assistant.state import AssistantState
from agents.planners.base import PlanStep


class ScriptedPlanner:
    name = "scripted"

    def __init__(self, *steps: PlanStep) -> None:
        self.steps = list(steps)
        self.seen: list[AssistantState] = []

    def begin(self, text: str) -> Future[Any] | None:
        return None

    def plan(self, state: AssistantState, ctx: AssistantContext) -> PlanStep:
        self.seen.append(state)
        return self.steps.pop(0) if self.steps else PlanStep()
