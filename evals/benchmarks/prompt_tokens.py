"""Prompt tokens per turn: Doorstep's chat planner beside LangGraph's prebuilt ReAct agent (issue #4).

Target: on the same scripted conversations, Doorstep sends at most 60% of the ReAct agent's prompt
tokens. Both agents use the real `ChatOpenAI` client against one scripted loopback server
(`evals.model_server`), the same tools, the same documents and the same system prompt (the one Doorstep
rendered for the resident), so the only difference is what each agent chooses to send.

The script is the model: for each resident message it asks for the turn's tool, then, once it has the
result, answers with one fixed sentence, so both agents make the same calls and differ only in their
prompts. Several residents and question mixes run, so the figure is not one conversation's. The test
suite runs the first conversation on its own database (`tests/agents/test_chat_planner.py`).

Tokens are counted as the agents count them (`count_prompt_tokens`: o200k_base on the OpenAI wire
format, tool schemas included), and again on what the server received, as a check.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from langchain_openai import ChatOpenAI
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from agents.assistant.graph import build_graph
from agents.assistant.runner import Assistant
from agents.planners.chat import TOKEN_ENCODING, ChatPlanner, count_prompt_tokens
from agents.planners.react_baseline import ConversationCost, TurnCost, run_assistant, run_react_agent
from app.knowledge.tokens import get_encoding
from evals.conversations.environment import AS_OF, SetupError, open_environment
from evals.model_server import FakeOpenAI, Reply, text, tool_call
from tools.context import ResidentContext

if TYPE_CHECKING:
    from app.knowledge.retrieval import Retriever

TARGET_RATIO = 0.60
"""Doorstep's prompt tokens over the ReAct agent's, at most."""
MODEL_TIMEOUT_S = 10.0
"""Per request, for both clients (no retries): the loopback server answers in milliseconds."""
AFTER_TOOLS = "Here is what I found on your account. Is there anything else I can help you with today?"
NO_TOOL = "You're welcome! Is there anything else I can help you with today?"
UNKNOWN = "Could you say that another way?"


@dataclass(frozen=True)
class Turn:
    """One resident message and the tool the scripted model asks for on reading it."""

    question: str
    tool: str | None = None
    """None: the model answers at once, without a tool."""
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScriptedConversation:
    name: str
    persona: str
    """A key of the demo seed's personas: `delinquent`, or `nsf:hudson-terrace` for another property."""
    turns: tuple[Turn, ...]

    @property
    def questions(self) -> list[str]:
        return [turn.question for turn in self.turns]


CONVERSATIONS = (
    ScriptedConversation(
        "six account and policy questions",
        "delinquent",
        (
            Turn("hi, what do i owe right now?", "get_balance"),
            Turn("can i get a dog? whats the pet policy", "search_policies", {"query": "pet policy dogs"}),
            Turn("when is my next rent due?", "get_next_due"),
            Turn("how much is the late fee if i pay late?", "get_lease_terms"),
            Turn("why was i charged a late fee?", "explain_charge", {"kind": "late_fee"}),
            Turn("did my last payment go through?", "get_payment_status"),
        ),
    ),
    ScriptedConversation(
        "a returned payment",
        "nsf:hudson-terrace",
        (
            Turn("why is there an extra fee on my account?", "explain_charge", {"kind": "nsf_fee"}),
            Turn("what payments did you get from me lately?", "get_recent_activity", {"days": 60}),
            Turn("so what is my balance now?", "get_balance"),
            Turn("can i pay by card instead?", "search_policies", {"query": "pay rent by credit card"}),
            Turn("ok thanks"),
        ),
    ),
    ScriptedConversation(
        "house rules from a resident who pays on time",
        "on_time:aspen-ridge",
        (
            Turn("are dogs allowed here?", "search_policies", {"query": "dogs pet policy"}),
            Turn("where can my guests park?", "search_policies", {"query": "guest parking"}),
            Turn("is there a grace period before a late fee?", "get_lease_terms"),
            Turn("thanks, that helps"),
        ),
    ),
)
"""The first is the one the test suite runs."""

_SCRIPT = {turn.question: turn for conversation in CONVERSATIONS for turn in conversation.turns}


def scripted_model(request: dict[str, Any]) -> Reply:
    """The same model for both agents: the turn's tool for each question, then a short answer."""
    last = request["messages"][-1]
    if last["role"] == "tool":
        return text(AFTER_TOOLS)
    turn = _SCRIPT.get(last["content"])
    if turn is None:
        return text(UNKNOWN)
    return tool_call(turn.tool, turn.args) if turn.tool else text(NO_TOOL)


@dataclass(frozen=True)
class Comparison:
    """One conversation through both agents: their costs and the requests the server received."""

    conversation: ScriptedConversation
    doorstep: ConversationCost
    react: ConversationCost
    doorstep_requests: list[dict[str, Any]]
    react_requests: list[dict[str, Any]]

    @property
    def ratio(self) -> float:
        return self.doorstep.prompt_tokens / self.react.prompt_tokens


def compare_agents(
    conversation: ScriptedConversation,
    *,
    server: FakeOpenAI,
    sessions: sessionmaker[Session],
    resident_id: int | None,
    today: date,
    retriever: Retriever | None,
) -> Comparison:
    """Run `conversation` through Doorstep's graph with the chat planner, then through the ReAct agent
    with the system prompt Doorstep sent, both against `server` (which must already be scripted)."""
    planner = ChatPlanner(
        api_key="bench-key",
        base_url=server.base_url,
        model=server.model,
        timeout=MODEL_TIMEOUT_S,
        max_retries=0,
    )
    assistant = Assistant(
        sessions=sessions,
        graph=build_graph(checkpointer=InMemorySaver()),
        planner=planner,
        today=lambda: today,
        retriever=retriever,
    )
    start = len(server.requests)
    doorstep = run_assistant(assistant, resident_id=resident_id, conversation=conversation.questions)
    doorstep_requests = server.requests[start:]

    model = ChatOpenAI(
        model=server.model,
        api_key=SecretStr("bench-key"),
        base_url=server.base_url,
        timeout=MODEL_TIMEOUT_S,
        max_retries=0,
    )
    react = run_react_agent(
        model,
        ResidentContext(resident_id=resident_id, sessions=sessions, today=today, retriever=retriever),
        system_prompt=doorstep_requests[0]["messages"][0]["content"],
        conversation=conversation.questions,
        encoding=planner.encoding,
    )
    react_requests = server.requests[start + len(doorstep_requests) :]
    return Comparison(conversation, doorstep, react, doorstep_requests, react_requests)


def wire_tokens(requests: Sequence[dict[str, Any]]) -> int:
    """Prompt tokens of requests as the server received them, by the recipe both agents count with."""
    encoding = get_encoding(TOKEN_ENCODING)
    return sum(count_prompt_tokens(r["messages"], r.get("tools") or [], encoding) for r in requests)


def run_prompt_token_bench(console: Console | None = None) -> dict[str, Any]:
    """Seed the demo, ingest its documents, run every conversation through both agents; print a table
    and return the figures for the JSON report."""
    console = console or Console(highlight=False, width=None if sys.stdout.isatty() else 140)
    console.print("[dim]prompt tokens: seeding the demo and ingesting its documents...[/]")
    with open_environment() as env, FakeOpenAI(scripted_model) as server:
        if env.retriever is None:
            raise SetupError(f"the demo documents are needed: {env.documents_note}")
        runs = []
        for conversation in CONVERSATIONS:
            with env.fresh_database() as sessions:
                runs.append(
                    compare_agents(
                        conversation,
                        server=server,
                        sessions=sessions,
                        resident_id=env.persona(conversation.persona).resident_id,
                        today=AS_OF,
                        retriever=env.retriever,
                    )
                )
        if server.errors or server.unscripted:
            raise RuntimeError(f"the scripted model failed: {server.errors or server.unscripted}")
    console.print(_table(runs))
    return _report(runs)


def _total(costs: Sequence[ConversationCost]) -> ConversationCost:
    return ConversationCost(turns=[turn for cost in costs for turn in cost.turns])


def _table(runs: Sequence[Comparison]) -> Table:
    doorstep, react = _total([r.doorstep for r in runs]), _total([r.react for r in runs])
    table = Table(
        title="Chat planner beside LangGraph's prebuilt ReAct agent: same scripted model, tools, documents",
        caption=(
            f"prompt tokens: {TOKEN_ENCODING} on the OpenAI wire format, tool schemas included; "
            f"counted again on what the loopback server received: Doorstep "
            f"{wire_tokens([q for r in runs for q in r.doorstep_requests]):,}, "
            f"ReAct {wire_tokens([q for r in runs for q in r.react_requests]):,}"
        ),
    )
    table.add_column("turn")
    table.add_column("resident says")
    for agent in ("Doorstep", "ReAct"):
        table.add_column(f"{agent}\ncalls", justify="right")
        table.add_column(f"{agent}\ntokens", justify="right")
    table.add_column("Doorstep /\nReAct", justify="right")
    for run in runs:
        table.add_section()
        table.add_row("", f"[bold]{run.conversation.name}[/] ({run.conversation.persona})")
        turns = zip(run.conversation.turns, run.doorstep.turns, run.react.turns, strict=True)
        for n, (turn, d, r) in enumerate(turns, start=1):
            table.add_row(str(n), turn.question, *_cells(d, r), f"{_ratio(d, r):.2f}")
        table.add_row("", "whole conversation", *_cells(run.doorstep, run.react), f"{run.ratio:.2f}")
    table.add_section()
    ratio = _ratio(doorstep, react)
    verdict = f"[green]{ratio:.3f} met[/]" if ratio <= TARGET_RATIO else f"[red]{ratio:.3f} missed[/]"
    summary = f"{len(runs)} conversations, {len(doorstep.turns)} turns; target <= {TARGET_RATIO:.2f}"
    table.add_row("[bold]all[/]", summary, *_cells(doorstep, react), verdict)
    return table


def _cells(doorstep: TurnCost | ConversationCost, react: TurnCost | ConversationCost) -> list[str]:
    numbers = (doorstep.model_calls, doorstep.prompt_tokens, react.model_calls, react.prompt_tokens)
    return [f"{n:,}" for n in numbers]


def _ratio(doorstep: TurnCost | ConversationCost, react: TurnCost | ConversationCost) -> float:
    return doorstep.prompt_tokens / react.prompt_tokens


def _report(runs: Sequence[Comparison]) -> dict[str, Any]:
    doorstep, react = _total([r.doorstep for r in runs]), _total([r.react for r in runs])
    ratio = _ratio(doorstep, react)
    return {
        "target_ratio": TARGET_RATIO,
        "ratio": round(ratio, 3),
        "met": ratio <= TARGET_RATIO,
        "doorstep": _cost_json(doorstep, [q for r in runs for q in r.doorstep_requests]),
        "react": _cost_json(react, [q for r in runs for q in r.react_requests]),
        "conversations": [
            {
                "name": run.conversation.name,
                "persona": run.conversation.persona,
                "questions": run.conversation.questions,
                "ratio": round(run.ratio, 3),
                "doorstep": _cost_json(run.doorstep, run.doorstep_requests) | _per_turn(run.doorstep),
                "react": _cost_json(run.react, run.react_requests) | _per_turn(run.react),
            }
            for run in runs
        ],
    }


def _cost_json(cost: ConversationCost, requests: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        "model_calls": cost.model_calls,
        "prompt_tokens": cost.prompt_tokens,
        "server_counted_prompt_tokens": wire_tokens(requests),
    }


def _per_turn(cost: ConversationCost) -> dict[str, list[int]]:
    return {
        "model_calls_per_turn": [t.model_calls for t in cost.turns],
        "prompt_tokens_per_turn": [t.prompt_tokens for t in cost.turns],
    }
