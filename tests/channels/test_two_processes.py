"""Two server processes, one PostgreSQL, one Redis: a resident connected to each process sees every event
of their conversation from the other, once each, in order, and resumes exactly where they left off."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from app.channels.tokens import mint
from tests.channels.conftest import CHAT_SECRET
from tests.support.databases import TEST_AUDIT_KEY, Database, as_service_role
from tests.support.servers import doorstep_server, logs_on_failure, redis_server

WAIT = 90.0
"""Seconds any one frame may take: the first turn on a process builds its assistant."""


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    try:
        with redis_server(tmp_path_factory.mktemp("redis")) as url:
            yield url
    except RuntimeError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI: .ci/run installs it ({exc})")
        pytest.skip(str(exc))


def _frames_until(ws: ClientConnection, seq: int) -> list[dict[str, Any]]:
    """Frames received until the event numbered `seq` (bounded in count and time)."""
    seen: list[dict[str, Any]] = []
    for _ in range(50):
        frame = json.loads(ws.recv(timeout=WAIT))
        seen.append(frame)
        if frame.get("seq") == seq and frame["type"] != "ack":
            return seen
    raise AssertionError(f"event {seq} never came: {seen}")


def _hello(ws: ClientConnection, ref: str, last_seq: int = 0) -> dict[str, Any]:
    token = mint(ref, secret=CHAT_SECRET.encode(), ttl_seconds=600).token
    ws.send(json.dumps({"type": "hello", "token": token, "last_seq": last_seq}))
    welcome = json.loads(ws.recv(timeout=WAIT))
    assert welcome["type"] == "welcome"
    return welcome


def _events(frames: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(f["seq"], f["type"]) for f in frames if f["type"] in ("message", "reply", "owner")]


@pytest.fixture
def service_db(demo_db: Database) -> Iterator[Database]:
    """Both servers connect as the production service role (`doorstep db grant`), which can append to
    the ledger and the audit log but not rewrite them: every write a turn makes works within it."""
    with as_service_role(demo_db) as service:
        yield service


@pytest.mark.slow
@pytest.mark.parametrize("demo_db", ["postgres"], indirect=True)
def test_events_cross_processes_once_each_in_order(
    demo_db: Database, service_db: Database, redis_url: str, trained_models: Path, tmp_path: Path
) -> None:
    data = tmp_path / "shared"
    shutil.copytree(trained_models, data / "models")
    env = {
        "DATABASE_URL": service_db.settings.database_url,
        "REDIS_URL": redis_url,
        "DOORSTEP_DATA_DIR": str(data),
        "DOORSTEP_CHAT_SECRET": CHAT_SECRET,
        "DOORSTEP_AUDIT_KEY": TEST_AUDIT_KEY,
        "ENVIRONMENT": "test",
    }
    ref = demo_db.report.personas["partial"]  # type: ignore[union-attr]
    with (
        logs_on_failure(tmp_path / "a.log", tmp_path / "b.log"),
        doorstep_server(env, tmp_path / "a.log") as a,
        doorstep_server(env, tmp_path / "b.log") as b,
    ):
        with (
            connect(a.replace("http", "ws") + "/ws/chat") as ws_a,
            connect(b.replace("http", "ws") + "/ws/chat") as ws_b,
        ):
            _hello(ws_a, ref)
            _hello(ws_b, ref)
            ws_b.send(json.dumps({"type": "message", "client_id": "b-1", "text": "how much do i owe"}))
            on_b = _frames_until(ws_b, 2)
            on_a = _frames_until(ws_a, 2)
            assert {"type": "ack", "client_id": "b-1", "seq": 1} in on_b
            assert _events(on_a) == [(1, "message"), (2, "reply")]  # heard through Redis, once each
            assert _events(on_b) == [(1, "message"), (2, "reply")]
            reply_a = next(f for f in on_a if f["type"] == "reply")
            reply_b = next(f for f in on_b if f["type"] == "reply")
            assert reply_a["text"] == reply_b["text"]

            ws_a.close()  # A's tab drops; B's conversation goes on
            ws_b.send(json.dumps({"type": "message", "client_id": "b-2", "text": "when is rent due"}))
            _frames_until(ws_b, 4)
            ws_b.send(json.dumps({"type": "message", "client_id": "b-2", "text": "when is rent due"}))
            assert json.loads(ws_b.recv(timeout=WAIT)) == {"type": "ack", "client_id": "b-2", "seq": 3}

        with connect(a.replace("http", "ws") + "/ws/chat") as again:
            welcome = _hello(again, ref, last_seq=2)
            assert welcome["last_seq"] == 4
            resumed = _frames_until(again, 4)
            assert _events(resumed) == [(3, "message"), (4, "reply")]  # exactly what it missed
            again.send(json.dumps({"type": "ping"}))
            assert json.loads(again.recv(timeout=WAIT)) == {"type": "pong"}  # and nothing more
