"""What a planner is: given the state of the turn, decide the next step."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from agents.assistant.context import AssistantContext
    from agents.assistant.state import AssistantState


HISTORY_TURNS = 6
"""Earlier turns of the conversation a planner may read, each as the resident's message and the reply
(`agents.planners.chat.split_turns`); the checkpoint keeps no more (`agents.assistant.nodes.KEPT_TURNS`)."""


@dataclass
class ToolCall:
    name: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class PlanStep:
    """One planning decision. Exactly one of: tools to call, an answer to compose, or an escalation."""

    calls: list[ToolCall] = field(default_factory=list)
    intent: str | None = None
    intents: list[str] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    language: str | None = None
    clarify: list[str] | None = None
    direct: str | None = None
    final_text: str | None = None
    escalate: str | None = None
    model_calls: int = 0
    prompt_tokens: int = 0
    then_answer: bool = False
    """These calls are all the turn needs: once they ran, answer without asking the planner again."""


class Planner(Protocol):
    name: str

    def begin(self, text: str) -> Future[Any] | None:
        """Start, on another thread, whatever planning needs from the guarded message alone (the offline
        planner's classification), so that it runs while the turn stores the message and loads the
        account. The runner hands the future to `plan` as `ctx.head_start`. None: nothing to start."""
        ...

    def plan(self, state: AssistantState, ctx: AssistantContext) -> PlanStep: ...
