"""The baseline the chat planner is measured against: LangGraph's prebuilt ReAct agent on the same tools.

`run_react_agent` drives `langgraph.prebuilt.create_react_agent` through a conversation with the same
rendered system prompt and the same tools (as LangChain `StructuredTool`s bound to one resident's
`ResidentContext`), and returns what it cost: model calls and prompt tokens per turn, counted with the
same tokenizer and recipe as `ChatPlanner` (`count_prompt_tokens` on the OpenAI wire format, tools
included). `run_assistant` measures Doorstep's own graph on the same conversation, so `make bench` can
put the two side by side against one scripted OpenAI-compatible server.

Why the prebuilt agent costs more: every call resends the whole thread, every earlier tool result
included, as the full JSON a tool returns (nulls, ids, raw cents), and every tool schema as LangChain
derives them. The chat planner sends earlier turns as the resident's words and the reply only, this
turn's results compacted, under a token budget, and the full tool schemas only on the call that picks a
turn's tools (the answering call offers `escalate` alone).

The agent factory has moved to `langchain.agents.create_agent` in LangGraph 1.x; that package is not a
Doorstep dependency, so the deprecated (and still supported) `create_react_agent` is used here with its
deprecation warning silenced at the call.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import tiktoken
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage, convert_to_openai_messages
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import StructuredTool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.warnings import LangGraphDeprecatedSinceV10
from typing_extensions import override

from agents.assistant.runner import Assistant
from agents.planners.chat import TOKEN_ENCODING, count_prompt_tokens
from app.knowledge.tokens import get_encoding
from tools.context import ResidentContext
from tools.registry import TOOLS, ToolSpec


@dataclass
class TurnCost:
    model_calls: int = 0
    prompt_tokens: int = 0


@dataclass
class ConversationCost:
    """What one conversation cost, turn by turn, and the replies it produced."""

    turns: list[TurnCost] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)

    @property
    def model_calls(self) -> int:
        return sum(t.model_calls for t in self.turns)

    @property
    def prompt_tokens(self) -> int:
        return sum(t.prompt_tokens for t in self.turns)


class PromptTokenCounter(BaseCallbackHandler):
    """Counts chat-model calls and their prompt tokens (messages and bound tools) as they start."""

    def __init__(self, encoding: tiktoken.Encoding) -> None:
        self.encoding = encoding
        self.model_calls = 0
        self.prompt_tokens = 0

    @override
    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[BaseMessage]], **kwargs: Any
    ) -> None:
        tools = (kwargs.get("invocation_params") or {}).get("tools") or []
        for batch in messages:
            self.model_calls += 1
            self.prompt_tokens += count_prompt_tokens(convert_to_openai_messages(batch), tools, self.encoding)


def react_tools(ctx: ResidentContext) -> list[StructuredTool]:
    """Every registered tool as a `StructuredTool` run for `ctx`'s resident, returning the result's JSON
    (what a LangChain integration returns by default)."""
    return [_structured(spec, ctx) for spec in TOOLS.values()]


def _structured(spec: ToolSpec, ctx: ResidentContext) -> StructuredTool:
    def run(**arguments: Any) -> str:
        return spec.call(ctx, arguments).model_dump_json()

    return StructuredTool.from_function(
        func=run, name=spec.name, description=spec.description, args_schema=spec.args
    )


def run_react_agent(
    chat_model: BaseChatModel,
    ctx: ResidentContext,
    *,
    system_prompt: str,
    conversation: Sequence[str],
    max_steps: int = 4,
    encoding: tiktoken.Encoding | None = None,
) -> ConversationCost:
    """Run the prebuilt ReAct agent through `conversation` (one thread) and count what each turn cost.

    `chat_model` is typically a `ChatOpenAI` pointed at a scripted loopback server; `max_steps` bounds the
    model calls per turn as `AssistantContext.max_steps` does for Doorstep's graph.
    """
    from langgraph.prebuilt import create_react_agent

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LangGraphDeprecatedSinceV10)
        agent = create_react_agent(
            chat_model,
            react_tools(ctx),
            prompt=SystemMessage(system_prompt),
            checkpointer=InMemorySaver(),
        )
    counted = encoding or get_encoding(TOKEN_ENCODING)
    thread = {"thread_id": uuid.uuid4().hex}
    cost = ConversationCost()
    for text in conversation:
        counter = PromptTokenCounter(counted)
        config: RunnableConfig = {
            "configurable": thread,
            "recursion_limit": 2 * max_steps + 1,
            "callbacks": [counter],
        }
        result = agent.invoke({"messages": [HumanMessage(text)]}, config)
        cost.turns.append(TurnCost(counter.model_calls, counter.prompt_tokens))
        cost.replies.append(str(result["messages"][-1].text))
    return cost


def run_assistant(
    assistant: Assistant,
    *,
    resident_id: int | None,
    conversation: Sequence[str],
) -> ConversationCost:
    """Doorstep's graph through the same conversation (one conversation id), with its planner's costs."""
    conversation_id = uuid.uuid4().hex
    cost = ConversationCost()
    for text in conversation:
        outcome = assistant.respond(conversation_id=conversation_id, text=text, resident_id=resident_id)
        cost.turns.append(TurnCost(outcome.model_calls, outcome.prompt_tokens))
        cost.replies.append(outcome.reply or "")
    return cost
