"""Chat turns answered in worker processes (`DOORSTEP_TURN_PROCESSES`): the same protocol and guarantees as
turns on the server's own threads, and a worker that dies loses no message."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select
from websockets.sync.client import connect as websocket_connect

from app import audit
from app.accounts import account_balance, find_resident
from app.channels.broker import INBOX_TOPIC
from app.channels.chat import portal_conversation_id
from app.channels.runtime import ChannelRuntime
from app.channels.turn_processes import MAX_AUTO_PROCESSES, TurnProcesses, turn_processes
from app.main import create_app
from app.models import Escalation, Message
from app.money import format_cents
from evals.servers import descendants, doorstep_server
from tests.channels.conftest import CHAT_SECRET
from tests.channels.test_chat_protocol import drain, hello, is_reply, token, until
from tests.support.databases import DEMO_AS_OF, TEST_AUDIT_KEY, Database


@contextmanager
def _client(demo_db: Database, trained_models: Path) -> Iterator[TestClient]:
    """The whole service on the demo database, its turns answered by one worker process. The worker reads
    the portfolio's day from the settings (DOORSTEP_TODAY), as a server's does."""
    shutil.copytree(trained_models, demo_db.settings.data_dir / "models", dirs_exist_ok=True)
    settings = demo_db.settings.model_copy(
        update={
            "DOORSTEP_CHAT_SECRET": SecretStr(CHAT_SECRET),
            "DOORSTEP_TODAY": DEMO_AS_OF,
            "DOORSTEP_TURN_PROCESSES": 1,
        }
    )
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def process_client(demo_db: Database, trained_models: Path) -> Iterator[TestClient]:
    with _client(demo_db, trained_models) as client:
        yield client


def _pool(client: TestClient) -> TurnProcesses:
    runtime: ChannelRuntime = client.app.state.channels  # type: ignore[attr-defined]
    assert runtime.turn_processes is not None, "turns are not answered in worker processes"
    return runtime.turn_processes


def _roles(demo_db: Database, conversation_id: str) -> dict[str, int]:
    with demo_db.sessions() as s:
        rows = s.execute(
            select(Message.role, func.count())
            .where(Message.conversation_id == conversation_id)
            .group_by(Message.role)
        ).all()
    return {str(role): int(n) for role, n in rows}


def test_a_worker_process_answers_with_the_exact_total_and_a_resent_message_is_not_answered_twice(
    process_client: TestClient, demo_db: Database
) -> None:
    ref = demo_db.report.personas["partial"]  # type: ignore[union-attr]
    with demo_db.sessions() as s:
        total = account_balance(s, resident=find_resident(s, ref), as_of=DEMO_AS_OF).total_cents
    with process_client.websocket_connect("/ws/chat") as ws:
        hello(ws, ref)
        for _ in range(3):  # a flaky connection resends: one message, one turn
            ws.send_json({"type": "message", "client_id": "m-1", "text": "how much do i owe"})
        frames = until(ws, is_reply)
        drain(process_client)
    pool = _pool(process_client)
    workers = pool.pids()
    assert len(workers) == 1 and os.getpid() not in workers
    acks = [f for f in frames if f["type"] == "ack"]
    assert acks and all(a == {"type": "ack", "client_id": "m-1", "seq": 1} for a in acks)
    reply = frames[-1]
    assert (reply["seq"], reply["from"]) == (2, "assistant")
    assert format_cents(total) in reply["text"]
    assert _roles(demo_db, portal_conversation_id(ref)) == {"resident": 1, "assistant": 1}


def test_an_escalation_made_in_a_worker_reaches_the_inbox_queue(
    process_client: TestClient, demo_db: Database
) -> None:
    ref = demo_db.report.personas["sometimes_late"]  # type: ignore[union-attr]
    conversation_id = portal_conversation_id(ref)
    broker = process_client.app.state.broker  # type: ignore[attr-defined]
    listening = threading.Event()

    async def first_inbox_notice() -> dict[str, object]:
        async with broker.subscribe(INBOX_TOPIC) as subscription:
            listening.set()
            return dict(await asyncio.wait_for(subscription.next(), 30))

    with process_client.websocket_connect("/ws/chat") as ws:
        hello(ws, ref)
        notice = process_client.portal.start_task_soon(first_inbox_notice)
        assert listening.wait(10)
        ws.send_json({"type": "message", "client_id": "e-1", "text": "I want to speak to a manager now"})
        seen: set[str] = set()

        def told_and_waiting(frame: dict[str, object]) -> bool:
            seen.add("reply" if is_reply(frame) else f"{frame['type']}:{frame.get('owner')}")
            return {"reply", "owner:waiting"} <= seen

        until(ws, told_and_waiting)
        drain(process_client)
        assert notice.result(timeout=30) == {"queue": True}
    with demo_db.sessions() as s:
        escalations = s.scalars(select(Escalation).where(Escalation.conversation_id == conversation_id)).all()
    assert [e.status for e in escalations] == ["open"]


def test_a_worker_that_dies_loses_no_message_and_its_turn_runs_again_on_a_new_one(
    process_client: TestClient, demo_db: Database
) -> None:
    ref = demo_db.report.personas["on_time"]  # type: ignore[union-attr]
    conversation_id = portal_conversation_id(ref)
    with process_client.websocket_connect("/ws/chat") as ws:
        hello(ws, ref)
        ws.send_json({"type": "message", "client_id": "w-1", "text": "when is rent due"})
        until(ws, is_reply)
        pool = _pool(process_client)
        dead = pool.pids()
        for pid in dead:
            os.kill(pid, signal.SIGKILL)  # out of memory, say

        # Stored and acknowledged before any worker ran; the dead pool fails its turn, a new pool starts
        # and answers it, once.
        ws.send_json({"type": "message", "client_id": "w-2", "text": "how much do i owe"})
        frames = until(ws, is_reply)
        assert next(f for f in frames if f["type"] == "ack")["seq"] == 3
        assert (frames[-1]["seq"], frames[-1]["from"]) == (4, "assistant")
        drain(process_client)
        assert pool.restarts == 1
        assert pool.pids() and not set(pool.pids()) & set(dead)  # a new worker answered

        ws.send_json({"type": "message", "client_id": "w-3", "text": "how much do i owe"})
        assert until(ws, is_reply)[-1]["seq"] == 6
        drain(process_client)
    with demo_db.sessions() as s:
        chain = audit.verify_chain(s)
    assert _roles(demo_db, conversation_id) == {"resident": 3, "assistant": 3}
    # Lines signed by the server, a worker and the worker that replaced it make one unbroken chain.
    assert chain.ok, chain.problem


def test_how_many_worker_processes_answer_turns() -> None:
    auto = {"planner": "offline", "environment": "production"}
    assert turn_processes(None, **auto, cores=2) == 2
    assert turn_processes(None, **auto, cores=32) == MAX_AUTO_PROCESSES
    assert turn_processes(None, **auto, cores=1) == 0  # one core: nothing to win, a process to pay for
    assert turn_processes(None, **auto, cores=None) == 0
    assert turn_processes(None, planner="chat", environment="production", cores=8) == 0
    assert turn_processes(None, planner="offline", environment="test", cores=8) == 0
    assert turn_processes(3, planner="chat", environment="test", cores=1) == 3  # the operator's word
    assert turn_processes(0, **auto, cores=8) == 0


def test_a_test_clock_keeps_turns_on_the_servers_threads(chat_client: TestClient, demo_db: Database) -> None:
    """A clock handed to the app (tests, demos of a past day) cannot cross to a worker process."""
    ref = demo_db.report.personas["on_time"]  # type: ignore[union-attr]
    with chat_client.websocket_connect("/ws/chat") as ws:
        hello(ws, ref)
    assert chat_client.app.state.channels.turn_processes is None  # type: ignore[attr-defined]


def test_workers_that_cannot_start_leave_the_turns_to_the_servers_threads(
    demo_db: Database, trained_models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cannot_start(self: TurnProcesses) -> list[int]:
        raise BrokenProcessPool("a child process terminated abruptly")

    monkeypatch.setattr(TurnProcesses, "start", cannot_start)
    ref = demo_db.report.personas["partial"]  # type: ignore[union-attr]
    with demo_db.sessions() as s:
        total = account_balance(s, resident=find_resident(s, ref), as_of=DEMO_AS_OF).total_cents
    with _client(demo_db, trained_models) as client, client.websocket_connect("/ws/chat") as ws:
        hello(ws, ref)
        ws.send_json({"type": "message", "client_id": "t-1", "text": "how much do i owe"})
        reply = until(ws, is_reply)[-1]
        assert client.app.state.channels.turn_processes is None  # type: ignore[attr-defined]
    assert format_cents(total) in reply["text"]


@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
def test_the_workers_of_a_server_killed_outright_exit_with_it(
    demo_db: Database, trained_models: Path
) -> None:
    shutil.copytree(trained_models, demo_db.settings.data_dir / "models", dirs_exist_ok=True)
    env = {
        "DATABASE_URL": demo_db.settings.database_url,
        "DOORSTEP_DATA_DIR": str(demo_db.settings.data_dir),
        "DOORSTEP_CHAT_SECRET": CHAT_SECRET,
        "DOORSTEP_AUDIT_KEY": TEST_AUDIT_KEY,
        "DOORSTEP_TODAY": DEMO_AS_OF.isoformat(),
        "ENVIRONMENT": "test",
        "DOORSTEP_TURN_PROCESSES": "2",
    }
    log = demo_db.settings.data_dir / "server.log"
    with doorstep_server(env, log) as server:
        ref = demo_db.report.personas["on_time"]  # type: ignore[union-attr]
        with websocket_connect(server.base.replace("http", "ws") + "/ws/chat", open_timeout=60) as ws:
            ws.send(json.dumps({"type": "hello", "token": token(ref), "last_seq": 0}))
            assert json.loads(ws.recv(timeout=120))["type"] == "welcome"  # the chat (and its workers) built
        workers = [pid for pid in descendants(server.pid) if "spawn_main" in _command(pid)]
        assert len(workers) == 2, log.read_text()[-2000:]
        os.kill(server.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if _alive(pid)], "workers outlived their server"


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    """Running, not merely waiting to be reaped (a zombie has exited)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"
