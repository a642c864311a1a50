"""Offline turn latency, in process on the demo database, beside the parts that make up its floor.

Targets (issue #4): p50 <= 20 ms and p95 <= 60 ms per turn. Parts: classification (the MiniLM query
embedding included), the query embedding alone, retrieval, one itemized balance, and a checkpoint
write of a 4-node plain graph with the same SQLite saver.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph
from rich.console import Console
from rich.table import Table

AS_OF = date(2026, 11, 23)
MESSAGES = [
    ("delinquent", "how much do i owe"),
    ("on_time", "when is rent due"),
    ("nsf", "why was i charged a fee"),
    ("partial", "whats the late fee"),
    ("pending_payment", "did my payment go through"),
    ("spanish", "cuanto debo"),
    ("credit", "can i pay with a card"),
    ("roommates", "are pets allowed"),
]
TURNS = 96


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


def _timed(func: Callable[[], Any], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return samples


def run_turn_bench(console: Console | None = None) -> dict[str, Any]:
    from agents.assistant.checkpoints import open_checkpointer
    from agents.assistant.graph import build_graph
    from agents.assistant.runner import Assistant
    from agents.offline import IntentClassifier
    from agents.planners.offline import OfflinePlanner
    from app import migrate
    from app.accounts import account_balance, find_resident
    from app.config import Settings
    from app.db import make_engine, make_sessionmaker
    from app.demo.corpus import load_demo_documents
    from app.demo.seed import SeedOptions, seed_demo
    from app.knowledge.embedding import get_encoder
    from app.knowledge.retrieval import Retriever

    console = console or Console()
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-turns-") as tmp:
        settings = Settings(DOORSTEP_DATA_DIR=Path(tmp), ENVIRONMENT="test")
        engine = make_engine(settings)
        migrate.upgrade(engine)
        sessions = make_sessionmaker(engine)
        with sessions.begin() as session:
            personas = seed_demo(session, SeedOptions(as_of=AS_OF)).personas
        load_demo_documents(settings)
        classifier = IntentClassifier.load_or_train(Path.home() / ".cache" / "doorstep" / "bench" / "models")
        retriever = Retriever.from_settings(settings=settings)
        with sessions() as session:
            ids = {p: find_resident(session, personas[p]).id for p, _ in MESSAGES}
        with open_checkpointer(settings) as saver:
            assistant = Assistant(
                sessions=sessions,
                graph=build_graph(checkpointer=saver),
                planner=OfflinePlanner(classifier),
                today=lambda: AS_OF,
                retriever=retriever,
            )

            def turn(n: int) -> None:
                persona, text = MESSAGES[n % len(MESSAGES)]
                assistant.respond(conversation_id=f"bench-{persona}", text=text, resident_id=ids[persona])

            for n in range(len(MESSAGES)):  # warm caches, BM25 mirror, first queries
                turn(n)
            turns = [0.0] * TURNS
            for n in range(TURNS):
                start = time.perf_counter()
                turn(n)
                turns[n] = time.perf_counter() - start
            checkpoint = _checkpoint_floor(saver)
        encoder = get_encoder()
        parts = {
            "classification (incl. embedding)": _timed(lambda: classifier.predict("how much do i owe"), 60),
            "query embedding": _timed(lambda: encoder.embed_one("are pets allowed"), 60),
            "retrieval (incl. embedding)": _timed(
                lambda: retriever.retrieve("are pets allowed", property_code="maple-court"), 60
            ),
            "ledger: one itemized balance": _ledger(sessions, ids["delinquent"], account_balance),
            "checkpoint: 4-node graph, SqliteSaver": checkpoint,
        }
        engine.dispose()
    p50, p95 = _ms(turns)
    table = Table(title="Offline assistant turn, in process, demo database")
    for column in ("figure", "p50 ms", "p95 ms", "target"):
        table.add_column(column, justify="right" if column != "figure" else "left")
    table.add_row(
        "whole turn", f"{p50:.1f}", f"{p95:.1f}", f"p50 <= 20 ({p50 / 20:.2f}x), p95 <= 60 ({p95 / 60:.2f}x)"
    )
    for name, samples in parts.items():
        a, b = _ms(samples)
        table.add_row(f"  part: {name}", f"{a:.2f}", f"{b:.2f}", "")
    console.print(table)
    return {
        "turn_p50_ms": round(p50, 2),
        "turn_p95_ms": round(p95, 2),
        "parts_p50_ms": {name: round(_ms(s)[0], 3) for name, s in parts.items()},
    }


def _ledger(sessions: Any, resident_id: int, account_balance: Any) -> list[float]:
    from app.models import Resident

    def once() -> None:
        with sessions() as session:
            account_balance(session, resident=session.get(Resident, resident_id), as_of=AS_OF)

    return _timed(once, 60)


class _Plain(TypedDict, total=False):
    n: int


def _checkpoint_floor(saver: Any) -> list[float]:
    graph = StateGraph(_Plain)
    for name in ("a", "b", "c", "d"):
        graph.add_node(name, lambda state: {"n": state.get("n", 0) + 1})
    graph.add_edge(START, "a")
    graph.add_edge("a", "b")
    graph.add_edge("b", "c")
    graph.add_edge("c", "d")
    graph.add_edge("d", END)
    compiled = graph.compile(checkpointer=saver)
    thread = uuid.uuid4().hex
    return _timed(lambda: compiled.invoke({"n": 0}, {"configurable": {"thread_id": thread}}), 60)
