"""Payment-plan review: a proposal waits for staff on `interrupt()` and resumes on their decision.

One thread per plan (`plan:<id>`). Approved: installments scheduled and the resident told. Edited: the
resident is offered the edited plan to accept. Rejected: the resident gets staff's message. Each decision
is applied through `app.payment_plans.decide`, which records who decided in the audit log.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, TypedDict

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.types import interrupt
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, sessionmaker

from app.conversations import add_message
from app.formatting import format_date, money
from app.models import Conversation, PaymentPlan, Resident
from app.payment_plans import decide


class Installment(BaseModel):
    due_on: date
    amount_cents: int = Field(gt=0)


class PlanReviewRequest(BaseModel):
    """What staff see: the plan, the account, and the choices they have."""

    plan_id: int
    resident: str
    lease_id: int
    total_cents: int
    installments: list[Installment]
    note: str
    actions: list[str] = ["accept", "edit", "reject"]


class StaffDecision(BaseModel):
    """How staff answer: accept as proposed, edit (new installments), or reject with a message."""

    action: Literal["accept", "edit", "reject"]
    staff: str = Field(min_length=1)
    installments: list[Installment] | None = None
    message: str = ""


class ReviewState(TypedDict, total=False):
    plan_id: int
    request: dict[str, Any]
    decision: dict[str, Any]
    status: str
    resident_message: str


class ReviewContext(BaseModel):
    model_config = {"arbitrary_types_allowed": True}

    sessions: sessionmaker[Session]
    today: date


def prepare(state: ReviewState, runtime: Runtime[ReviewContext]) -> dict[str, Any]:
    with runtime.context.sessions() as session:
        plan = session.get(PaymentPlan, state["plan_id"])
        if plan is None:
            raise ValueError(f"no payment plan {state['plan_id']}")
        conversation = session.get(Conversation, plan.conversation_id) if plan.conversation_id else None
        resident = (
            session.get(Resident, conversation.resident_id)
            if conversation and conversation.resident_id
            else None
        )
        request = PlanReviewRequest(
            plan_id=plan.id,
            resident=resident.ref if resident else "-",
            lease_id=plan.lease_id,
            total_cents=plan.total_cents,
            note=plan.note,
            installments=[
                Installment(due_on=i.due_on, amount_cents=i.amount_cents) for i in plan.installments
            ],
        )
    return {"request": request.model_dump(mode="json"), "status": "waiting"}


def await_decision(state: ReviewState) -> dict[str, Any]:
    decision = StaffDecision.model_validate(interrupt(state["request"]))
    if decision.action == "edit" and not decision.installments:
        raise ValueError("an edit needs the new installments")
    return {"decision": decision.model_dump(mode="json")}


def apply(state: ReviewState, runtime: Runtime[ReviewContext]) -> dict[str, Any]:
    decision = StaffDecision.model_validate(state["decision"])
    parts = [(i.due_on, i.amount_cents) for i in decision.installments or []]
    with runtime.context.sessions.begin() as session:
        plan = decide(
            session,
            plan_id=state["plan_id"],
            staff=decision.staff,
            today=runtime.context.today,
            decision={"accept": "approve", "edit": "edit", "reject": "reject"}[decision.action],
            parts=parts,
            message=decision.message,
        )
        conversation = session.get(Conversation, plan.conversation_id) if plan.conversation_id else None
        language = conversation.language if conversation else "en"
        text = resident_message(decision, plan, language)
        if conversation is not None:
            add_message(
                session,
                conversation_id=conversation.id,
                role="assistant",
                body=text,
                meta={
                    "plan_id": plan.id,
                    "decision": decision.action,
                    "staff": decision.staff,
                    "card": plan_card(plan),
                },
            )
            conversation.status = "open"
        return {"status": plan.status, "resident_message": text}


def plan_card(plan: PaymentPlan) -> dict[str, Any]:
    """The decided plan as the resident's widget shows it: the proposal's card (`agents.assistant.runner.
    plan_card`) with the plan's status now (active, offered or rejected), so the resident sees the plan
    start, or is offered the edited one, and the earlier proposal is no longer theirs to accept."""
    return {
        "kind": "payment_plan",
        "plan_id": plan.id,
        "status": plan.status,
        "total_cents": plan.total_cents,
        "installments": [
            {"due_on": i.due_on.isoformat(), "amount_cents": i.amount_cents} for i in plan.installments
        ],
    }


def resident_message(decision: StaffDecision, plan: PaymentPlan, language: str) -> str:
    items = ", ".join(
        f"{money(i.amount_cents)} ({format_date(i.due_on, language)})" for i in plan.installments
    )
    if language == "es":
        if decision.action == "accept":
            return f"La oficina aprobó su plan de pagos: {items}. Le recordaremos un día antes de cada pago."
        if decision.action == "edit":
            return (
                f"La oficina le ofrece este plan de pagos: {items}. Responda SÍ para aceptarlo. "
                f"{decision.message}"
            ).strip()
        return f"La oficina no pudo aprobar el plan de pagos. {decision.message}".strip()
    if decision.action == "accept":
        return (
            f"The office approved your payment plan: {items}. We'll remind you the day before each payment."
        )
    if decision.action == "edit":
        offer = f"The office can offer this payment plan: {items}. Reply YES to accept it."
        return f"{offer} {decision.message}".strip()
    return f"The office couldn't approve the payment plan. {decision.message}".strip()


ReviewGraph = CompiledStateGraph[ReviewState, ReviewContext, ReviewState, ReviewState]


def build_review_graph(checkpointer: BaseCheckpointSaver | None = None) -> ReviewGraph:
    graph = StateGraph(ReviewState, context_schema=ReviewContext)
    graph.add_node("prepare", prepare)
    graph.add_node("await_decision", await_decision)
    graph.add_node("apply", apply)
    graph.add_edge(START, "prepare")
    graph.add_edge("prepare", "await_decision")
    graph.add_edge("await_decision", "apply")
    graph.add_edge("apply", END)
    return graph.compile(checkpointer=checkpointer)
