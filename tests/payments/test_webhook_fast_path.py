"""POST /webhooks/stripe ahead of the middleware and the router (`app.main.create_app` wires it into
`app.api.hot_routes.HotRoutesFirst`): it is answered without entering the stack, and every answer
(acknowledgements, refusals, body limits, errors) is the one the stack gives, byte for byte."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import stripe
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api import stripe as stripe_api
from app.api.hot_routes import HotRoutesFirst
from app.deps import get_today
from app.main import create_app
from tests.payments.stripe_fakes import SECRET, Payment, event, signed
from tests.payments.support import RENT, TODAY, balance, counts, make_households
from tests.support.databases import Database

URL = "/webhooks/stripe"
JSON = "application/json"
Answer = tuple[int, list[tuple[str, str]], bytes]


class Entered:
    """A middleware that notes every request that reaches it: the stack's, not the fast path's."""

    def __init__(self, app: ASGIApp, seen: list[tuple[str, str]]) -> None:
        self.app = app
        self.seen = seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.seen.append((scope["method"], scope["path"]))
        await self.app(scope, receive, send)


def the_stack_of(app: FastAPI) -> ASGIApp:
    """`app` without its first layer: every request through the middleware and the router, as before."""

    async def stack(scope: Scope, receive: Receive, send: Send) -> None:
        first = app.middleware_stack
        assert isinstance(first, HotRoutesFirst), "start the app first"
        scope["app"] = app
        await first.app(scope, receive, send)

    return stack


def answer(response: Any) -> Answer:
    """Status, headers and body of a test client's response."""
    return response.status_code, sorted(response.headers.multi_items()), response.content


@pytest.fixture
def served(db: Database) -> Iterator[tuple[TestClient, TestClient, list[tuple[str, str]]]]:
    """A client of the app, a client of its stack alone, and the requests the stack saw."""
    settings = db.settings.model_copy(
        update={"STRIPE_WEBHOOK_SECRET": SecretStr(SECRET), "DOORSTEP_TODAY": TODAY}
    )
    app = create_app(settings)
    app.dependency_overrides[get_today] = lambda: TODAY
    seen: list[tuple[str, str]] = []
    app.add_middleware(Entered, seen=seen)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, TestClient(the_stack_of(app), raise_server_exceptions=False), seen


def _json(status: int, body: bytes, content_type: str = JSON) -> Answer:
    return status, [("content-length", str(len(body))), ("content-type", content_type)], body


def _ack(outcome: str, payment_status: str | None) -> Answer:
    shown = "null" if payment_status is None else f'"{payment_status}"'
    return _json(200, f'{{"received":true,"outcome":"{outcome}","payment_status":{shown}}}'.encode())


def _sign(body: bytes) -> dict[str, str]:
    return {"Stripe-Signature": stripe.WebhookSignature.generate_signature_header(body.decode(), SECRET)}


def _too_large() -> tuple[bytes, dict[str, str]]:
    return signed(event("invoice.paid", {"id": "in_1", "object": "invoice", "lines": "x" * 70_000}, 1))


def _chunks(body: bytes) -> Iterator[bytes]:
    for start in range(0, len(body), 4096):
        yield body[start : start + 4096]


UNSIGNED = _json(403, b'{"detail":"the request is not signed by Stripe"}')
TOO_LARGE = _json(413, b'{"detail":"the request body is larger than 64 KiB"}')
# Each request made twice: once as the server takes it, once through the stack alone (`the_stack_of`).
REQUESTS: dict[str, tuple[Callable[[TestClient], Any], Answer]] = {
    "unsigned": (lambda c: c.post(URL, content=b"{}", headers={"Content-Type": JSON}), UNSIGNED),
    "tampered": (lambda c: c.post(URL, content=b"{}", headers={"Stripe-Signature": "t=1,v1=00"}), UNSIGNED),
    "not JSON": (
        lambda c: c.post(URL, content=b'{"id": ', headers=_sign(b'{"id": ')),
        _json(400, b'{"detail":"the body is not JSON"}'),
    ),
    "not an object": (
        lambda c: c.post(URL, content=b"[1, 2]", headers=_sign(b"[1, 2]")),
        _json(400, b'{"detail":"the body is not a JSON object"}'),
    ),
    "declared too large": (
        lambda c: c.post(URL, content=_too_large()[0], headers=_too_large()[1]),
        TOO_LARGE,
    ),
    "streamed too large": (
        lambda c: c.post(URL, content=_chunks(_too_large()[0]), headers=_too_large()[1]),
        TOO_LARGE,
    ),
    "length not a number": (
        lambda c: c.post(URL, content=b"{}", headers={"Content-Length": "4x"}),
        _json(400, b'{"detail":"Content-Length is not a byte count"}'),
    ),
    "GET": (
        lambda c: c.get(URL),
        (
            405,
            [("allow", "POST"), ("content-length", "31"), ("content-type", JSON)],
            b'{"detail":"Method Not Allowed"}',
        ),
    ),
}


@pytest.mark.parametrize("name", REQUESTS)
def test_every_refusal_is_the_stacks_own(served: tuple[TestClient, TestClient, list[Any]], name: str) -> None:
    client, stack, seen = served
    request, expected = REQUESTS[name]
    assert answer(request(client)) == expected
    assert answer(request(stack)) == expected
    went_through_the_stack = name == "GET"
    assert len(seen) == (2 if went_through_the_stack else 1)


def test_an_event_is_acknowledged_without_entering_the_stack(
    served: tuple[TestClient, TestClient, list[tuple[str, str]]], db: Database
) -> None:
    client, stack, seen = served
    homes = make_households(db, 2)
    first, second = (Payment(f"pi_{n}", RENT, lease=home.lease_ref) for n, home in enumerate(homes))
    body, headers = signed(first.succeeded())
    assert answer(client.post(URL, content=body, headers=headers)) == _ack("processed", "succeeded")
    assert answer(client.post(URL, content=_chunks(body), headers=headers)) == _ack("duplicate", None)
    assert seen == []
    assert balance(db, homes[0].lease_id) == 0
    body, headers = signed(second.succeeded())  # the same through the stack: the same answers
    assert answer(stack.post(URL, content=body, headers=headers)) == _ack("processed", "succeeded")
    assert answer(stack.post(URL, content=body, headers=headers)) == _ack("duplicate", None)
    assert seen == [("POST", URL)] * 2
    assert client.get("/healthz").status_code == 200
    assert seen[-1] == ("GET", "/healthz")
    ignored, headers = signed(event("invoice.paid", {"id": "in_1", "object": "invoice"}, 1_790_000_000))
    assert answer(client.post(URL, content=ignored, headers=headers)) == _ack("ignored", None)
    unreadable, headers = signed(
        event("payment_intent.succeeded", first.intent("succeeded", amount=1500.5), 1_790_000_001)
    )
    assert answer(client.post(URL, content=unreadable, headers=headers)) == _ack("invalid", None)
    assert len(seen) == 3


def test_an_error_is_answered_as_the_stack_answers_it_and_raised_for_the_server(
    served: tuple[TestClient, TestClient, list[Any]], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, stack, seen = served
    body, headers = signed(event("invoice.paid", {"id": "in_1", "object": "invoice"}, 1_790_000_000))
    before = counts(db)

    def crash(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(stripe_api, "read_delivery", crash)
    expected = _json(500, b"Internal Server Error", "text/plain; charset=utf-8")
    assert answer(client.post(URL, content=body, headers=headers)) == expected
    assert answer(stack.post(URL, content=body, headers=headers)) == expected
    # What the server logs: the exception itself, as ServerErrorMiddleware raises it again.
    with pytest.raises(ZeroDivisionError, match="a bug"):
        TestClient(client.app).post(URL, content=body, headers=headers)

    # An error the app has a handler for gets that handler's answer (here: a number no column holds).
    def overflow(*_args: object, **_kwargs: object) -> None:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    monkeypatch.setattr(stripe_api, "read_delivery", overflow)
    handled = answer(client.post(URL, content=body, headers=headers))
    assert handled[0] == 422
    assert handled == answer(stack.post(URL, content=body, headers=headers))
    assert seen == [("POST", URL)] * 2
    assert counts(db) == before


def test_without_a_secret_the_refusal_is_the_same(db: Database) -> None:
    body, headers = signed(event("invoice.paid", {"id": "in_1", "object": "invoice"}, 1))
    expected = _json(403, b'{"detail":"Stripe webhooks are not configured on this server"}')
    app = create_app(db.settings)
    with TestClient(app) as client:
        assert answer(client.post(URL, content=body, headers=headers)) == expected
        assert answer(TestClient(the_stack_of(app)).post(URL, content=body, headers=headers)) == expected
