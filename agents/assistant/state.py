"""The conversation's state, checkpointed per thread. Everything in it is plain JSON-able data."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages


class ToolRun(TypedDict):
    name: str
    args: dict[str, Any]
    result: dict[str, Any]
    """The tool result, `model_dump(mode="json")`; re-read with the tool's result model."""


class Turn(TypedDict, total=False):
    """The working data of the current turn; reset when a new message arrives."""

    text: str
    """The resident's message after the guard: scrubbed, normalised, truncated."""
    flags: list[str]
    """What the guard noticed: card, bank_account, ssn, suspicious."""
    rejected: str | None
    intent: str | None
    intents: list[str]
    """The top intent and any secondary ones answered in the same reply."""
    slots: dict[str, Any]
    language: str
    runs: list[ToolRun]
    steps: int
    clarify: list[str] | None
    """Two intents to choose between when the planner is unsure."""
    direct: str | None
    """A template key for replies that need no tool: greeting, thanks, out_of_scope, other_resident."""
    final_text: str | None
    """A chat model's own answer, when it wrote one."""
    escalate: str | None
    """Why the turn goes to staff (an EscalationReason value)."""
    draft: str
    citations: list[dict[str, Any]]
    check: dict[str, Any]
    reply: str
    pending: list[dict[str, Any]]
    """Tool calls planned and not yet run."""
    then_answer: bool
    """The planner said the pending calls are its last: the graph answers once they ran."""
    model_calls: int
    prompt_tokens: int


class AssistantState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    """The conversation's last turns as the assistant saw them (scrubbed), resident and assistant
    (`nodes.KEPT_TURNS`; the whole conversation is in the `messages` table)."""
    turn: Turn
    language: str
    """The language of the conversation so far ("en" or "es")."""
    last_intent: str | None
    """The previous turn's intent, for follow-ups like "what about October?"."""
    last_slots: dict[str, Any]
    misunderstandings: int
    """Consecutive turns the assistant could not understand; the second one escalates."""
