"""Turns and the short calls around them (storing a message, reading events) run on separate pools; the
number of turns at once is a setting."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from agents.assistant.runner import Accepted, TurnOutcome
from app.channels.broker import LocalBroker
from app.channels.chat import Answered
from app.channels.turns import TurnRunner, turn_workers
from app.config import Settings


@pytest.mark.anyio
async def test_a_message_is_stored_and_acknowledged_while_a_long_turn_runs() -> None:
    release, started = threading.Event(), threading.Event()

    def slow_answer(accepted: Accepted) -> Answered:
        started.set()
        release.wait(10)
        return Answered(TurnOutcome(conversation_id=accepted.conversation_id, reply="ok"), None)

    runner = TurnRunner(slow_answer, broker=LocalBroker(), workers=1)
    try:
        runner.submit(Accepted("portal-R1", 1, 1, 1, "hi"))
        while not started.is_set():
            await asyncio.sleep(0.005)
        stored = await asyncio.wait_for(runner.run_blocking(lambda: "stored"), timeout=5)
        assert stored == "stored"
        assert not release.is_set()  # the turn is still running: the store did not wait for it
    finally:
        release.set()
        await runner.drain()
        runner.close()


@pytest.mark.anyio
async def test_with_one_worker_turns_are_answered_one_at_a_time_in_arrival_order() -> None:
    order: list[str] = []
    running = 0
    most = 0
    lock = threading.Lock()

    def answer(accepted: Accepted) -> Answered:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        threading.Event().wait(0.01)
        with lock:
            running -= 1
            order.append(accepted.conversation_id)
        return Answered(TurnOutcome(conversation_id=accepted.conversation_id, reply="ok"), None)

    runner = TurnRunner(answer, broker=LocalBroker(), workers=1)
    try:
        for n in range(5):
            runner.submit(Accepted(f"portal-R{n}", n, n, 1, "hi"))
        await runner.drain()
    finally:
        runner.close()
    assert most == 1
    assert order == [f"portal-R{n}" for n in range(5)]


def test_turns_at_once_are_the_operators_to_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOORSTEP_TURN_WORKERS", raising=False)
    unset = Settings(DOORSTEP_DATA_DIR=tmp_path, _env_file=None).DOORSTEP_TURN_WORKERS
    # unset, the planner decides: offline turns share one interpreter lock; chat-model turns wait on a network
    assert (turn_workers(unset, "offline"), turn_workers(unset, "chat")) == (2, 4)
    monkeypatch.setenv("DOORSTEP_TURN_WORKERS", "12")
    configured = Settings(DOORSTEP_DATA_DIR=tmp_path, _env_file=None).DOORSTEP_TURN_WORKERS
    assert (turn_workers(configured, "offline"), turn_workers(configured, "chat")) == (12, 12)
    monkeypatch.setenv("DOORSTEP_TURN_WORKERS", "0")
    with pytest.raises(ValueError, match="DOORSTEP_TURN_WORKERS"):
        Settings(DOORSTEP_DATA_DIR=tmp_path, _env_file=None)
