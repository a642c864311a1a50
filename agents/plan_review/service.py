"""Starting a plan review and resuming it with a staff decision (the inbox calls these)."""

from __future__ import annotations

from datetime import date
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.types import Command
from sqlalchemy.orm import Session, sessionmaker

from agents.plan_review.graph import PlanReviewRequest, ReviewContext, ReviewGraph, StaffDecision


def _config(plan_id: int) -> RunnableConfig:
    return {"configurable": {"thread_id": f"plan:{plan_id}"}}


def start_review(
    graph: ReviewGraph,
    *,
    plan_id: int,
    sessions: sessionmaker[Session],
    today: date,
) -> PlanReviewRequest:
    """Run the review up to the staff decision; returns what staff are asked."""
    result = graph.invoke(
        {"plan_id": plan_id}, _config(plan_id), context=ReviewContext(sessions=sessions, today=today)
    )
    interrupts = result.get("__interrupt__", [])
    if not interrupts:
        raise RuntimeError(f"plan {plan_id} review did not stop for a decision")
    return PlanReviewRequest.model_validate(interrupts[0].value)


def pending_request(graph: ReviewGraph, *, plan_id: int) -> PlanReviewRequest | None:
    snapshot = graph.get_state(_config(plan_id))
    for task in snapshot.tasks:
        for item in task.interrupts:
            return PlanReviewRequest.model_validate(item.value)
    return None


def resume_review(
    graph: ReviewGraph,
    *,
    plan_id: int,
    decision: StaffDecision,
    sessions: sessionmaker[Session],
    today: date,
) -> dict[str, Any]:
    """Apply the staff decision; returns the final review state (status, the resident's message)."""
    if pending_request(graph, plan_id=plan_id) is None:
        raise RuntimeError(f"plan {plan_id} is not waiting for a decision")
    result: dict[str, Any] = graph.invoke(
        Command(resume=decision.model_dump(mode="json")),
        _config(plan_id),
        context=ReviewContext(sessions=sessions, today=today),
    )
    return result
