"""Twilio's webhooks over HTTP: signatures, bounds, a whole conversation by text, delivery status."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from app.accounts import account_balance, find_resident
from app.channels.broker import LocalBroker, conversation_topic
from app.config import Settings
from app.formatting import money
from app.main import create_app
from app.models import ContactOptOut, SmsMessage
from tests.channels.sms_support import (
    FakeTwilio,
    inbound_fields,
    new_sid,
    sending_settings,
    signed,
    sms_settings,
)
from tests.support.databases import DEMO_AS_OF, Database

SMS, STATUS = "/webhooks/twilio/sms", "/webhooks/twilio/status"
SQLITE = pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
CODE = re.compile(r"code is (\d{6})")


class RecordingBroker(LocalBroker):
    """The in-process broker, noting every notice published (what staff pages would hear)."""

    def __init__(self) -> None:
        super().__init__()
        self.notices: list[tuple[str, dict[str, Any]]] = []

    async def publish(self, topic: str, notice: dict[str, Any]) -> None:
        self.notices.append((topic, notice))
        await super().publish(topic, notice)


def serve(db: Database, settings: Settings, models: Path) -> Iterator[TestClient]:
    shutil.copytree(models, db.settings.data_dir / "models", dirs_exist_ok=True)
    with TestClient(create_app(settings, today=lambda: DEMO_AS_OF)) as client:
        yield client


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def client(demo_db: Database, trained_models: Path) -> Iterator[TestClient]:  # noqa: F811
    """The service with SMS on and texts kept in the outbox."""
    yield from serve(demo_db, sms_settings(demo_db.settings), trained_models)


@pytest.fixture
def sending(demo_db: Database, trained_models: Path, fake_twilio: FakeTwilio) -> Iterator[TestClient]:  # noqa: F811
    """The service with SMS on and texts going to the fake Twilio."""
    yield from serve(demo_db, sending_settings(demo_db.settings, fake_twilio), trained_models)


def post(client: TestClient, path: str, fields: dict[str, str], **headers: str) -> Any:
    body, signed_headers = signed(path, fields)
    return client.post(path, content=body, headers={**signed_headers, **headers})


def stored(db: Database) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(SmsMessage)) or 0)


@SQLITE
def test_a_signed_text_gets_200_and_empty_twiml_and_an_unknown_number_only_hears_how_to_reach_the_office(
    client: TestClient, demo_db: Database
) -> None:
    response = post(client, SMS, inbound_fields("+12125550199", "what's my balance"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml") and "<Response />" in response.text
    with demo_db.sessions() as s:
        (reply,) = s.scalars(select(SmsMessage).where(SmsMessage.direction == "outbound")).all()
    assert reply.status == "queued" and "leasing office" in reply.body and "$" not in reply.body


@SQLITE
def test_unsigned_tampered_or_misaddressed_requests_get_403_change_nothing_and_are_logged(
    client: TestClient, demo_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    fields = inbound_fields("+12125550199", "STOP")
    body, headers = signed(SMS, fields)
    unsigned = {"Content-Type": "application/x-www-form-urlencoded"}
    tampered = body.replace("STOP", "START")
    with caplog.at_level(logging.WARNING, logger="app.api.sms"):
        assert client.post(SMS, content=body, headers=unsigned).status_code == 403
        assert client.post(SMS, content=tampered, headers=headers).status_code == 403
        assert client.post(SMS + "?x=1", content=body, headers=headers).status_code == 403
        forged = {
            **headers,
            "X-Twilio-Signature": signed(SMS, fields, token="f" * 32)[1]["X-Twilio-Signature"],
        }
        assert client.post(SMS, content=body, headers=forged).status_code == 403
        assert client.post(STATUS, content=body, headers=headers).status_code == 403  # signed for another URL
    assert stored(demo_db) == 0
    with demo_db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ContactOptOut)) == 0
    assert sum("refused a Twilio webhook" in r.getMessage() for r in caplog.records) == 5


@SQLITE
def test_without_a_twilio_token_every_webhook_is_refused(demo_db: Database, trained_models: Path) -> None:  # noqa: F811
    for client in serve(demo_db, demo_db.settings, trained_models):
        assert post(client, SMS, inbound_fields("+12125550199", "hi")).status_code == 403
    assert stored(demo_db) == 0


@SQLITE
def test_oversized_malformed_or_wrongly_typed_bodies_are_refused_before_anything_is_stored(
    client: TestClient, demo_db: Database
) -> None:
    huge = inbound_fields("+12125550199", "x" * 20_000)
    assert post(client, SMS, huge).status_code == 413
    no_sid = inbound_fields("+12125550199", "hi")
    del no_sid["MessageSid"]
    assert post(client, SMS, no_sid).status_code == 400  # signed, but not Twilio's inbound form
    assert post(client, SMS, inbound_fields("+12125550199", "hi", sid="not-a-sid")).status_code == 400
    json_body = client.post(SMS, json={"MessageSid": new_sid()}, headers={"X-Twilio-Signature": "x"})
    assert json_body.status_code == 415
    assert stored(demo_db) == 0


def test_a_resident_verifies_then_gets_their_balance_through_twilio_and_staff_hear_of_it(
    sending: TestClient, demo_db: Database, fake_twilio: FakeTwilio
) -> None:
    broker = RecordingBroker()
    sending.app.state.broker = broker  # type: ignore[attr-defined]
    with demo_db.sessions() as s:
        resident = find_resident(s, demo_db.report.personas["delinquent"])  # type: ignore[union-attr]
        total = money(account_balance(s, resident=resident, as_of=DEMO_AS_OF).total_cents)
    phone = resident.phone or ""

    assert post(sending, SMS, inbound_fields(phone, "what do i owe")).status_code == 200
    (code_text,) = fake_twilio.sent
    assert code_text.to == phone and total not in code_text.body
    code = CODE.search(code_text.body).group(1)  # type: ignore[union-attr]

    answer_sid = new_sid()
    assert post(sending, SMS, inbound_fields(phone, code, sid=answer_sid)).status_code == 200
    texts = [m.body for m in fake_twilio.sent[1:]]
    assert "verified" in texts[0] and total in " ".join(texts[1:])
    assert (conversation_topic(f"sms-{resident.ref}"), {"events": True}) in broker.notices

    again = post(sending, SMS, inbound_fields(phone, code, sid=answer_sid))  # Twilio retried
    assert again.status_code == 200 and len(fake_twilio.sent) == 1 + len(texts)

    assert post(sending, SMS, inbound_fields(phone, "STOP")).status_code == 200
    with demo_db.sessions() as s:
        assert s.scalars(select(ContactOptOut.opted_out).where(ContactOptOut.address == phone)).one()
    assert "unsubscribed" in fake_twilio.sent[-1].body
    sent = len(fake_twilio.sent)
    assert post(sending, SMS, inbound_fields(phone, "what do i owe")).status_code == 200
    assert len(fake_twilio.sent) == sent  # opted out: nothing more goes to the number


@SQLITE
def test_status_callbacks_update_the_text_once_signed_and_are_idempotent(
    sending: TestClient, demo_db: Database, fake_twilio: FakeTwilio
) -> None:
    post(sending, SMS, inbound_fields("+12125550199", "hello"))
    (reply,) = fake_twilio.sent
    fields = {
        "MessageSid": reply.sid,
        "MessageStatus": "delivered",
        "To": reply.to,
        "AccountSid": "AC" + "1" * 32,
    }
    body, headers = signed(STATUS, fields)
    assert (
        sending.post(STATUS, content=body, headers={**headers, "X-Twilio-Signature": "bogus"}).status_code
        == 403
    )
    with demo_db.sessions() as s:
        assert s.scalars(select(SmsMessage.status).where(SmsMessage.message_sid == reply.sid)).one() == "sent"
    for _ in range(2):
        assert post(sending, STATUS, fields).status_code == 200
    late = {**fields, "MessageStatus": "sent"}
    assert post(sending, STATUS, late).status_code == 200
    with demo_db.sessions() as s:
        assert (
            s.scalars(select(SmsMessage.status).where(SmsMessage.message_sid == reply.sid)).one()
            == "delivered"
        )
    unknown = {**fields, "MessageSid": new_sid(), "MessageStatus": "failed", "ErrorCode": "30006"}
    assert post(sending, STATUS, unknown).status_code == 200
    with demo_db.sessions() as s:
        row = s.scalars(select(SmsMessage).where(SmsMessage.message_sid == unknown["MessageSid"])).one()
        assert (row.status, row.error_code, row.body) == ("failed", "30006", "")


def test_production_requires_a_real_twilio_token_and_an_https_url_once_sms_is_configured() -> None:
    base: dict[str, Any] = {
        "ENVIRONMENT": "production",
        "DATABASE_URL": "postgresql://app@db/doorstep",
        "DOORSTEP_API_TOKEN": SecretStr("a" * 32),
        "DOORSTEP_AUDIT_KEY": SecretStr("b" * 40),
        "DOORSTEP_CHAT_SECRET": SecretStr("c" * 40),
    }
    Settings(**base)  # SMS off: no Twilio setting needed
    with pytest.raises(ValueError, match="TWILIO_AUTH_TOKEN"):
        Settings(**base, TWILIO_ACCOUNT_SID="AC" + "1" * 32, TWILIO_FROM_NUMBER="+15125550100")
    with pytest.raises(ValueError, match="TWILIO_AUTH_TOKEN"):
        Settings(**base, TWILIO_AUTH_TOKEN=SecretStr("changeme"))
    with pytest.raises(ValueError, match="DOORSTEP_PUBLIC_URL"):
        Settings(**base, TWILIO_AUTH_TOKEN=SecretStr("d" * 32))
    Settings(
        **base, TWILIO_AUTH_TOKEN=SecretStr("d" * 32), DOORSTEP_PUBLIC_URL="https://doorstep.example.com"
    )
