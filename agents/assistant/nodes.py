"""The graph's nodes: guard → plan → act (loop) → answer (draft, check, reply), or escalate (then reply).
Each returns a partial state update; routers are separate functions at the bottom."""

from __future__ import annotations

import json
from typing import Any, Literal

from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    BaseMessage,
    HumanMessage,
    RemoveMessage,
    ToolMessage,
)
from langgraph.runtime import Runtime

from agents import answers
from agents.assistant.context import AssistantContext
from agents.assistant.state import AssistantState, ToolRun, Turn
from agents.checker import check_answer, facts_from
from agents.conflicts import find_conflict
from agents.guard import inspect_message
from agents.intents import Intent
from agents.methods import methods_asked
from agents.planners.base import HISTORY_TURNS, ToolCall
from tools.escalation import EscalateArgs, EscalationReason, EscalationResult, escalate
from tools.ledger import DepositResult
from tools.policies import PolicySearchResult
from tools.registry import TOOLS
from tools.results import Citation, ToolResult


def _voice(state: AssistantState, ctx: AssistantContext) -> answers.Voice:
    turn = state.get("turn", {})
    return answers.Voice(
        language=turn.get("language") or state.get("language") or "en",
        name=ctx.first_name,
        property_name=ctx.property_name,
        office_phone=ctx.office_phone,
    )


def results_of(turn: Turn, name: str | None = None) -> list[ToolResult]:
    """This turn's tool results as their models, optionally only those of one tool."""
    return [
        TOOLS[r["name"]].result.model_validate(r["result"])
        for r in turn.get("runs", [])
        if name is None or r["name"] == name
    ]


# -- guard -----------------------------------------------------------------------------------------------


def guard(state: AssistantState) -> dict[str, Any]:
    """Size limits, scrubbing and injection flags. The stored message is replaced by its scrubbed text."""
    message = state["messages"][-1]
    raw = message.content if isinstance(message.content, str) else json.dumps(message.content)
    verdict = inspect_message(raw)
    flags = list(verdict.scrubbed) + (["suspicious"] if verdict.suspicious else [])
    turn: Turn = {
        "text": verdict.text,
        "flags": flags,
        "rejected": verdict.reject,
        "runs": [],
        "steps": 0,
        "intents": [],
        "slots": {},
        "citations": [],
    }
    update: dict[str, Any] = {"turn": turn}
    messages: list[BaseMessage] = [RemoveMessage(id=m.id) for m in _not_kept(state["messages"]) if m.id]
    if verdict.text != raw:
        messages.append(HumanMessage(content=verdict.text, id=message.id))
    if messages:
        update["messages"] = messages
    return update


KEPT_TURNS = HISTORY_TURNS + 1
"""Turns the checkpoint keeps: the one starting and the earlier ones a planner may read. A resident's
portal conversation lasts as long as their tenancy, and the checkpoint is read and written whole on every
turn: unbounded, each turn would cost more than the one before (the whole conversation is in the
`messages` table)."""


def _not_kept(messages: list[AnyMessage]) -> list[AnyMessage]:
    """What the checkpoint drops as a turn starts (its message is the last): turns older than the last
    KEPT_TURNS, and the tool calls and results of earlier turns. A planner reads an earlier turn as the
    resident's message and the reply sent (`agents.planners.chat.split_turns`), and figures must be
    looked up again before they are repeated. Carried along, the results were most of the checkpoint:
    38 KB against 8 KB at steady state, 0.82 against 0.14 ms to serialize and read back alone, and about
    a tenth of an offline turn's CPU (measured over 20 conversations of 45 turns)."""
    starts = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
    if not starts:
        return []
    cut = starts[-KEPT_TURNS] if len(starts) > KEPT_TURNS else 0
    return messages[:cut] + [m for m in messages[cut : starts[-1]] if _tool_step(m)]


def _tool_step(message: AnyMessage) -> bool:
    return isinstance(message, ToolMessage) or (isinstance(message, AIMessage) and bool(message.tool_calls))


# -- plan and act ----------------------------------------------------------------------------------------


def plan(state: AssistantState, runtime: Runtime[AssistantContext]) -> dict[str, Any]:
    step = runtime.context.planner.plan(state, runtime.context)
    turn: Turn = {**state["turn"], "steps": state["turn"].get("steps", 0) + 1, "pending": []}
    if step.intent is not None:
        turn["intent"], turn["intents"], turn["slots"] = (
            step.intent,
            step.intents or [step.intent],
            step.slots,
        )
    if step.language:
        turn["language"] = step.language
    turn["clarify"], turn["direct"] = step.clarify, step.direct
    turn["final_text"], turn["escalate"] = step.final_text, step.escalate
    turn["then_answer"] = step.then_answer
    turn["model_calls"] = turn.get("model_calls", 0) + step.model_calls
    turn["prompt_tokens"] = turn.get("prompt_tokens", 0) + step.prompt_tokens
    update: dict[str, Any] = {"turn": turn}
    if step.calls:
        update["messages"] = [
            AIMessage(
                content="",
                tool_calls=[
                    {"name": c.name, "args": c.args, "id": f"call_{turn['steps']}_{n}", "type": "tool_call"}
                    for n, c in enumerate(step.calls)
                ],
            )
        ]
        turn["pending"] = [{"name": c.name, "args": c.args} for c in step.calls]
    return update


def act(state: AssistantState, runtime: Runtime[AssistantContext]) -> dict[str, Any]:
    """Run the planned tool calls for the conversation's resident (identity from the context, never args)."""
    turn: Turn = dict(state["turn"])  # type: ignore[assignment]
    last = state["messages"][-1]
    calls = [ToolCall(c["name"], dict(c["args"])) for c in getattr(last, "tool_calls", [])]
    runs = list(turn.get("runs", []))
    messages = []
    for call, raw in zip(calls, getattr(last, "tool_calls", []), strict=True):
        result = run_tool(runtime.context, call)
        runs.append(ToolRun(name=call.name, args=call.args, result=result))
        messages.append(
            ToolMessage(content=json.dumps(result, default=str), tool_call_id=raw["id"], name=call.name)
        )
    turn["runs"] = runs
    turn.pop("pending", None)
    return {"turn": turn, "messages": messages}


def run_tool(ctx: AssistantContext, call: ToolCall) -> dict[str, Any]:
    spec = TOOLS.get(call.name)
    if spec is None:
        return {"ok": False, "note": f"there is no tool named {call.name}"}
    try:
        return spec.call(ctx.tools, call.args).model_dump(mode="json")
    except ValueError as exc:  # a planner's malformed arguments: tell it, don't crash the turn
        return {"ok": False, "note": f"invalid arguments: {exc}"[:500]}


# -- answer, check, escalate, reply ------------------------------------------------------------------------


def answer(state: AssistantState, runtime: Runtime[AssistantContext]) -> dict[str, Any]:
    """Draft the reply from this turn's results and check it: a draft that passes is sent, one that fails
    goes to `escalate`. One node rather than three in a row: each graph step cost more in LangGraph's
    bookkeeping than these bodies do."""
    turn = check(draft(state, runtime.context))
    if turn.get("escalate"):
        return {"turn": turn}
    return reply(state, turn)


def draft(state: AssistantState, ctx: AssistantContext) -> Turn:
    """The turn with its drafted reply and citations, composed from this turn's tool results only."""
    turn: Turn = dict(state["turn"])  # type: ignore[assignment]
    voice = _voice(state, ctx)
    if turn.get("rejected"):
        text, citations = voice.t(f"rejected.{turn['rejected']}"), []
    elif turn.get("final_text"):
        text, citations = str(turn["final_text"]), answers.citations_of(results_of(turn))
    else:
        text, citations = compose(turn, voice)
    if (
        "card" in turn.get("flags", [])
        or "bank_account" in turn.get("flags", [])
        or "ssn" in turn.get("flags", [])
    ):
        text = f"{voice.t('scrubbed')} {text}"
    turn["draft"] = text
    turn["citations"] = [c.model_dump() for c in citations]
    return turn


def compose(turn: Turn, v: answers.Voice) -> tuple[str, list[Citation]]:
    """The offline planner's answer: one paragraph per intent, from this turn's tool results only."""
    if turn.get("direct"):
        key = turn["direct"] or ""
        if key == "greeting" and not v.name:
            key = "greeting.anonymous"
        return v.t(key, name=v.name or ""), []
    if turn.get("clarify"):
        first, second = (Intent(i) for i in turn["clarify"] or [])
        return answers.clarify(v, first, second), []
    parts: list[str] = []
    citations: list[Citation] = []
    done: set[str] = {"get_deposit"}
    for found in results_of(turn, "get_deposit"):  # the deposit's own lines come first
        if found.ok and isinstance(found, DepositResult) and (text := answers.deposit(v, found)):
            parts.append(text)
            citations += [found.citation] if found.citation else []
    for intent in turn.get("intents", []):
        text, cites = _compose_intent(Intent(intent), turn, v, done)
        if text:
            parts.append(text)
            citations += [c for c in cites if c not in citations]
    if not parts:
        notes = [r.note for r in results_of(turn) if not r.ok and r.note]
        parts.append(notes[0] if notes else v.t("policy.nothing"))
    parts += [answers.escalation(v, reason, r) for reason, r in _handed_over(turn)]
    return answers.with_citations(v, " ".join(parts), citations), citations


def _handed_over(turn: Turn) -> list[tuple[EscalationReason, EscalationResult]]:
    """Escalations the planner made after reading this turn's results (a payment the resident says they
    made that is not on the account), to be told with the answer. A plan proposal's own text already
    says staff will review it."""
    found = []
    for run in turn.get("runs", []):
        reason = run["args"].get("reason") if run["name"] == "escalate" else None
        if reason in (EscalationReason.PAYMENT_NOT_FOUND.value,) and run["result"].get("escalation_id"):
            found.append((EscalationReason(reason), EscalationResult.model_validate(run["result"])))
    return found


def _compose_intent(
    intent: Intent, turn: Turn, v: answers.Voice, done: set[str]
) -> tuple[str, list[Citation]]:
    def once(name: str) -> list[Any]:
        if name in done:
            return []
        done.add(name)
        return [r for r in results_of(turn, name) if r.ok]

    slots = turn.get("slots", {})
    if intent in (Intent.BALANCE, Intent.PROMISE_TO_PAY):
        out = [answers.activity(v, r) for r in once("get_recent_activity")]
        credit_from = bool(slots.get("account_credit"))
        out += [answers.balance(v, r, credit_from=credit_from) for r in once("get_balance")]
        ahead = intent is Intent.PROMISE_TO_PAY or bool(slots.get("months"))  # "owe in january"
        due = once("get_next_due") if ahead else []
        out += [answers.next_due(v, r) for r in due]
        if intent is Intent.PROMISE_TO_PAY:  # "i can pay on the 30th": on time or late that day, and why
            out += [answers.lease_terms(v, r) for r in once("get_lease_terms") if r.pay_on_check]
        return " ".join(x for x in out if x), answers.citations_of(due) if intent is Intent.BALANCE else []
    if intent is Intent.DUE_DATE:
        results = once("get_next_due")
        past = [answers.activity(v, r) for r in once("get_recent_activity")]
        return " ".join([*past, *(answers.next_due(v, r) for r in results)]), answers.citations_of(results)
    if intent is Intent.LATE_FEE_RULES:
        results = once("get_lease_terms")
        return " ".join(answers.lease_terms(v, r) for r in results), answers.citations_of(results)
    if intent is Intent.EXPLAIN_CHARGE:
        results = once("explain_charge")
        return " ".join(answers.charge(v, r) for r in results), answers.citations_of(results)
    if intent is Intent.PAYMENT_STATUS:
        if slots.get("paid_claim"):  # "I already paid": the payment, what it paid, what is still owed
            balances = once("get_balance")
            traced = bool(_handed_over(turn))  # not found: the office traces it, no need to offer that
            out = [
                answers.payment_status(v, r, claim=True, owed=not balances, offer=not traced)
                for r in once("get_payment_status")
            ]
            out += [answers.balance(v, r, pending=False) for r in balances]
            return " ".join(x for x in out if x), []
        return " ".join(answers.payment_status(v, r) for r in once("get_payment_status")), []
    if intent is Intent.HOW_TO_PAY:
        terms = once("get_lease_terms")
        asked = methods_asked(turn.get("text", ""))  # "do u take checks": yes or no from the lease's methods
        text = " ".join(answers.how_to_pay(v, r, asked=asked) for r in terms)
        citations = answers.citations_of(terms)
        for found in once("search_policies"):
            quote, cites = answers.policy(v, found, turn.get("text", ""))
            if found.passages and (cites or not asked):  # answered from the methods: no "not found"
                if "%" in quote:  # the policy states the card fee itself: keep its words, not both
                    text = " ".join(answers.how_to_pay(v, r, card_fee=False, asked=asked) for r in terms)
                text, citations = f"{text} {quote}", cites + citations
        return text, citations
    if intent is Intent.PAYMENT_PLAN:
        return " ".join(answers.plan(v, r) for r in once("propose_payment_plan")), []
    if intent is Intent.POLICY_QUESTION:
        for r in once("search_policies"):
            return answers.policy(v, r, turn.get("text", ""))
    return "", []


def check(drafted: Turn) -> Turn:
    """Refuse any amount or date that this turn's tool results do not contain: the turn escalates."""
    turn: Turn = dict(drafted)  # type: ignore[assignment]
    result = check_answer(turn.get("draft", ""), facts_from(r["result"] for r in turn.get("runs", [])))
    turn["check"] = {
        "ok": result.ok,
        "unsupported_amounts": result.unsupported_amounts,
        "unsupported_dates": [list(d) for d in result.unsupported_dates],
    }
    if not result.ok:
        turn["escalate"] = EscalationReason.UNVERIFIED_ANSWER.value
    elif conflicting_documents(turn):
        turn["escalate"] = EscalationReason.CONFLICTING_DOCUMENTS.value
    return turn


def conflicting_documents(turn: Turn) -> bool:
    """Do the documents retrieved this turn disagree on what was asked? Then no side is quoted."""
    for result in results_of(turn, "search_policies"):
        if isinstance(result, PolicySearchResult) and find_conflict(turn.get("text", ""), result.passages):
            return True
    return False


def escalate_turn(state: AssistantState, runtime: Runtime[AssistantContext]) -> dict[str, Any]:
    """Hand the turn to staff: record the escalation (once) and reply with what happens next."""
    turn: Turn = dict(state["turn"])  # type: ignore[assignment]
    reason = EscalationReason(turn.get("escalate") or EscalationReason.REQUESTED_PERSON.value)
    recorded = [
        r
        for r in results_of(turn, "escalate")
        if isinstance(r, EscalationResult) and r.escalation_id is not None
    ]
    if not recorded:
        args = EscalateArgs(reason=reason, summary=staff_summary(turn, reason))
        result = escalate(runtime.context.tools, args)
        turn["runs"] = [
            *turn.get("runs", []),
            ToolRun(
                name="escalate", args=args.model_dump(mode="json"), result=result.model_dump(mode="json")
            ),
        ]
        recorded = [result]
    voice = _voice(state, runtime.context)
    message = answers.escalation(voice, reason, recorded[0])
    keep_answer = reason in (
        EscalationReason.HARDSHIP_BEYOND_POLICY,
        EscalationReason.PLAN_REVIEW,
        EscalationReason.CONFLICTING_DOCUMENTS,  # the answer quotes both documents; staff confirm which
    ) and turn.get("draft")
    turn["draft"] = f"{turn['draft']} {message}" if keep_answer else message
    return reply(state, turn)


def staff_summary(turn: Turn, reason: EscalationReason) -> str:
    intent = turn.get("intent") or "unknown"
    flags = ", ".join(turn.get("flags", [])) or "none"
    lines = [
        f"Reason: {reason.value}. Understood as: {intent}. Flags: {flags}.",
        f'Resident wrote: "{turn.get("text", "")[:500]}"',
    ]
    if turn.get("check") and not turn["check"].get("ok", True):
        lines.append(
            "The drafted answer stated figures the tools did not return, so it was not sent: "
            f"{turn.get('draft', '')[:500]}"
        )
    return "\n".join(lines)


def reply(state: AssistantState, done: Turn) -> dict[str, Any]:
    """The update that ends a turn: its draft becomes the reply, and the next turn remembers what this one
    was about (language, intent, slots, misunderstandings)."""
    turn: Turn = dict(done)  # type: ignore[assignment]
    text = turn.get("draft", "")
    turn["reply"] = text
    misunderstood = bool(turn.get("clarify")) or turn.get("direct") in ("out_of_scope", "confused")
    return {
        "turn": turn,
        "messages": [AIMessage(content=text)],
        "language": turn.get("language") or state.get("language") or "en",
        "last_intent": turn.get("intent") or state.get("last_intent"),
        "last_slots": turn.get("slots") or state.get("last_slots") or {},
        "misunderstandings": state.get("misunderstandings", 0) + 1 if misunderstood else 0,
    }


# -- routers -----------------------------------------------------------------------------------------------


def after_guard(state: AssistantState) -> Literal["plan", "answer"]:
    return "answer" if state["turn"].get("rejected") else "plan"


def after_plan(state: AssistantState) -> Literal["act", "answer", "escalate"]:
    turn = state["turn"]
    if turn.get("pending"):
        return "act"
    if turn.get("escalate"):
        return "escalate"
    return "answer"


def after_act(state: AssistantState, runtime: Runtime[AssistantContext]) -> Literal["plan", "answer"]:
    turn = state["turn"]
    if turn.get("then_answer") or turn.get("steps", 0) >= runtime.context.max_steps:
        return "answer"
    return "plan"


def after_answer(state: AssistantState) -> Literal["escalate", "__end__"]:
    """Sent, or refused by the check (or the documents disagree): then staff take the turn."""
    return "escalate" if state["turn"].get("escalate") else "__end__"
