"""POST /webhooks/stripe over HTTP, on SQLite and PostgreSQL: Stripe's signature scheme, what is refused
(403 unsigned, tampered, stale or replayed late; 400 not an event), what is acknowledged (200), and a crash
before the commit."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import stripe
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.config import Settings
from app.deps import get_today
from app.main import create_app
from app.payments import ingest as ingest_module
from tests.payments.stripe_fakes import SECRET, Payment, event, signed
from tests.payments.support import RENT, TODAY, balance, counts, ledger, make_households
from tests.support.databases import Database

URL = "/webhooks/stripe"


def serve(settings: Settings, **client_options: bool) -> Iterator[TestClient]:
    """The app with "today" pinned (the webhook reads DOORSTEP_TODAY; other routes the dependency)."""
    app = create_app(settings.model_copy(update={"DOORSTEP_TODAY": TODAY}))
    app.dependency_overrides[get_today] = lambda: TODAY
    with TestClient(app, **client_options) as client:
        yield client


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    yield from serve(db.settings.model_copy(update={"STRIPE_WEBHOOK_SECRET": SecretStr(SECRET)}))


def post(client: TestClient, evt: dict[str, object], **signing: object) -> tuple[int, dict[str, object]]:
    body, headers = signed(evt, **signing)
    response = client.post(URL, content=body, headers=headers)
    return response.status_code, response.json()


def test_a_signed_event_is_posted_and_acknowledged(client: TestClient, db: Database) -> None:
    (home,) = make_households(db, 1)
    p = Payment("pi_0", RENT, lease=home.lease_ref)
    assert post(client, p.processing()) == (
        200,
        {"received": True, "outcome": "processed", "payment_status": "processing"},
    )
    assert balance(db, home.lease_id) == RENT
    assert post(client, p.succeeded()) == (
        200,
        {"received": True, "outcome": "processed", "payment_status": "succeeded"},
    )
    assert balance(db, home.lease_id) == 0


def test_unsigned_tampered_foreign_or_stale_requests_get_403_change_nothing_and_are_logged(
    client: TestClient, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    (home,) = make_households(db, 1)
    evt = Payment("pi_0", RENT, lease=home.lease_ref).succeeded()
    body, headers = signed(evt)
    tampered = body.replace(b'"amount":150000', b'"amount":1')
    assert tampered != body
    before = counts(db)
    with caplog.at_level(logging.WARNING, logger="app.api.stripe"):
        refused = [
            client.post(URL, content=body, headers={"Content-Type": "application/json"}),  # no signature
            client.post(URL, content=tampered, headers=headers),
            client.post(
                URL, content=body, headers=signed(evt, secret="whsec_another_endpoint_secret_0123456789")[1]
            ),
            client.post(URL, content=body, headers=signed(evt, timestamp=int(time.time()) - 301)[1]),
            client.post(URL, content=body, headers={"Stripe-Signature": "t=yesterday,v1=00"}),
            client.post(URL, content=b"\xff\xfe" + body, headers=headers),
        ]
    assert [r.status_code for r in refused] == [403] * 6
    assert all(r.json() == {"detail": "the request is not signed by Stripe"} for r in refused)
    assert counts(db) == before
    logged = [r.getMessage() for r in caplog.records if "refused a Stripe webhook" in r.getMessage()]
    assert len(logged) == 6
    assert any("Timestamp outside the tolerance zone" in line for line in logged)


def test_a_replay_is_a_duplicate_within_the_tolerance_and_refused_after_it(
    client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    (home,) = make_households(db, 1)
    body, headers = signed(Payment("pi_0", RENT, lease=home.lease_ref).succeeded())
    first = client.post(URL, content=body, headers=headers)
    replayed = client.post(URL, content=body, headers=headers)
    assert (first.json()["outcome"], replayed.json()["outcome"]) == ("processed", "duplicate")
    # The same captured request, five minutes and a second later (stripe's clock, nobody else's).
    later = time.time() + 301
    monkeypatch.setattr("stripe._webhook.time", SimpleNamespace(time=lambda: later))
    assert client.post(URL, content=body, headers=headers).status_code == 403
    assert [key for key, *_ in ledger(db, home.lease_id)] == ["payment"]


def test_signed_bodies_that_are_not_stripe_events_get_400_and_change_nothing(
    client: TestClient, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    before = counts(db)
    with caplog.at_level(logging.WARNING, logger="app.api.stripe"):
        for body in ('{"id": "evt_1", "type": ', "[1, 2]", '{"id": "evt_1", "object": "event"}', "[" * 5000):
            header = {"Stripe-Signature": stripe.WebhookSignature.generate_signature_header(body, SECRET)}
            response = client.post(URL, content=body.encode(), headers=header)
            assert response.status_code == 400, body[:40]
    assert counts(db) == before
    assert sum("refused a signed Stripe webhook" in r.getMessage() for r in caplog.records) == 4


def test_unknown_event_types_are_acknowledged_once_and_recorded_as_ignored(
    client: TestClient, db: Database
) -> None:
    evt = event("invoice.paid", {"id": "in_1", "object": "invoice"}, 1_790_000_000)
    assert post(client, evt)[1]["outcome"] == "ignored"
    assert post(client, evt)[1]["outcome"] == "duplicate"
    assert counts(db)["payment_events"] == 1


def test_without_a_secret_every_request_is_refused(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    for client in serve(db.settings):
        with caplog.at_level(logging.WARNING, logger="app.api.stripe"):
            body, headers = signed(event("invoice.paid", {"id": "in_1", "object": "invoice"}, 1))
            assert client.post(URL, content=body, headers=headers).status_code == 403
    assert any("STRIPE_WEBHOOK_SECRET is not set" in r.getMessage() for r in caplog.records)


def test_a_crash_before_the_commit_is_a_500_that_leaves_nothing_and_the_retry_posts_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    (home,) = make_households(db, 1)
    evt = Payment("pi_0", RENT, lease=home.lease_ref).succeeded()
    before = counts(db)
    settings = db.settings.model_copy(update={"STRIPE_WEBHOOK_SECRET": SecretStr(SECRET)})
    for client in serve(settings, raise_server_exceptions=False):
        with monkeypatch.context() as patched:
            patched.setattr(ingest_module, "_audit_event", lambda *a, **k: 1 / 0)
            body, headers = signed(evt)
            assert client.post(URL, content=body, headers=headers).status_code == 500  # Stripe retries
        assert counts(db) == before
        assert post(client, evt)[1]["outcome"] == "processed"
        assert post(client, evt)[1]["outcome"] == "duplicate"
    assert [key for key, *_ in ledger(db, home.lease_id)] == ["payment"]


def test_a_body_over_64_kib_is_refused(client: TestClient) -> None:
    evt = event("invoice.paid", {"id": "in_1", "object": "invoice", "lines": "x" * 70_000}, 1)
    assert post(client, evt)[0] == 413


def test_production_needs_a_real_signing_secret_once_stripe_webhooks_are_on() -> None:
    production = {
        "ENVIRONMENT": "production",
        "DATABASE_URL": "postgresql://doorstep@db/doorstep",
        "DOORSTEP_API_TOKEN": "t" * 32,
        "DOORSTEP_AUDIT_KEY": "a" * 40,
        "DOORSTEP_CHAT_SECRET": "c" * 40,
    }
    Settings(**production)  # off: nothing needed
    for secret in (None, "changeme", "whsec_short", "x" * 40):
        options = {"STRIPE_WEBHOOK_SECRET": secret} if secret else {"STRIPE_WEBHOOKS_ENABLED": True}
        with pytest.raises(ValueError, match="STRIPE_WEBHOOK_SECRET"):
            Settings(**production, **options)
    on = Settings(**production, STRIPE_WEBHOOK_SECRET=SECRET)
    assert on.stripe_webhooks_on and on.STRIPE_WEBHOOK_TOLERANCE_SECONDS == 300
    with pytest.raises(ValueError):
        Settings(STRIPE_WEBHOOK_TOLERANCE_SECONDS=3600)


def test_the_openapi_document_says_what_the_webhook_answers() -> None:
    operation = create_app().openapi()["paths"][URL]["post"]
    assert {"200", "400", "403", "413"} <= set(operation["responses"])
    assert operation["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "id",
        "object",
        "type",
        "created",
        "data",
    ]
    assert json.dumps(operation)  # plain JSON
