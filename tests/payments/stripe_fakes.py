"""Stripe-format events for tests, built here and signed with stripe's own signing scheme: no network.

Objects follow Stripe's API (2024 versions): a PaymentIntent names its `latest_charge` by id, a Charge its
`payment_intent`, a Dispute both; metadata is the portal's (`lease_id`, `resident_ref`).
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import stripe

SECRET = "whsec_test_0123456789abcdefghijklmnopqrstuvwxyz"
TZ = ZoneInfo("America/Chicago")
ACH, CARD = "us_bank_account", "card"

_events = itertools.count(1)


def at(day: int, hour: int = 12, month: int = 11) -> int:
    """A Unix timestamp on a day of November 2026 in the portfolio's time zone."""
    return int(datetime(2026, month, day, hour, tzinfo=TZ).timestamp())


def event(kind: str, obj: dict[str, Any], created: int, *, event_id: str | None = None) -> dict[str, Any]:
    return {
        "id": event_id or f"evt_test{next(_events):06d}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": created,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": kind,
        "data": {"object": obj},
    }


def signed(
    evt: dict[str, Any], *, secret: str = SECRET, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """The body Stripe would send and its headers, signed as Stripe signs (HMAC-SHA256 of `t.body`)."""
    body = json.dumps(evt, separators=(",", ":"))
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp or int(time.time()))
    return body.encode(), {"Stripe-Signature": header, "Content-Type": "application/json; charset=utf-8"}


@dataclass
class Payment:
    """One resident payment through Stripe, and the events its life can produce."""

    pi: str
    amount: int
    lease: str | None = None
    resident: str | None = None
    customer: str | None = None
    method: str = ACH
    day: int = 2
    charge: str = ""

    def __post_init__(self) -> None:
        self.charge = self.charge or self.pi.replace("pi_", "ch_")

    def _metadata(self) -> dict[str, str]:
        meta = {}
        if self.lease:
            meta["lease_id"] = self.lease
        if self.resident:
            meta["resident_ref"] = self.resident
        return meta

    def intent(self, status: str, **extra: Any) -> dict[str, Any]:
        return {
            "id": self.pi,
            "object": "payment_intent",
            "amount": self.amount,
            "amount_received": self.amount if status == "succeeded" else 0,
            "currency": "usd",
            "created": at(self.day, 9),
            "customer": self.customer,
            "metadata": self._metadata(),
            "latest_charge": self.charge,
            "payment_method_types": [self.method],
            "status": status,
            "last_payment_error": None,
            **extra,
        }

    def charge_object(self, status: str, **extra: Any) -> dict[str, Any]:
        return {
            "id": self.charge,
            "object": "charge",
            "amount": self.amount,
            "amount_captured": self.amount,
            "amount_refunded": 0,
            "refunded": False,
            "currency": "usd",
            "created": at(self.day, 9),
            "customer": self.customer,
            "metadata": {},
            "payment_intent": self.pi,
            "paid": status == "succeeded",
            "status": status,
            "failure_code": None,
            "failure_message": None,
            "payment_method_details": {"type": self.method},
            **extra,
        }

    # -- the events ---------------------------------------------------------------------------------

    def processing(self) -> dict[str, Any]:
        return event("payment_intent.processing", self.intent("processing"), at(self.day, 9))

    def succeeded(self, day: int | None = None) -> dict[str, Any]:
        return event("payment_intent.succeeded", self.intent("succeeded"), at(day or self.day + 2, 10))

    def attempt_failed(self, charge: str, code: str = "card_declined") -> dict[str, Any]:
        """An earlier attempt (another charge) declined before this payment went through."""
        error = {"charge": charge, "code": code, "message": "Your card was declined.", "type": "card_error"}
        obj = self.intent("requires_payment_method", latest_charge=charge, last_payment_error=error)
        return event("payment_intent.payment_failed", obj, at(self.day, 8))

    def returned(self, code: str = "insufficient_funds", day: int | None = None) -> dict[str, Any]:
        """The bank returned the debit after it had succeeded: charge.failed."""
        obj = self.charge_object("failed", failure_code=code, failure_message="The bank returned the debit.")
        return event("charge.failed", obj, at(day or self.day + 5, 11))

    def returned_intent(self, code: str = "insufficient_funds", day: int | None = None) -> dict[str, Any]:
        """The same return, as the PaymentIntent's payment_failed."""
        error = {"charge": self.charge, "code": code, "message": "The bank returned the debit.", "type": "x"}
        obj = self.intent("requires_payment_method", last_payment_error=error)
        return event("payment_intent.payment_failed", obj, at(day or self.day + 5, 11))

    def refunded(self, cents: int | None = None, day: int | None = None) -> dict[str, Any]:
        refunded = self.amount if cents is None else cents
        obj = self.charge_object("succeeded", amount_refunded=refunded, refunded=refunded == self.amount)
        return event("charge.refunded", obj, at(day or self.day + 6, 14))

    def _dispute(self, status: str, *, amount: int | None = None) -> dict[str, Any]:
        return {
            "id": self.pi.replace("pi_", "dp_"),
            "object": "dispute",
            "amount": self.amount if amount is None else amount,
            "currency": "usd",
            "created": at(self.day + 7, 9),
            "charge": self.charge,
            "payment_intent": self.pi,
            "reason": "fraudulent",
            "status": status,
        }

    def dispute_created(self) -> dict[str, Any]:
        return event("charge.dispute.created", self._dispute("needs_response"), at(self.day + 7, 9))

    def dispute_closed(self, outcome: str = "lost") -> dict[str, Any]:
        return event("charge.dispute.closed", self._dispute(outcome), at(self.day + 12, 9))
