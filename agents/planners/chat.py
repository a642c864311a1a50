"""The chat-model planner: an OpenAI-compatible chat model chooses the tools and writes the answer.

Each visit of the graph's `plan` node is one model call through `langchain_openai.ChatOpenAI`, with tools
of `tools.registry` bound (their own schemas and descriptions, compacted). The model either asks for
tools, which the `act` node runs for the conversation's resident, or answers in text, which the answer
checker then verifies against this turn's tool results before anything is sent.

What the model is sent, and why it stays small:

- the tools a call can use (`ChatPlanner.tools_for`): every tool on the turn's first call, where the model
  asks for all the lookups the question needs at once; once their results are in, only `escalate` (the
  model answers from them or hands over), every tool again if a result came back refused or empty (to
  correct or refine that call), and none on the graph's last planning step, whose tool results no model
  would read. So a tool-using turn pays for the full schemas once, not on every call;
- the system prompt `prompts/system.en.txt`, rendered for the property, the resident and today, plus a
  warning when the guard flagged the message as a possible prompt injection;
- earlier turns as the resident's words and the reply that was sent, nothing else: their tool calls and
  results are dropped (figures from an earlier turn may be stale, and the checker accepts only this
  turn's results anyway), at most `history_turns` of them and only as many as fit the token budget;
- this turn's tool results as compact JSON: no nulls, empty lists or ids, cents as the dollar strings
  the answer should quote (`"total":"$1,850.00"`), a rule only in the reply's language, passages as
  text, title, section and page, cut to fit the budget if a result is huge.

Tokens are counted with tiktoken (made to work offline by `app.knowledge.tokens`) on the OpenAI wire
format, and reported per call in `PlanStep.prompt_tokens` with `model_calls=1`.

A model that fails (timeout, connection error, HTTP error after the client's retries, output that is
not a usable answer) never fails the turn: the fallback planner given to the constructor (the offline
planner in production) plans the rest of that turn, or without one the turn goes to staff as
`unverified_answer`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import openai
import tiktoken
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    InvalidToolCall,
    SystemMessage,
    ToolMessage,
    convert_to_openai_messages,
)
from langchain_core.messages.tool import ToolCall as LangChainToolCall
from langchain_core.runnables import Runnable
from langchain_openai import ChatOpenAI
from pydantic import SecretStr, ValidationError

from agents.intents import Intent
from agents.planners.base import HISTORY_TURNS, Planner, PlanStep, ToolCall
from agents.prompts import PromptFile, load
from app.formatting import format_date
from app.knowledge.tokens import get_encoding
from app.money import format_cents
from tools.escalation import EscalateArgs, EscalationReason
from tools.registry import TOOLS

if TYPE_CHECKING:
    from agents.assistant.context import AssistantContext
    from agents.assistant.state import AssistantState
    from app.config import Settings

log = logging.getLogger(__name__)

PROMPT_NAME = "system.en"
"""`prompts/system.en.txt`: `[system]` (the system prompt) and `[suspicious]` (the injection warning)."""
DEFAULT_TIMEOUT_S = 20.0
DEFAULT_MAX_RETRIES = 1
DEFAULT_MAX_PROMPT_TOKENS = 4000
"""Budget for everything sent per call: system prompt, tool schemas, history and this turn."""
DEFAULT_HISTORY_TURNS = HISTORY_TURNS
TOKEN_ENCODING = "o200k_base"
"""The tokenizer of the gpt-4o family (the default model); cl100k_base for older models."""
CUT_MARK = " …[cut]"
"""Ends a tool result that was cut to fit the budget."""
MIN_TOOL_RESULT_TOKENS = 60
"""A tool result cut to fit the budget keeps at least this many tokens."""
_FALLBACK_MEMORY = 2048
"""How many recent turns the planner remembers as handed to the fallback planner."""
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}

TOOL_INTENTS: Mapping[str, Intent] = {
    "get_balance": Intent.BALANCE,
    "get_recent_activity": Intent.BALANCE,
    "get_next_due": Intent.DUE_DATE,
    "get_lease_terms": Intent.LATE_FEE_RULES,
    "explain_charge": Intent.EXPLAIN_CHARGE,
    "get_payment_status": Intent.PAYMENT_STATUS,
    "get_deposit": Intent.BALANCE,
    "search_policies": Intent.POLICY_QUESTION,
    "propose_payment_plan": Intent.PAYMENT_PLAN,
    "escalate": Intent.TALK_TO_PERSON,
}
"""The intent a tool call stands for: the chat planner has no classifier, its tool choice is the intent."""
ESCALATION_INTENTS: Mapping[str, Intent] = {
    EscalationReason.DISPUTE: Intent.DISPUTE,
    EscalationReason.LEGAL: Intent.LEGAL,
    EscalationReason.EMERGENCY: Intent.EMERGENCY,
    EscalationReason.DISCRIMINATION: Intent.DISCRIMINATION,
    EscalationReason.ABUSE: Intent.ABUSE,
    EscalationReason.HARDSHIP_BEYOND_POLICY: Intent.PAYMENT_PLAN,
    EscalationReason.PLAN_REVIEW: Intent.PAYMENT_PLAN,
}

ANSWER_TOOLS = frozenset({"escalate"})
"""The tools offered once this turn's results are in: the model answers from them, or hands over."""

_DROPPED_RESULT_KEYS = frozenset({"entry_id", "score", "source", "doc_type"})
"""Result fields the model has no use for: database ids, retrieval scores, a passage's file and document
type (its citation's title names the document)."""
_VALIDATION_KEYWORDS = frozenset({"additionalProperties", "minLength", "maxLength"})
"""Schema keywords that only bound what the `act` node accepts, which it checks itself."""

MODEL_ERRORS: tuple[type[BaseException], ...] = (
    openai.OpenAIError,  # timeouts, connection errors, HTTP errors (after the client's retries)
    httpx.HTTPError,
    TimeoutError,
    ValueError,  # a body that is not JSON, a completion LangChain cannot parse
    KeyError,
    TypeError,
)


class MalformedReply(ValueError):
    """The model answered, but with nothing the graph can use."""


class ChatPlanner:
    """The `Planner` that plans with an OpenAI-compatible chat model (see the module docstring)."""

    name = "chat"

    def __init__(
        self,
        *,
        api_key: str | SecretStr,
        model: str = "gpt-4o-mini",
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_retries: int = DEFAULT_MAX_RETRIES,
        stream: bool = False,
        fallback: Planner | None = None,
        max_prompt_tokens: int = DEFAULT_MAX_PROMPT_TOKENS,
        history_turns: int = DEFAULT_HISTORY_TURNS,
        temperature: float | None = 0.0,
        encoding: str = TOKEN_ENCODING,
        token_cache_dir: Path | None = None,
    ) -> None:
        """Nothing touches the network here; the tokenizer loads on first use.

        `stream=True` reads every answer as server-sent events and assembles it (for servers that only
        stream). `timeout` bounds each request, `max_retries` the client's retries of timeouts, 429s and
        5xx; a streamed answer as a whole is also cut off after `timeout` per attempt.
        """
        self.model_name = model
        self.timeout = timeout
        self.max_retries = max_retries
        self.stream = stream
        self.fallback = fallback
        self.max_prompt_tokens = max_prompt_tokens
        self.history_turns = history_turns
        self.encoding_name = encoding
        self.token_cache_dir = token_cache_dir
        self.prompt: PromptFile = load(PROMPT_NAME)
        self.prompt.get("system")  # fail at construction, not mid-conversation, if the file is broken
        self.tools: list[dict[str, Any]] = [
            compact_tool_schema(spec.openai_schema()) for spec in TOOLS.values()
        ]
        self.answer_tools = [t for t in self.tools if t["function"]["name"] in ANSWER_TOOLS]
        key = api_key if isinstance(api_key, SecretStr) else SecretStr(api_key)
        self.chat_model = ChatOpenAI(
            model=model,
            api_key=key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            temperature=temperature,
        )
        self._bound: dict[tuple[str, ...], Runnable[Any, BaseMessage]] = {
            _names(tools): self.chat_model.bind_tools(tools) if tools else self.chat_model
            for tools in (self.tools, self.answer_tools, [])
        }
        self._fallen_back: OrderedDict[tuple[str | None, str], None] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        fallback: Planner | None = None,
        stream: bool = False,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_retries: int = DEFAULT_MAX_RETRIES,
    ) -> ChatPlanner:
        """From `OPENAI_API_KEY`, `OPENAI_BASE_URL` and `DOORSTEP_MODEL`.

        A base URL without a key is allowed (local OpenAI-compatible servers ignore the key); neither is
        a configuration error. A blank key counts as none.
        """
        key = settings.OPENAI_API_KEY
        if key is not None and not key.get_secret_value().strip():
            key = None  # `OPENAI_API_KEY=` in an env file: no key, not an empty one to send
        if key is None and not settings.OPENAI_BASE_URL:
            raise ValueError("the chat planner needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)")
        return cls(
            api_key=key or SecretStr("not-needed"),
            base_url=settings.OPENAI_BASE_URL,
            model=settings.DOORSTEP_MODEL,
            timeout=timeout,
            max_retries=max_retries,
            stream=stream,
            fallback=fallback,
            token_cache_dir=settings.data_dir / "cache" / "tiktoken",
        )

    # -- the Planner protocol -------------------------------------------------------------------------

    def begin(self, text: str) -> Future[Any] | None:  # noqa: ARG002 (the protocol's signature)
        """Nothing: the model plans from the whole state, and the fallback classifies only if it runs."""
        return None

    def plan(self, state: AssistantState, ctx: AssistantContext) -> PlanStep:
        """One decision for the turn: tools to call, the model's answer, or an escalation."""
        key = _turn_key(state, ctx)
        if self._has_fallen_back(key):
            return self._fall_back(state, ctx, key)
        turn = state["turn"]
        recorded = _recorded_escalation(turn.get("runs", []))
        if recorded is not None:  # the model escalated: hand over with the graph's vetted message
            return PlanStep(escalate=recorded)
        language = self.language_of(state)
        tools = self.tools_for(state, ctx)
        messages = self.build_messages(state, ctx, language=language, tools=tools)
        tokens = self.count_tokens(messages, tools)
        try:
            reply = self._call_model(messages, tools)
            step = self._step_from(reply, state, language)
        except MODEL_ERRORS as exc:
            log.warning(
                "chat model failed (%s: %s); falling back for this turn",
                type(exc).__name__,
                exc,
                exc_info=not isinstance(exc, openai.OpenAIError | MalformedReply),
            )
            return self._fall_back(state, ctx, key, cost=PlanStep(model_calls=1, prompt_tokens=tokens))
        step.model_calls, step.prompt_tokens = 1, tokens
        return step

    # -- the model input ------------------------------------------------------------------------------

    def system_prompt(self, ctx: AssistantContext, *, language: str = "en") -> str:
        """The system prompt rendered for this conversation (also what the ReAct baseline is given)."""
        today: date = ctx.tools.today
        return self.prompt.get("system").format(
            property_name=ctx.property_name or "the property",
            first_name=ctx.first_name or "a resident",
            today=f"{today:%A}, {format_date(today, 'en', year=True)} ({today.isoformat()})",
            language=LANGUAGE_NAMES.get(language, "English"),
        )

    def tools_for(self, state: AssistantState, ctx: AssistantContext) -> list[dict[str, Any]]:
        """The tools this call offers: all of them to begin the turn; once this turn's results are in, only
        `escalate` (the model answers from them or hands over), all again after a refused or empty result
        (to correct or refine that call), and none on the graph's last planning step, after which no model
        reads a tool's result."""
        turn = state["turn"]
        runs = turn.get("runs", [])
        if not runs:
            return self.tools
        if turn.get("steps", 0) + 1 >= ctx.max_steps:
            return []
        if any(not run["result"].get("ok", True) for run in runs):
            return self.tools
        return self.answer_tools

    def build_messages(
        self,
        state: AssistantState,
        ctx: AssistantContext,
        *,
        language: str,
        tools: Sequence[Mapping[str, Any]],
    ) -> list[BaseMessage]:
        """System prompt, the most recent earlier turns that fit the budget, and this turn, compacted;
        `tools` are the schemas the call will carry, counted against the budget."""
        system: list[BaseMessage] = [SystemMessage(self.system_prompt(ctx, language=language))]
        if "suspicious" in state["turn"].get("flags", []):
            system.append(SystemMessage(self.prompt.get("suspicious")))
        earlier, current = split_turns(state.get("messages", []))
        current = [compact_message(m, language=language) for m in current]
        room = self.max_prompt_tokens - self.count_tokens([*system, *current], tools)
        for _ in range(3):  # a cut re-tokenizes a little differently at its edge: measure again
            if room >= 0:
                break
            current = self._shrink_tool_results(current, -room + len(self.encoding.encode_ordinary(CUT_MARK)))
            room = self.max_prompt_tokens - self.count_tokens([*system, *current], tools)
        history: list[BaseMessage] = []
        for exchange in reversed(earlier[-self.history_turns :] if self.history_turns else []):
            cost = sum(self._message_tokens(m) for m in exchange)
            if cost > room:
                break
            history[:0] = exchange
            room -= cost
        return [*system, *history, *current]

    def count_tokens(self, messages: Sequence[BaseMessage], tools: Sequence[Mapping[str, Any]]) -> int:
        """Prompt tokens of one call: these messages plus the tool schemas, as OpenAI counts them (close)."""
        return count_prompt_tokens(convert_to_openai_messages(list(messages)), tools, self.encoding)

    @cached_property
    def encoding(self) -> tiktoken.Encoding:
        return get_encoding(self.encoding_name, cache_dir=self.token_cache_dir)

    def _message_tokens(self, message: BaseMessage) -> int:
        return message_tokens(convert_to_openai_messages(message), self.encoding)

    def _shrink_tool_results(self, messages: list[BaseMessage], excess: int) -> list[BaseMessage]:
        """Cut the largest tool results (their tails) until `excess` tokens are gone, or nothing is left."""
        out = list(messages)
        sizes = {
            i: len(self.encoding.encode_ordinary(str(m.content)))
            for i, m in enumerate(out)
            if isinstance(m, ToolMessage)
        }
        for i in sorted(sizes, key=lambda i: -sizes[i]):
            if excess <= 0:
                break
            keep = max(MIN_TOOL_RESULT_TOKENS, sizes[i] - excess)
            if keep >= sizes[i]:
                continue
            tokens = self.encoding.encode_ordinary(str(out[i].content))
            out[i] = out[i].model_copy(update={"content": self.encoding.decode(tokens[:keep]) + CUT_MARK})
            excess -= sizes[i] - keep
        return out

    def language_of(self, state: AssistantState) -> str:
        """The language of the resident's message, "es" or "en"; another language keeps the previous one."""
        previous = state.get("language") or "en"
        text = state["turn"].get("text", "")
        try:
            from agents.offline.language import detect_language
        except ImportError:  # the offline package is optional for this planner
            return previous
        detected = detect_language(text)
        return detected if detected in LANGUAGE_NAMES else previous

    # -- the model call -------------------------------------------------------------------------------

    def _call_model(self, messages: list[BaseMessage], tools: Sequence[Mapping[str, Any]]) -> AIMessage:
        model = self._bound[_names(tools)]
        if not self.stream:
            message = model.invoke(messages)
            if not isinstance(message, AIMessage):
                raise MalformedReply(f"expected an AI message, got {type(message).__name__}")
            return message
        deadline = time.monotonic() + self.timeout * (self.max_retries + 1)
        merged: AIMessageChunk | None = None
        for chunk in model.stream(messages):
            if not isinstance(chunk, AIMessageChunk):
                raise MalformedReply(f"expected AI message chunks, got {type(chunk).__name__}")
            merged = chunk if merged is None else merged + chunk
            if time.monotonic() > deadline:
                raise TimeoutError(f"the streamed answer took longer than {self.timeout:g}s")
        if merged is None:
            raise MalformedReply("the stream ended without a message")
        return _strict_tool_calls(merged)

    def _step_from(self, message: AIMessage, state: AssistantState, language: str) -> PlanStep:
        """Turn the model's message into a plan step; raise `MalformedReply` when it holds nothing usable."""
        turn = state["turn"]
        asked = [ToolCall(c["name"], dict(c["args"])) for c in message.tool_calls]
        known = [c for c in asked if c.name in TOOLS]
        if len(known) < len(asked):
            log.warning(
                "chat model asked for unknown tools: %s", [c.name for c in asked if c.name not in TOOLS]
            )
        if asked or message.invalid_tool_calls:
            if not known:
                raise MalformedReply(
                    "the model asked only for tools that do not exist or with broken arguments"
                )
            return self._tool_step(known, turn.get("runs", []), language)
        text = str(message.text).strip()
        if not text:
            raise MalformedReply("the model answered with neither text nor a tool call")
        return PlanStep(final_text=text, language=language)

    @staticmethod
    def _tool_step(calls: list[ToolCall], runs: Sequence[Mapping[str, Any]], language: str) -> PlanStep:
        for call in calls:
            if call.name == "escalate":
                try:
                    EscalateArgs.model_validate(call.args)
                except ValidationError:  # the graph escalates itself, with its own summary for staff
                    intents = intents_of([call])
                    return PlanStep(
                        escalate=_reason_of(call.args), intent=intents[0], intents=intents, language=language
                    )
        done = [ToolCall(r["name"], dict(r["args"])) for r in runs]
        new = [c for c in calls if c not in done]
        intents = intents_of([*done, *calls])
        step = PlanStep(intent=intents[0] if intents else None, intents=intents, language=language)
        if new:
            step.calls = new
        # else: the model is asking again for what it already has; compose the answer from the results
        return step

    # -- falling back ---------------------------------------------------------------------------------

    def _has_fallen_back(self, key: tuple[str | None, str]) -> bool:
        with self._lock:
            return key in self._fallen_back

    def _fall_back(
        self,
        state: AssistantState,
        ctx: AssistantContext,
        key: tuple[str | None, str],
        cost: PlanStep | None = None,
    ) -> PlanStep:
        """The fallback planner's step (remembered for the rest of the turn), or an escalation."""
        with self._lock:
            self._fallen_back[key] = None
            while len(self._fallen_back) > _FALLBACK_MEMORY:
                self._fallen_back.popitem(last=False)
        if self.fallback is None:
            step = PlanStep(escalate=EscalationReason.UNVERIFIED_ANSWER.value)
        else:
            step = self.fallback.plan(state, ctx)
        if cost is not None:
            step.model_calls += cost.model_calls
            step.prompt_tokens += cost.prompt_tokens
        return step


# -- helpers shared with the ReAct baseline and tests --------------------------------------------------


def split_turns(messages: Sequence[BaseMessage]) -> tuple[list[list[BaseMessage]], list[BaseMessage]]:
    """Earlier turns as [resident message, reply sent] pairs, and the current turn's messages in full.

    An earlier turn's tool calls and results are left out: the reply already says what mattered, and its
    figures must be looked up again before they are repeated.
    """
    starts = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
    if not starts:
        return [], list(messages)
    earlier: list[list[BaseMessage]] = []
    for start, end in zip(starts, starts[1:], strict=False):
        replies = [m for m in messages[start + 1 : end] if isinstance(m, AIMessage) and not m.tool_calls]
        if str(messages[start].content).strip():  # a message the guard rejected has no text left
            earlier.append([messages[start], *replies[-1:]])
    return earlier, list(messages[starts[-1] :])


def compact_message(message: BaseMessage, *, language: str = "en") -> BaseMessage:
    """A tool message's JSON result made compact for a reply in `language` (see `compact_result`); other
    messages as they are."""
    if not isinstance(message, ToolMessage) or not isinstance(message.content, str):
        return message
    try:
        result = json.loads(message.content)
    except ValueError:
        return message
    compact = json.dumps(compact_result(result, language=language), separators=(",", ":"), ensure_ascii=False)
    return message.model_copy(update={"content": compact})


def compact_result(value: Any, *, language: str = "en") -> Any:
    """A tool result as the model reads it best, in fewer tokens: no nulls, empty values, ids or scores;
    every `*_cents` amount as the dollar string an answer should quote ("total_cents": 185000 ->
    "total": "$1,850.00"), so the model copies amounts instead of converting them (basis points
    likewise become percentages); a text given in two languages (`rule`, `rule_es`) only in the
    reply's `language`; and a list of records as one table (`{"columns": [...], "rows": [[...], ...]}`)
    instead of repeating every key in every record, a record's nested object (a passage's citation)
    becoming columns of their own. The checker still reads the untouched result."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in _DROPPED_RESULT_KEYS or item is None or item == "" or item == [] or item == {}:
                continue
            if _in_another_language(key, value, language):
                continue
            if key == "ok" and item is True:
                continue
            if isinstance(item, int) and not isinstance(item, bool):
                if key.endswith("_cents"):
                    out[key.removesuffix("_cents")] = format_cents(item)
                    continue
                if key.endswith("_bp"):  # basis points: 300 -> "3%"
                    out[f"{key.removesuffix('_bp')}_percent"] = f"{item / 100:g}%"
                    continue
            out[key] = compact_result(item, language=language)
        return out
    if isinstance(value, list):
        items = [compact_result(item, language=language) for item in value]
        if len(items) < 2 or not all(isinstance(item, dict) for item in items):
            return items
        records = [_lift_nested(item) for item in items]
        columns = list(dict.fromkeys(key for record in records for key in record))
        return {"columns": columns, "rows": [[record.get(c) for c in columns] for record in records]}
    return value


def _in_another_language(key: str, record: Mapping[str, Any], language: str) -> bool:
    """Is `key` the other-language copy of a text the record also has in `language`? (`rule_es` beside
    `rule` in an English reply; `rule` beside `rule_es` in a Spanish one.)"""
    base, _, suffix = key.rpartition("_")
    if suffix in LANGUAGE_NAMES and base in record:
        return suffix != language
    return record.get(f"{key}_{language}") not in (None, "")


def _lift_nested(record: Mapping[str, Any]) -> dict[str, Any]:
    """A table row's record with the fields of a flat nested object beside its own ({"text", "citation":
    {"title", "section", "page"}} -> {"text", "title", "section", "page"}), unless a name would clash."""
    out: dict[str, Any] = {}
    for key, item in record.items():
        flat = isinstance(item, dict) and not any(isinstance(v, dict | list) for v in item.values())
        if flat and not item.keys() & (record.keys() | out.keys()):
            out.update(item)
        else:
            out[key] = item
    return out


def compact_tool_schema(tool: Mapping[str, Any]) -> dict[str, Any]:
    """An OpenAI tool schema without what the model does not need: titles, `default: null`, `$defs`
    (inlined), optional fields' `anyOf [T, null]` (optional already means "may be left out"), and the
    keywords that only bound what is accepted (`additionalProperties`, string lengths). Descriptions are
    kept as written, whitespace folded. The `act` node still validates the arguments against the full
    pydantic model, so nothing here loosens validation."""
    function = dict(tool["function"])
    parameters = function.get("parameters", {})
    definitions = parameters.get("$defs", {})
    function["description"] = " ".join(str(function.get("description", "")).split())
    function["parameters"] = _compact_schema(parameters, definitions)
    return {"type": tool.get("type", "function"), "function": function}


def _compact_schema(schema: Any, definitions: Mapping[str, Any]) -> Any:
    if isinstance(schema, list):
        return [_compact_schema(item, definitions) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        merged = {**definitions.get(name, {}), **{k: v for k, v in schema.items() if k != "$ref"}}
        return _compact_schema(merged, definitions)
    options = schema.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        (kept,) = [o for o in options if o != {"type": "null"}]
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        return _compact_schema({**kept, **rest}, definitions)
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("title", "$defs") or key in _VALIDATION_KEYWORDS or (key == "default" and value is None):
            continue
        if key == "properties":
            out[key] = {name: _compact_schema(prop, definitions) for name, prop in value.items()}
        else:
            out[key] = _compact_schema(value, definitions)
    if isinstance(out.get("description"), str):
        out["description"] = " ".join(out["description"].split())
    return out


def count_prompt_tokens(
    messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]], encoding: tiktoken.Encoding
) -> int:
    """Prompt tokens of a chat-completions request in the OpenAI wire format: OpenAI's published recipe
    (3 tokens per message plus its fields, 3 to prime the reply) and the tools as their JSON. Exact for
    messages; within a few percent for tools, whose server-side rendering is not published."""
    total = 3 + sum(message_tokens(m, encoding) for m in messages)
    if tools:
        total += len(encoding.encode_ordinary(json.dumps(list(tools), separators=(",", ":"))))
    return total


def message_tokens(message: Mapping[str, Any], encoding: tiktoken.Encoding) -> int:
    """One wire-format message's tokens (special-token text in a message is counted as plain text).

    A tool message's `name` is not counted: langchain-openai does not send it (the API has no such field).
    """
    total = 3
    for key, value in message.items():
        if value is None or value == "" or (key == "name" and message.get("role") == "tool"):
            continue
        text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        total += len(encoding.encode_ordinary(text)) + (1 if key == "name" else 0)
    return total


def intents_of(calls: Sequence[ToolCall]) -> list[str]:
    """The intents a turn's tool calls stand for, first call first, each once."""
    found: list[str] = []
    for call in calls:
        intent = TOOL_INTENTS.get(call.name)
        if call.name == "escalate":
            intent = ESCALATION_INTENTS.get(_reason_of(call.args), Intent.TALK_TO_PERSON)
        if intent is not None and intent.value not in found:
            found.append(intent.value)
    return found


def _names(tools: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    return tuple(tool["function"]["name"] for tool in tools)


def _strict_tool_calls(merged: AIMessageChunk) -> AIMessage:
    """The assembled stream as a message, its tool arguments parsed strictly.

    LangChain parses streamed arguments leniently (a stream cut off mid-JSON still yields arguments);
    here arguments that are not complete JSON make the call invalid, as in a non-streamed answer.
    """
    calls: list[LangChainToolCall] = []
    invalid: list[InvalidToolCall] = []
    for chunk in merged.tool_call_chunks:
        name, raw, call_id = chunk.get("name") or "", chunk.get("args") or "", chunk.get("id")
        try:
            args = json.loads(raw) if raw.strip() else {}
        except ValueError:
            args = None
        if isinstance(args, dict) and name:
            calls.append(LangChainToolCall(name=name, args=args, id=call_id, type="tool_call"))
        else:
            invalid.append(
                InvalidToolCall(
                    name=name,
                    args=raw,
                    id=call_id,
                    error="arguments are not a JSON object",
                    type="invalid_tool_call",
                )
            )
    return AIMessage(content=merged.content, tool_calls=calls, invalid_tool_calls=invalid)


def _reason_of(args: Mapping[str, Any]) -> str:
    reason = args.get("reason")
    valid = {r.value for r in EscalationReason}
    return reason if isinstance(reason, str) and reason in valid else EscalationReason.REQUESTED_PERSON.value


def _recorded_escalation(runs: Sequence[Mapping[str, Any]]) -> str | None:
    """The reason of an escalation the model made this turn and the tool recorded, if any."""
    for run in runs:
        if run["name"] == "escalate" and run["result"].get("ok", True) and run["result"].get("escalation_id"):
            return _reason_of(run["args"])
    return None


def _turn_key(state: AssistantState, ctx: AssistantContext) -> tuple[str | None, str]:
    """Which turn this is: the conversation and the id of the message that started the turn."""
    humans = [m for m in state.get("messages", []) if isinstance(m, HumanMessage)]
    message_id = (humans[-1].id if humans else None) or f"{len(humans)}:{state['turn'].get('text', '')}"
    return ctx.tools.conversation_id, message_id
