"""Signed outbound webhooks: HMAC-SHA256 over the timestamp and body, retried with backoff on 5xx and
connection errors, to a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.outreach.service import run_outreach
from app.outreach.settings import WebhookSettings
from app.outreach.webhooks import SIGNATURE_HEADER, deliver, event, sign, verify
from tests.outreach.test_outreach import _ladder, _lease, _staff
from tests.support.databases import Database

SECRET = "whsec-test-0123456789"


class _Receiver:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()


@pytest.fixture
def receiver() -> Iterator[tuple[str, _Receiver]]:
    state = _Receiver(failures=1)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with state.lock:
                state.calls.append((dict(self.headers.items()), body))
                first = sum(1 for _, b in state.calls if b == body) <= state.failures
            self.send_response(503 if first else 200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _settings(url: str, attempts: int = 4) -> WebhookSettings:
    return WebhookSettings(
        DOORSTEP_WEBHOOK_URLS=url, DOORSTEP_WEBHOOK_SECRET=SECRET, DOORSTEP_WEBHOOK_ATTEMPTS=attempts
    )


def test_signature_round_trip_and_refusals() -> None:
    body = b'{"id":"x"}'
    header = sign(SECRET.encode(), body, timestamp=1_000)
    assert verify(SECRET.encode(), body, header, now=1_100)
    assert not verify(SECRET.encode(), body + b" ", header, now=1_100)  # tampered
    assert not verify(b"other", body, header, now=1_100)
    assert not verify(SECRET.encode(), body, header, now=1_000 + 301)  # stale
    assert not verify(SECRET.encode(), body, "nonsense", now=1_000)


def test_a_failed_delivery_is_retried_and_signed_each_time(receiver: tuple[str, _Receiver]) -> None:
    url, state = receiver
    report = deliver(_settings(url), [event("outreach.sent", "outreach.sent:1", {"draft": 1})], backoff=0.01)
    assert report.delivered == 1 and report.failed == []
    assert len(state.calls) == 2  # one 503, then the retry
    for headers, body in state.calls:
        assert verify(SECRET.encode(), body, headers[SIGNATURE_HEADER], now=int(time.time()))
        assert headers["Doorstep-Event-Id"] == "outreach.sent:1"
    assert json.loads(state.calls[0][1])["type"] == "outreach.sent"


def test_retries_are_bounded_and_failures_reported(receiver: tuple[str, _Receiver]) -> None:
    url, state = receiver
    state.failures = 100
    report = deliver(_settings(url, attempts=3), [event("t", "e1", {})], backoff=0.01)
    assert report.delivered == 0 and len(report.failed) == 1 and "503" in report.failed[0]
    assert len(state.calls) == 3
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/hook"
    down = deliver(_settings(closed, attempts=2), [event("t", "e2", {})], backoff=0.01)
    assert down.delivered == 0 and "ConnectError" in down.failed[0]


def test_outreach_run_emits_step_and_send_events(db: Database, receiver: tuple[str, _Receiver]) -> None:
    url, state = receiver
    state.failures = 0
    _staff(db)
    _lease(db, mode="auto")
    _ladder(db)
    report = run_outreach(db.sessions, now=datetime(2026, 11, 4, 20, 0, tzinfo=UTC), webhooks=_settings(url))
    kinds = sorted(json.loads(body)["type"] for _, body in state.calls)
    assert kinds == ["collections.step", "outreach.outbox"]
    assert report.webhooks_delivered == 2 and report.webhooks_failed == []
