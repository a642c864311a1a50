"""The residents' chat protocol over a real WebSocket: hello, numbered events, acks, resume, limits."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from app.accounts import account_balance, find_resident
from app.channels.broker import conversation_topic
from app.channels.chat import portal_conversation_id
from app.channels.tokens import AUDIENCE, mint
from app.conversations import set_owner
from app.models import Conversation, Escalation, Message, StaffUser
from app.money import format_cents
from tests.channels.conftest import CHAT_SECRET
from tests.support.databases import DEMO_AS_OF, Database

Frame = dict[str, Any]


def token(ref: str, *, secret: str = CHAT_SECRET, ttl: int = 600) -> str:
    return mint(ref, secret=secret.encode(), ttl_seconds=ttl).token


def until(ws: WebSocketTestSession, done: Callable[[Frame], bool], *, limit: int = 40) -> list[Frame]:
    """Frames up to and including the first for which `done` holds (at most `limit`: no test waits
    forever on a frame that is not coming)."""
    seen: list[Frame] = []
    for _ in range(limit):
        seen.append(ws.receive_json())
        if done(seen[-1]):
            return seen
    raise AssertionError(f"no expected frame among {seen}")


def hello(ws: WebSocketTestSession, ref: str, last_seq: int = 0) -> Frame:
    ws.send_json({"type": "hello", "token": token(ref), "last_seq": last_seq})
    welcome = ws.receive_json()
    assert welcome["type"] == "welcome", welcome
    return welcome


def is_reply(frame: Frame) -> bool:
    return frame["type"] == "reply"


def drain(client: TestClient) -> None:
    """Wait for every turn in flight to finish."""
    runtime = client.app.state.channels  # type: ignore[attr-defined]
    client.portal.call(runtime._chat[1].drain)  # type: ignore[union-attr]


def test_a_balance_question_is_acknowledged_then_answered_with_the_exact_total(
    chat_client: TestClient, demo_db: Database
) -> None:
    ref = demo_db.report.personas["partial"]  # type: ignore[union-attr]
    with demo_db.sessions() as s:
        total = account_balance(s, resident=find_resident(s, ref), as_of=DEMO_AS_OF).total_cents
    with chat_client.websocket_connect("/ws/chat") as ws:
        welcome = hello(ws, ref)
        assert (welcome["owner"], welcome["last_seq"]) == ("assistant", 0)
        assert welcome["conversation_id"] == portal_conversation_id(ref)
        ws.send_json({"type": "message", "client_id": "m-1", "text": "how much do i owe"})
        frames = until(ws, is_reply)
    ack = next(f for f in frames if f["type"] == "ack")
    own = next(f for f in frames if f["type"] == "message")
    reply = frames[-1]
    assert ack == {"type": "ack", "client_id": "m-1", "seq": 1}
    assert (own["seq"], own["client_id"], own["text"]) == (1, "m-1", "how much do i owe")
    # Typing shows only for a turn slower than TYPING_DELAY_SECONDS, and is off again by the reply.
    assert [f["on"] for f in frames if f["type"] == "typing"] in ([], [True, False])
    assert reply["seq"] == 2 and reply["from"] == "assistant"
    assert format_cents(total) in reply["text"]


def test_a_resent_client_id_gets_the_same_ack_and_never_a_second_turn(
    chat_client: TestClient, demo_db: Database
) -> None:
    ref = demo_db.report.personas["on_time"]  # type: ignore[union-attr]
    with chat_client.websocket_connect("/ws/chat") as ws:
        hello(ws, ref)
        for _ in range(3):
            ws.send_json({"type": "message", "client_id": "same", "text": "when is rent due"})
        frames = until(ws, is_reply)
        drain(chat_client)
    acks = [f for f in frames if f["type"] == "ack"]
    assert acks and all(a == {"type": "ack", "client_id": "same", "seq": 1} for a in acks)
    with demo_db.sessions() as s:
        counts = dict(
            s.execute(
                select(Message.role, func.count())
                .where(Message.conversation_id == portal_conversation_id(ref))
                .group_by(Message.role)
            ).all()
        )
    assert counts == {"resident": 1, "assistant": 1}


def test_a_reconnect_gets_exactly_the_events_it_missed(chat_client: TestClient, demo_db: Database) -> None:
    ref = demo_db.report.personas["sometimes_late"]  # type: ignore[union-attr]
    with chat_client.websocket_connect("/ws/chat") as ws:
        hello(ws, ref)
        ws.send_json({"type": "message", "client_id": "a", "text": "what is my balance"})
        ws.receive_json()  # the ack: the client saw seq 1 and then dropped
    drain(chat_client)
    with chat_client.websocket_connect("/ws/chat") as ws:
        welcome = hello(ws, ref, last_seq=1)
        assert welcome["last_seq"] == 2
        missed = ws.receive_json()
        assert (missed["type"], missed["seq"]) == ("reply", 2)
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}  # and nothing else came before it
    with chat_client.websocket_connect("/ws/chat") as ws:  # a reload: the whole history, in order
        hello(ws, ref)
        assert [ws.receive_json()["seq"] for _ in range(2)] == [1, 2]


def test_a_connection_dropped_mid_turn_loses_nothing(chat_client: TestClient, demo_db: Database) -> None:
    ref = demo_db.report.personas["credit"]  # type: ignore[union-attr]
    with chat_client.websocket_connect("/ws/chat") as ws:
        hello(ws, ref)
        ws.send_json({"type": "message", "client_id": "x", "text": "why do i have a credit"})
        assert ws.receive_json()["type"] == "ack"
    # The socket is gone; the turn belongs to the conversation and finishes anyway.
    drain(chat_client)
    with chat_client.websocket_connect("/ws/chat") as ws:
        hello(ws, ref)
        history = [ws.receive_json() for _ in range(2)]
    assert [(f["type"], f["seq"]) for f in history] == [("message", 1), ("reply", 2)]


@pytest.mark.parametrize(
    ("first", "code"),
    [
        ({"type": "hello", "token": ""}, 4401),
        ({"type": "hello", "token": "not-a-jwt"}, 4401),
        ({"type": "message", "client_id": "a", "text": "hi"}, 4401),
    ],
)
def test_a_missing_or_malformed_token_is_refused_with_4401(
    chat_client: TestClient, first: Frame, code: int
) -> None:
    with chat_client.websocket_connect("/ws/chat") as ws:
        ws.send_json(first)
        error = ws.receive_json()
        assert error["type"] == "error" and error["code"] == "unauthorized"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == code


def test_forged_and_expired_tokens_are_refused(chat_client: TestClient, demo_db: Database) -> None:
    ref = demo_db.report.personas["on_time"]  # type: ignore[union-attr]
    forged = token(ref, secret="someone-elses-secret-0123456789abcdef")
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    expired = jwt.encode(
        {"sub": ref, "aud": AUDIENCE, "iat": an_hour_ago, "exp": an_hour_ago + timedelta(minutes=15)},
        CHAT_SECRET,
        algorithm="HS256",
    )
    for bad, words in ((forged, "not valid"), (expired, "expired")):
        with chat_client.websocket_connect("/ws/chat") as ws:
            ws.send_json({"type": "hello", "token": bad, "last_seq": 0})
            error = ws.receive_json()
            assert words in error["message"]
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
        assert closed.value.code == 4401


def test_no_hello_in_time_is_4408(chat_client: TestClient) -> None:
    chat_client.app.state.channels.hello_timeout = 0.2  # type: ignore[attr-defined]
    with chat_client.websocket_connect("/ws/chat") as ws:
        assert ws.receive_json()["code"] == "hello_timeout"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4408


def test_an_assistant_that_cannot_start_is_told_and_retried_on_the_next_connection(
    chat_client: TestClient, demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = chat_client.app.state.channels  # type: ignore[attr-defined]
    runtime._chat = None  # as if nothing had connected yet
    monkeypatch.setattr(runtime, "_build_chat", _broken_build)
    with chat_client.websocket_connect("/ws/chat") as ws:
        error = ws.receive_json()
        assert error["code"] == "unavailable"
        assert "try again" in error["message"]
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 1013

    monkeypatch.undo()  # the store is back: the next connection builds the assistant and is welcomed
    with chat_client.websocket_connect("/ws/chat") as ws:
        hello(ws, demo_db.report.personas["partial"])  # type: ignore[union-attr]


def _broken_build() -> None:
    raise RuntimeError("table collections already exists")


def test_an_oversize_frame_is_1009_and_a_bad_frame_an_error(
    chat_client: TestClient, demo_db: Database
) -> None:
    ref = demo_db.report.personas["on_time"]  # type: ignore[union-attr]
    with chat_client.websocket_connect("/ws/chat") as ws:
        hello(ws, ref)
        ws.send_text("{not json")
        assert ws.receive_json()["code"] == "bad_frame"
        ws.send_json({"type": "message", "client_id": "a b", "text": "x"})
        assert ws.receive_json()["code"] == "bad_frame"  # still connected after both
        ws.send_text(json.dumps({"type": "message", "client_id": "big", "text": "x" * 20_000}))
        assert ws.receive_json()["code"] == "too_large"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 1009


def test_flooding_is_rate_limited_with_4429(chat_client: TestClient, demo_db: Database) -> None:
    chat_client.app.state.channels.limits.per_minute = 3  # type: ignore[attr-defined]
    ref = demo_db.report.personas["on_time"]  # type: ignore[union-attr]
    with chat_client.websocket_connect("/ws/chat") as ws:
        hello(ws, ref)
        for n in range(4):
            ws.send_json({"type": "message", "client_id": f"f{n}", "text": "hello?"})
        frames = until(ws, lambda f: f["type"] == "error")
        assert frames[-1]["code"] == "rate_limited"
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                ws.receive_json()
    assert closed.value.code == 4429
    assert len([f for f in frames if f["type"] == "ack"]) == 3  # the accepted three were all kept
    drain(chat_client)


def test_too_many_connections_for_one_resident_is_4429(chat_client: TestClient, demo_db: Database) -> None:
    chat_client.app.state.channels.limits.max_connections = 2  # type: ignore[attr-defined]
    ref = demo_db.report.personas["on_time"]  # type: ignore[union-attr]
    with chat_client.websocket_connect("/ws/chat") as a, chat_client.websocket_connect("/ws/chat") as b:
        hello(a, ref)
        hello(b, ref)
        with chat_client.websocket_connect("/ws/chat") as c:
            c.send_json({"type": "hello", "token": token(ref), "last_seq": 0})
            assert c.receive_json()["code"] == "too_many_connections"
            with pytest.raises(WebSocketDisconnect) as closed:
                c.receive_json()
        assert closed.value.code == 4429
        a.send_json({"type": "ping"})
        assert a.receive_json() == {"type": "pong"}  # the others are unaffected


def test_a_token_only_ever_opens_its_own_residents_conversation(
    chat_client: TestClient, demo_db: Database
) -> None:
    one, other = (demo_db.report.personas[k] for k in ("on_time", "partial"))  # type: ignore[union-attr]
    with chat_client.websocket_connect("/ws/chat") as ws:
        hello(ws, other)
        ws.send_json({"type": "message", "client_id": "p", "text": "how much do i owe"})
        until(ws, is_reply)
    with chat_client.websocket_connect("/ws/chat") as ws:
        welcome = hello(ws, one, last_seq=0)
        assert welcome["conversation_id"] == portal_conversation_id(one) and welcome["last_seq"] == 0
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}  # none of the other resident's events


def test_talk_to_a_person_hands_off_and_staff_take_over_silences_the_assistant(
    chat_client: TestClient, demo_db: Database
) -> None:
    ref = demo_db.report.personas["sometimes_late"]  # type: ignore[union-attr]
    conversation_id = portal_conversation_id(ref)
    with chat_client.websocket_connect("/ws/chat") as ws:
        hello(ws, ref)
        ws.send_json({"type": "handoff", "client_id": "h"})
        frames = until(ws, lambda f: f["type"] == "owner")
        assert frames[-1]["owner"] == "waiting"
        ws.send_json({"type": "handoff", "client_id": "h"})  # pressed twice: one request
        assert ws.receive_json() == {"type": "ack", "client_id": "h", "seq": frames[-1]["seq"]}

        # Staff take the conversation (as the inbox does), and the widget hears it at once.
        with demo_db.sessions.begin() as s:
            staff = s.scalars(select(StaffUser).where(StaffUser.role == "agent")).first()
            assert staff is not None
            staff_name = staff.name
            set_owner(
                s, s.get(Conversation, conversation_id), "staff", staff_id=staff.id, staff_name=staff.name
            )  # type: ignore[arg-type]
        chat_client.portal.call(
            chat_client.app.state.broker.publish,  # type: ignore[attr-defined]
            conversation_topic(conversation_id),
            {"events": True},
        )
        # The next event is the takeover. An ack may come before it: a catch-up already queued reads the
        # events when its turn comes, so the first press's owner event can overtake its ack, and the ack
        # read above was then the first press's (CI, under load, saw the second ack here once).
        before = until(ws, lambda f: f["type"] == "owner")
        owner = before.pop()
        assert (owner["owner"], owner["staff_name"]) == ("staff", staff_name)
        assert not [f for f in before if f["type"] in ("reply", "typing", "owner", "message")], before

        for n in range(5):
            ws.send_json({"type": "message", "client_id": f"s{n}", "text": "how much do i owe"})
        frames = until(ws, lambda f: f.get("client_id") == "s4" and f["type"] == "message")
        drain(chat_client)
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}
    assert not [f for f in frames if f["type"] in ("reply", "typing")]
    with demo_db.sessions() as s:
        escalations = s.scalars(select(Escalation).where(Escalation.conversation_id == conversation_id)).all()
        assert [(e.reason, e.status) for e in escalations] == [("requested_person", "open")]
        assert escalations[0].sla_due_at is not None
        replies = s.scalar(
            select(func.count()).where(
                Message.conversation_id == conversation_id, Message.role == "assistant"
            )
        )
    assert replies == 0


def test_the_frame_schemas_are_published(chat_client: TestClient) -> None:
    schemas = chat_client.get("/chat/schema").json()
    assert set(schemas["client"]) == {"Hello", "SendMessage", "Handoff", "PlanAnswer", "Ping"}
    assert schemas["server"]["Reply"]["properties"]["from"]["enum"] == ["assistant", "staff"]
