"""Reading a Stripe webhook delivery: its signature (checked by stripe's own library), the event envelope,
and the object inside it as an `Observation` of one payment.

Three answers, decided before the database is touched:
- the signature is missing, wrong, or older than the tolerance: `SignatureRefused` (the request is
  refused and logged; nothing is stored);
- signed, but not JSON or not a Stripe event at all: `MalformedDelivery` (refused with 400);
- a signed event: a `Delivery`, whose outcome is `processed` (a type Doorstep acts on, read into an
  observation), `ignored` (a type it does not act on: acknowledged and recorded, so Stripe does not retry
  it), or `invalid` (a type it acts on, but an object it cannot read: acknowledged, recorded and queued for
  staff, since retrying would never make it readable).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, ValidationError
from stripe import SignatureVerificationError, WebhookSignature

from app.money import MAX_CENTS
from app.payments.state import DisputeFact, DisputeOutcome, Failure, Method, Observation

PROCESSOR = "stripe"
HANDLED = frozenset(
    {
        "payment_intent.processing",
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "charge.failed",
        "charge.refunded",
        "charge.dispute.created",
        "charge.dispute.closed",
    }
)
"""The event types Doorstep acts on; any other is acknowledged and recorded as ignored."""
SIGNATURE_HEADER = "Stripe-Signature"
LATEST_TIMESTAMP = int(datetime(2199, 12, 31, tzinfo=UTC).timestamp())
BANK_DEBITS = frozenset({"us_bank_account", "ach_debit", "ach_credit_transfer"})
CARDS = frozenset({"card", "card_present", "apple_pay", "google_pay"})
DISPUTE_OUTCOMES: dict[str, DisputeOutcome] = {"won": "won", "warning_closed": "won", "lost": "lost"}
"""A dispute's Stripe status as its outcome for the ledger; every other status is still open."""


class SignatureRefused(Exception):
    """Not signed with STRIPE_WEBHOOK_SECRET, tampered with, or signed too long ago."""


class MalformedDelivery(Exception):
    """Signed, but not a Stripe event (not JSON, or no id, type or object)."""


def verify_signature(payload: bytes, header: str | None, secret: str, *, tolerance: int) -> None:
    """Stripe's own check: an HMAC-SHA256 of `timestamp.payload` under the endpoint secret, with the
    timestamp no older than `tolerance` seconds. Raises `SignatureRefused` with stripe's reason."""
    # Imported by name, once: `stripe.X` looks each name up through the package's lazy loader, every time.
    try:
        WebhookSignature.verify_header(payload, header, secret, tolerance)
    except SignatureVerificationError as exc:
        raise SignatureRefused(str(exc).split(". ")[0]) from exc
    except UnicodeDecodeError as exc:
        raise SignatureRefused("the body is not UTF-8, so it cannot be what Stripe signed") from exc


# -- the objects, as far as Doorstep reads them ----------------------------------------------------------


def _id_of(value: Any) -> Any:
    """An expandable field: the id string, or an expanded object's `id`."""
    if isinstance(value, dict):
        return value.get("id")
    return value


EventRef = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_]+$")]
Ref = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_]+$")]
"""An object's id (Stripe's are about 30 characters): short enough that `<intent>:dispute:<dispute>` fits
a ledger line's external id; a longer one makes the event `invalid`, queued for staff, never truncated."""
Linked = Annotated[Ref, BeforeValidator(_id_of)]
LinkedRef = Annotated[Ref | None, BeforeValidator(_id_of)]
Cents = Annotated[int, Field(strict=True, ge=0, le=MAX_CENTS)]
Timestamp = Annotated[int, Field(strict=True, ge=0, le=LATEST_TIMESTAMP)]
Code = Annotated[str | None, Field(max_length=100, pattern=r"^[A-Za-z0-9_\-]*$")]
Currency = Annotated[str, Field(pattern=r"^[a-z]{3}$")]
Metadata = Annotated[
    dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=500)]], Field(max_length=50)
]


class _Object(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _PaymentMethod(_Object):
    type: Annotated[str, Field(max_length=50)] | None = None


class _PaymentError(_Object):
    charge: LinkedRef = None
    code: Code = None
    decline_code: Code = None
    payment_method: _PaymentMethod | None = None


class PaymentIntentObject(_Object):
    object: Literal["payment_intent"]
    id: Ref
    amount: Annotated[Cents, Field(ge=1)]
    currency: Currency
    created: Timestamp
    customer: LinkedRef = None
    metadata: Metadata = {}
    latest_charge: LinkedRef = None
    payment_method_types: Annotated[list[Annotated[str, Field(max_length=50)]], Field(max_length=50)] = []
    last_payment_error: _PaymentError | None = None


class ChargeObject(_Object):
    object: Literal["charge"]
    id: Ref
    amount: Annotated[Cents, Field(ge=1)]
    amount_refunded: Cents = 0
    currency: Currency
    created: Timestamp
    customer: LinkedRef = None
    metadata: Metadata = {}
    payment_intent: LinkedRef = None
    status: Literal["succeeded", "pending", "failed"]
    failure_code: Code = None
    payment_method_details: _PaymentMethod | None = None


class DisputeObject(_Object):
    object: Literal["dispute"]
    id: Ref
    amount: Cents
    currency: Currency
    created: Timestamp
    charge: Linked
    payment_intent: LinkedRef = None
    status: Annotated[str, Field(max_length=40)]
    reason: Annotated[str, Field(max_length=60, pattern=r"^[a-z_]*$")] = ""


class _EventData(_Object):
    object: dict[str, Any]


class _Envelope(_Object):
    id: EventRef
    object: Literal["event"]
    type: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[a-z0-9_.]+$")]
    created: Timestamp
    livemode: StrictBool = False
    data: _EventData


# -- the delivery -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """A signed event, read: what to record, and what it tells about which payment."""

    event_id: str
    event_type: str
    occurred_at: datetime
    payload: dict[str, Any]
    outcome: Literal["processed", "ignored", "invalid"]
    observation: Observation | None = None
    intent_ref: str | None = None
    note: str = ""


def read_delivery(body: bytes, *, tz: ZoneInfo) -> Delivery:
    """The event in a verified body. Raises `MalformedDelivery` when it is not a Stripe event."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise MalformedDelivery("the body is not JSON") from exc
    if not isinstance(payload, dict):
        raise MalformedDelivery("the body is not a JSON object")
    try:
        envelope = _Envelope.model_validate(payload)
    except ValidationError as exc:
        raise MalformedDelivery(f"not a Stripe event: {_problems(exc)}") from exc
    occurred_at = datetime.fromtimestamp(envelope.created, UTC)
    ignored = Delivery(
        event_id=envelope.id,
        event_type=envelope.type,
        occurred_at=occurred_at,
        payload=payload,
        outcome="ignored",
        intent_ref=_guess_intent(envelope.data.object),
        note=f"{envelope.type} is not an event Doorstep acts on",
    )
    if envelope.type not in HANDLED:
        return ignored
    try:
        seen = observe(envelope.type, envelope.data.object, on=occurred_at.astimezone(tz).date(), tz=tz)
    except ValidationError as exc:
        return replace(ignored, outcome="invalid", note=f"{envelope.type}: {_problems(exc)}"[:300])
    return replace(ignored, outcome="processed", observation=seen, intent_ref=seen.intent_ref, note="")


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()[:5])


def _guess_intent(obj: Mapping[str, Any]) -> str | None:
    """The payment an event we do not read concerns, when it says plainly (for the record only)."""
    for value in (
        obj.get("payment_intent"),
        obj.get("id") if obj.get("object") == "payment_intent" else None,
    ):
        value = _id_of(value)
        if isinstance(value, str) and 0 < len(value) <= 255 and value.replace("_", "").isalnum():
            return value
    return None


def _day(timestamp: int, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(timestamp, tz).date()


def _method(types: list[str] | tuple[str, ...]) -> Method | None:
    kinds = {"ach" if t in BANK_DEBITS else "card" if t in CARDS else "other" for t in types}
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    return "ach" if kind == "ach" else "card" if kind == "card" else None


def observe(event_type: str, obj: Mapping[str, Any], *, on: date, tz: ZoneInfo) -> Observation:
    """What an event of a handled type says about its payment; `on` is the event's day. Raises
    pydantic's ValidationError when the object is not what the type promises."""
    if event_type.startswith("payment_intent."):
        return _intent(event_type, PaymentIntentObject.model_validate(obj), on=on, tz=tz)
    if event_type.startswith("charge.dispute."):
        return _dispute(DisputeObject.model_validate(obj), on=on, tz=tz)
    return _charge(event_type, ChargeObject.model_validate(obj), on=on, tz=tz)


def _intent(event_type: str, pi: PaymentIntentObject, *, on: date, tz: ZoneInfo) -> Observation:
    common: dict[str, Any] = {
        "intent_ref": pi.id,
        "customer_ref": pi.customer,
        "metadata": pi.metadata,
        "amount_cents": pi.amount,
        "currency": pi.currency,
        "method": _method(pi.payment_method_types),
        "initiated_on": _day(pi.created, tz),
    }
    if event_type == "payment_intent.processing":
        return Observation(**common, charge_ref=pi.latest_charge, processing=True)
    if event_type == "payment_intent.succeeded":
        return Observation(**common, charge_ref=pi.latest_charge, succeeded=True, succeeded_on=on)
    error = pi.last_payment_error or _PaymentError()
    if error.payment_method is not None and error.payment_method.type:
        common["method"] = _method([error.payment_method.type]) or common["method"]
    return Observation(
        **common,
        charge_ref=error.charge or pi.latest_charge,
        failure=Failure(on=on, code=error.code or error.decline_code),
    )


def _charge(event_type: str, charge: ChargeObject, *, on: date, tz: ZoneInfo) -> Observation:
    details = charge.payment_method_details
    common: dict[str, Any] = {
        "intent_ref": charge.payment_intent or charge.id,
        "charge_ref": charge.id,
        "customer_ref": charge.customer,
        "metadata": charge.metadata,
        "amount_cents": charge.amount,
        "currency": charge.currency,
        "method": _method([details.type]) if details and details.type else None,
        "initiated_on": _day(charge.created, tz),
    }
    if event_type == "charge.failed":
        return Observation(**common, failure=Failure(on=on, code=charge.failure_code))
    # charge.refunded: only money that came in can go back out, so the charge had succeeded.
    return Observation(**common, succeeded=True, refunded_cents=charge.amount_refunded, refunded_on=on)


def _dispute(dispute: DisputeObject, *, on: date, tz: ZoneInfo) -> Observation:
    outcome = DISPUTE_OUTCOMES.get(dispute.status, "open")
    return Observation(
        intent_ref=dispute.payment_intent or dispute.charge,
        charge_ref=dispute.charge,
        currency=dispute.currency,
        succeeded=True,  # only a charge that took the money can be disputed
        dispute_ref=dispute.id,
        dispute=DisputeFact(
            amount_cents=dispute.amount,
            outcome=outcome,
            opened_on=_day(dispute.created, tz),
            reason=dispute.reason,
            closed_on=on if outcome != "open" else None,
        ),
    )
