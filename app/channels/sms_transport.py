"""Handing a text to Twilio's REST API (Messages resource), with the official `twilio` client.

Used only when TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER are all set; otherwise texts
stay in the outbox (`sms_messages`, status `queued`). TWILIO_API_BASE_URL points the client at another
host speaking the same API (a test's fake Twilio on 127.0.0.1, a regional edge or a proxy).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from app.config import Settings

TIMEOUT_SECONDS = 10.0
STATUS_CALLBACK_PATH = "/webhooks/twilio/status"

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Handed:
    """What became of one text: Twilio's message sid and `sent`, or `failed` with Twilio's error code."""

    status: str
    sid: str | None = None
    error_code: str | None = None


class SmsTransport(Protocol):
    def send(self, *, to: str, body: str) -> Handed: ...


class TwilioTransport:
    def __init__(self, settings: Settings) -> None:
        assert settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.TWILIO_FROM_NUMBER
        self.from_number = settings.TWILIO_FROM_NUMBER
        self.status_callback = settings.DOORSTEP_PUBLIC_URL.rstrip("/") + STATUS_CALLBACK_PATH
        # `environment={}`: the client would otherwise read TWILIO_* from os.environ behind the settings.
        self.client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN.get_secret_value(),
            http_client=TwilioHttpClient(timeout=TIMEOUT_SECONDS),
            environment={},
        )
        if settings.TWILIO_API_BASE_URL:
            self.client.api.base_url = settings.TWILIO_API_BASE_URL.rstrip("/")

    def send(self, *, to: str, body: str) -> Handed:
        try:
            message = self.client.messages.create(
                to=to, from_=self.from_number, body=body, status_callback=self.status_callback
            )
        except TwilioRestException as exc:  # Twilio refused it: an opted-out or invalid number, ...
            _log.warning("Twilio refused a text to %s: %s %s", mask(to), exc.code, exc.msg)
            return Handed("failed", error_code=str(exc.code or exc.status)[:10])
        except (TwilioException, OSError) as exc:  # the API could not be reached, or answered nonsense
            _log.error("could not reach Twilio to text %s: %s", mask(to), exc)
            return Handed("failed", error_code="transport")
        return Handed("sent", sid=message.sid)


def make_transport(settings: Settings) -> SmsTransport | None:
    """The REST transport when Twilio is configured for sending, else None (texts wait in the outbox)."""
    return TwilioTransport(settings) if settings.twilio_sending else None


def mask(phone: str) -> str:
    """A number as logs show it: the last four digits only."""
    return f"…{phone[-4:]}" if len(phone) > 4 else "…"
