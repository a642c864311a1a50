"""What a turn's notice carries to every connection: built from what the turn wrote when the reply
directly follows the message, and then exactly what a read of the conversation returns."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from app.channels import frames
from app.channels.chat import ChatService
from tests.channels.test_chat_protocol import hello, token
from tests.support.databases import Database


def service_of(client: TestClient, ref: str) -> ChatService:
    with client.websocket_connect("/ws/chat") as ws:  # the first resident to connect builds the assistant
        hello(ws, ref)
    runtime: Any = client.app.state.channels  # type: ignore[attr-defined]
    service: ChatService = runtime._chat[0]
    return service


@pytest.mark.parametrize(
    ("persona", "text", "shows"),
    [
        ("partial", "what do i owe right now", "reply"),
        ("partial", "when is my rent due and what is the late fee", "citation"),
        ("delinquent:hudson-terrace", "can i pay what i owe in two parts?", "card"),
        ("partial", "i want to talk to a lawyer about the eviction notice", "escalation"),
    ],
)
def test_a_turns_notice_is_what_a_read_of_the_conversation_returns(
    chat_client: TestClient, demo_db: Database, persona: str, text: str, shows: str
) -> None:
    ref = demo_db.report.personas[persona]  # type: ignore[union-attr]
    service = service_of(chat_client, ref)
    resident = service.authenticate(token(ref))
    message = frames.SendMessage(type="message", client_id="c1", text=text)
    accepted = service.accept(resident, message)
    answered = service.answer(accepted)

    assert answered.batch == service.batch_after(resident.conversation_id, accepted.seq)
    assert answered.batch is not None
    reply = answered.batch.frames[-1]
    assert reply["type"] == "reply" and reply["seq"] == answered.outcome.reply_seq
    written = service.reply_batch(accepted, answered.outcome)
    if shows in ("card", "escalation"):  # the thread moved to "waiting" too: that notice is read back
        assert written is None
        assert [f["type"] for f in answered.batch.frames] == ["owner", "reply"]
    else:
        assert written == answered.batch
    if shows == "citation":
        assert reply["citations"] and reply["citations"][0]["title"]
    if shows == "card":
        assert reply["card"] and reply["card"]["installments"]


def test_a_hello_reads_the_resident_and_the_conversation_once_each(
    chat_client: TestClient, demo_db: Database
) -> None:
    ref = demo_db.report.personas["partial"]  # type: ignore[union-attr]
    service = service_of(chat_client, ref)
    statements: list[str] = []
    here = threading.get_ident()

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.get_ident() == here:  # not the app's own work meanwhile (a catch-up, a sweep)
            statements.append(statement)

    engine = service.sessions.kw["bind"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        resident, welcome = service.greet(token(ref))
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert resident == service.authenticate(token(ref))
    assert welcome == service.welcome(resident)
    assert len(statements) == 2
