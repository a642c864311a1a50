"""Assembling the production assistant from settings: planner, retriever, checkpointer, review graph."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Literal

from sqlalchemy.orm import Session, sessionmaker

from agents.assistant.checkpoints import open_checkpointer
from agents.assistant.graph import build_graph
from agents.assistant.runner import Assistant
from agents.plan_review.graph import build_review_graph
from agents.planners.factory import make_planner
from app.config import Settings
from app.knowledge.retrieval import Retriever


@contextmanager
def open_assistant(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    today: Callable[[], date],
    planner: Literal["offline", "chat"] | None = None,
    retriever: Retriever | None = None,
) -> Iterator[Assistant]:
    """An assistant whose conversations persist in the configured checkpointer while the block runs."""
    with open_checkpointer(settings) as saver:
        yield Assistant(
            sessions=sessions,
            graph=build_graph(checkpointer=saver),
            review_graph=build_review_graph(checkpointer=saver),
            planner=make_planner(settings, kind=planner),
            today=today,
            retriever=retriever if retriever is not None else Retriever.from_settings(settings=settings),
        )
