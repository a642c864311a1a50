"""One resident message in, one reply out: the service every channel (widget, SMS, CLI) calls.

It records the message, respects staff ownership, runs the graph on the conversation's thread with the
authenticated resident in the context, records the reply, and writes the turn's decision to the audit log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

from langchain_core.messages import HumanMessage
from langchain_core.runnables import RunnableConfig
from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from agents.assistant.context import AssistantContext
from agents.assistant.graph import AssistantGraph
from agents.assistant.state import AssistantState, ToolRun
from agents.guard import inspect_message
from agents.plan_review.graph import ReviewGraph
from agents.plan_review.service import start_review
from agents.planners.base import Planner
from agents.prompts import PromptFile, load
from app import audit
from app.conversations import append_unless_staff, receive_message
from tools.account import load_profile
from tools.context import ResidentContext
from tools.escalation import EscalateArgs, EscalationReason, escalate

if TYPE_CHECKING:
    from app.knowledge.retrieval import Retriever


class TurnOutcome(BaseModel):
    conversation_id: str
    reply: str | None
    silent: bool = False
    """Staff own the conversation: the message was recorded and the assistant said nothing."""
    escalated: bool = False
    reason: str | None = None
    intent: str | None = None
    intents: list[str] = []
    tool_calls: list[dict[str, Any]] = []
    citations: list[dict[str, Any]] = []
    language: str = "en"
    check_ok: bool = True
    model_calls: int = 0
    prompt_tokens: int = 0
    card: dict[str, Any] | None = None
    """A payment-plan proposal to show as a card (schedule, Accept / Decline), when the turn made one."""
    message_seq: int | None = None
    """The resident message's seq in the conversation."""
    reply_seq: int | None = None
    """The reply's seq; None when nothing was sent (staff own the thread)."""
    reply_at: datetime | None = None
    """When the reply was stored, as a read of the conversation returns it."""


@dataclass(frozen=True)
class Accepted:
    """A resident message stored as its conversation's next event, waiting for an answer."""

    conversation_id: str
    resident_id: int | None
    message_id: int
    seq: int
    text: str
    """The message as received (the graph's guard scrubs it again); never stored unscrubbed."""
    stored_text: str = ""
    """The message as stored (and as the resident's history shows it)."""
    at: datetime | None = None
    """When it was stored; None for a duplicate."""
    duplicate: bool = False
    """A client resent a message it had sent before: nothing new was stored and nothing is answered."""
    silent: bool = False
    """Staff own the conversation: stored, and the assistant stays silent."""
    head_start: Future[Any] | None = field(default=None, compare=False)


class Assistant:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        graph: AssistantGraph,
        planner: Planner,
        today: Callable[[], date],
        retriever: Retriever | None = None,
        review_graph: ReviewGraph | None = None,
    ) -> None:
        self.sessions = sessions
        self.graph = graph
        self.planner = planner
        self.today = today
        self.retriever = retriever
        self.review_graph = review_graph
        """When set, every recorded plan proposal starts a review that waits for staff."""

    async def respond_async(self, **kwargs: Any) -> TurnOutcome:
        """The same as `respond`, off the event loop: database work and classification block."""
        return await asyncio.to_thread(lambda: self.respond(**kwargs))

    def respond(
        self,
        *,
        conversation_id: str,
        text: str,
        resident_id: int | None,
        channel: str = "portal",
        property_code: str | None = None,
    ) -> TurnOutcome:
        """Store the message and answer it: `accept` then `answer`, for callers with nothing to send
        between the two (the CLI, SMS, the evals)."""
        accepted = self.accept(
            conversation_id=conversation_id, text=text, resident_id=resident_id, channel=channel
        )
        return self.answer(accepted, property_code=property_code)

    def accept(
        self,
        *,
        conversation_id: str,
        text: str,
        resident_id: int | None,
        channel: str = "portal",
        client_id: str | None = None,
        read_ahead: bool = True,
    ) -> Accepted:
        """Store a resident's message as the thread's next event (scrubbed), before any answer.

        A `client_id` seen before in this conversation is the same message: its first seq comes back,
        marked duplicate, and it is never answered twice. While staff own the thread the message is
        stored and marked silent: the assistant says nothing. `read_ahead=False` leaves the planner's early
        reading to whoever answers (a worker process, `app.channels.turn_processes`).
        """
        verdict = inspect_message(text)
        stored = verdict.text if not verdict.reject else f"[message not processed: {verdict.reject}]"
        # The planner starts on the message (the same text the graph's guard will pass it) while it is
        # stored, acknowledged and the account loaded; it is dropped if nothing will be answered.
        head_start = None if verdict.reject or not read_ahead else self.planner.begin(verdict.text)
        with self.sessions.begin() as session:
            received = receive_message(
                session,
                conversation_id=conversation_id,
                resident_id=resident_id,
                channel=channel,
                body=stored,
                meta={"flags": verdict.scrubbed},
                client_id=client_id,
            )
        if received.duplicate or received.staff_own:
            _drop(head_start)
            head_start = None
        return Accepted(
            conversation_id,
            resident_id,
            received.id,
            received.seq,
            text,
            stored_text=stored,
            at=received.at,
            duplicate=received.duplicate,
            silent=received.staff_own and not received.duplicate,
            head_start=head_start,
        )

    def answer(self, accepted: Accepted, *, property_code: str | None = None) -> TurnOutcome:
        """Run the turn on an accepted message and record the reply (unless staff took the thread)."""
        conversation_id, resident_id = accepted.conversation_id, accepted.resident_id
        if accepted.duplicate or accepted.silent:
            return TurnOutcome(
                conversation_id=conversation_id, reply=None, silent=True, message_seq=accepted.seq
            )
        ctx = self._context(conversation_id, resident_id, property_code, accepted.head_start)
        config: RunnableConfig = {"configurable": {"thread_id": conversation_id}}
        # One checkpoint per turn, written as the turn ends, rather than one per node: a turn that dies
        # half-way leaves the thread as it was before it (the resident's message is stored above and
        # the error reaches the caller), so intermediate checkpoints would only cost time.
        state = cast(
            AssistantState,
            self.graph.invoke(
                {"messages": [HumanMessage(content=accepted.text)]}, config, context=ctx, durability="exit"
            ),
        )
        outcome = self._record(conversation_id, state, resident_id).model_copy(
            update={"message_seq": accepted.seq}
        )
        if outcome.silent:
            return outcome
        self._start_reviews(state)
        if ctx.do_not_contact and not outcome.escalated:
            outcome = self._staff_task(ctx, outcome)
        return outcome

    def _staff_task(self, ctx: AssistantContext, outcome: TurnOutcome) -> TurnOutcome:
        """A message from a do-not-contact resident is also a task for staff (DOMAIN.md)."""
        summary = (
            f"Message from a resident flagged do-not-contact; the assistant replied: {outcome.reply or ''}"
        )
        escalate(
            ctx.tools,
            EscalateArgs(reason=EscalationReason.ACCOUNT_RESTRICTED, summary=summary[:2000], priority="low"),
        )
        return outcome.model_copy(
            update={"escalated": True, "reason": EscalationReason.ACCOUNT_RESTRICTED.value}
        )

    def _start_reviews(self, state: AssistantState) -> None:
        if self.review_graph is None:
            return
        for run in state["turn"].get("runs", []):
            plan_id = run["result"].get("plan_id") if run["name"] == "propose_payment_plan" else None
            if plan_id:
                start_review(self.review_graph, plan_id=plan_id, sessions=self.sessions, today=self.today())

    def _context(
        self,
        conversation_id: str,
        resident_id: int | None,
        property_code: str | None,
        head_start: Future[Any] | None = None,
    ) -> AssistantContext:
        tools = ResidentContext(
            resident_id=resident_id,
            sessions=self.sessions,
            today=self.today(),
            retriever=self.retriever,
            property_code=property_code,
            conversation_id=conversation_id,
        )
        with self.sessions() as session:
            profile = load_profile(session, tools)
        return AssistantContext(
            tools=replace(tools, lease_id=profile.lease_id),
            planner=self.planner,
            first_name=profile.first_name,
            property_name=profile.property_name,
            office_phone=profile.office_phone,
            do_not_contact=profile.do_not_contact,
            head_start=head_start,
        )

    def _record(self, conversation_id: str, state: AssistantState, resident_id: int | None) -> TurnOutcome:
        turn = state["turn"]
        runs = turn.get("runs", [])
        escalations = [r for r in runs if r["name"] == "escalate"]
        outcome = TurnOutcome(
            conversation_id=conversation_id,
            reply=turn.get("reply"),
            escalated=bool(escalations),
            reason=escalations[0]["args"].get("reason") if escalations else None,
            intent=turn.get("intent"),
            intents=turn.get("intents", []),
            tool_calls=[{"name": r["name"], "args": r["args"]} for r in runs],
            citations=turn.get("citations", []),
            language=turn.get("language") or "en",
            check_ok=turn.get("check", {}).get("ok", True),
            model_calls=turn.get("model_calls", 0),
            prompt_tokens=turn.get("prompt_tokens", 0),
            card=plan_card(runs),
        )
        prompt = load(f"answers.{'es' if outcome.language == 'es' else 'en'}")
        with self.sessions.begin() as session:
            # Staff may have taken the thread while the turn ran: then the reply is not sent (the audit
            # line below still records what the assistant would have said).
            reply = append_unless_staff(
                session,
                conversation_id=conversation_id,
                role="assistant",
                body=outcome.reply or "",
                meta={
                    "intent": outcome.intent,
                    "escalated": outcome.escalated,
                    "citations": outcome.citations,
                    "card": outcome.card,
                },
            )
            taken = reply is None
            outcome = outcome.model_copy(
                update={"silent": True} if reply is None else {"reply_seq": reply.seq, "reply_at": reply.at}
            )
            audit.record(
                session,
                actor=f"assistant:{self.planner.name}",
                action="assistant.turn",
                subject=f"conversation:{conversation_id}",
                data={
                    "resident_id": resident_id,
                    "intent": outcome.intent,
                    "intents": outcome.intents,
                    "tools": outcome.tool_calls,
                    "escalated": outcome.escalated,
                    "reason": outcome.reason,
                    "suppressed": taken,
                    "check": turn.get("check"),
                    "flags": turn.get("flags"),
                    "prompts": [
                        {"name": p.name, "sha256": p.sha256}
                        for p in (prompt, getattr(self.planner, "prompt", None))
                        if isinstance(p, PromptFile)
                    ],
                },
            )
        return outcome


def plan_card(runs: list[ToolRun]) -> dict[str, Any] | None:
    """The payment plan a turn proposed, as a card a widget shows with Accept / Decline: every amount and
    date comes from the tool's result, like the reply's."""
    for run in runs:
        result = run["result"]
        if run["name"] == "propose_payment_plan" and result.get("plan_id"):
            installments = result.get("installments", [])
            return {
                "kind": "payment_plan",
                "plan_id": result["plan_id"],
                "status": "proposed",
                "total_cents": sum(int(i["amount_cents"]) for i in installments),
                "installments": [
                    {"due_on": str(i["due_on"]), "amount_cents": int(i["amount_cents"])} for i in installments
                ],
            }
    return None


def _drop(head_start: Future[Any] | None) -> None:
    if head_start is not None:
        head_start.cancel()
