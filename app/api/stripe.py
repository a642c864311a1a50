"""Payments from Stripe: the signed webhook at POST /webhooks/stripe, and the staff's JSON for the payment
exceptions queue under /inbox/api/payments (signed in like the inbox: session cookie, CSRF on changes).

The webhook is thin: check the signature with stripe's library (STRIPE_WEBHOOK_SECRET, tolerance
STRIPE_WEBHOOK_TOLERANCE_SECONDS), read the event, hand it to `app.payments.ingest` off the event loop,
answer 200. What it answers:
- 200 `{"outcome": "processed" | "duplicate" | "ignored" | "invalid"}`: stored (or stored already). An
  event type Doorstep does not act on is `ignored`, a signed object it cannot read is `invalid` and
  queued for staff: both are acknowledged, since Stripe retrying them would never change the answer.
- 403: no valid `Stripe-Signature` for this body under the secret, a signature older than the tolerance
  (a replay of a captured request), or no secret configured. Logged, nothing stored. (A replay within the
  tolerance is the same event id: 200 `duplicate`, nothing posted twice.)
- 400: signed, but not JSON or not a Stripe event. Logged, nothing stored.
- 413: a body over 64 KiB (the service-wide limit).

A POST reaches it ahead of the middleware and the router (`webhook_first`, wired in `app.main`): the same
handler, the same answers, a fraction of the event loop's time per delivery.
"""

from __future__ import annotations

import logging
import threading
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.types import ExceptionHandler, Receive, Scope, Send

from app.api.inbox import Checked, RowId, Signed
from app.bounds import Limit, Offset, PlainText
from app.channels.inbox import require
from app.config import Settings
from app.db import transaction
from app.deps import TodayDep, portfolio_today
from app.payments.exceptions import PaymentExceptionPublic, list_exceptions
from app.payments.ingest import Received, ingest
from app.payments.review import assign_payment, dismiss_exception, map_customer
from app.payments.stripe_events import (
    SIGNATURE_HEADER,
    MalformedDelivery,
    SignatureRefused,
    read_delivery,
    verify_signature,
)
from app.payments.writer import DeliveryWriter
from app.schemas import ErrorPublic

router = APIRouter()
WEBHOOK_PATH = "/webhooks/stripe"
_log = logging.getLogger(__name__)


class WebhookAck(BaseModel):
    """Stripe only reads the status code; the body says what happened, for logs and tests."""

    received: bool = True
    outcome: Literal["processed", "duplicate", "ignored", "invalid"]
    payment_status: str | None = None
    """The payment's state after the event (processing, succeeded, returned...)."""


_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A Stripe event (https://docs.stripe.com/api/events/object), signed in Stripe-Signature.",
    "required": ["id", "object", "type", "created", "data"],
    "properties": {
        "id": {"type": "string", "maxLength": 255},
        "object": {"type": "string", "enum": ["event"]},
        "type": {"type": "string", "maxLength": 100},
        "created": {"type": "integer"},
        "livemode": {"type": "boolean"},
        "data": {"type": "object", "required": ["object"], "properties": {"object": {"type": "object"}}},
    },
}


def _refusal(description: str) -> dict[str, Any]:
    return {"description": description, "model": ErrorPublic}


@router.post(
    WEBHOOK_PATH,
    response_model=WebhookAck,
    tags=["payments"],
    summary="Stripe: a payment event",
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _EVENT_SCHEMA}}}
    },
    responses={
        400: _refusal("Signed, but not JSON or not a Stripe event"),
        403: _refusal(
            "No valid Stripe-Signature (missing, tampered, older than the tolerance, or no secret set)"
        ),
        413: _refusal("Body over 64 KiB"),
    },
)
async def stripe_webhook(request: Request) -> Response:
    """A Stripe event (payment_intent.processing / succeeded / payment_failed, charge.failed / refunded,
    charge.dispute.created / closed; other types are acknowledged and ignored). Idempotent by event id:
    a redelivery answers 200 `duplicate` and posts nothing."""
    settings: Settings = request.app.state.settings
    body = await request.body()
    _check_signature(request, settings, body)
    try:
        delivery = read_delivery(body, tz=ZoneInfo(settings.DOORSTEP_TIMEZONE))
    except MalformedDelivery as exc:
        _log.warning("refused a signed Stripe webhook from %s: %s", _client(request), exc)
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    sessions: sessionmaker[Session] = request.app.state.sessions
    # The date is read here, not through a (sync) dependency: each of those is a trip to a worker thread,
    # and under load a delivery's time goes to such trips. DOORSTEP_TODAY pins it, as everywhere.
    today = portfolio_today(settings)
    writer = _writer(request)
    if writer is None:
        received = await run_in_threadpool(ingest, sessions, delivery, today=today)
    else:
        received = await writer.write(delivery, today=today)
    if received.outcome == "duplicate":
        _log.info("Stripe event %s delivered again: already recorded", delivery.event_id)
    elif received.outcome != "processed":
        _log.info(
            "Stripe event %s (%s) %s: %s",
            delivery.event_id,
            delivery.event_type,
            received.outcome,
            delivery.note,
        )
    return _acknowledge(received)


async def webhook_first(scope: Scope, receive: Receive, send: Send) -> None:
    """POST /webhooks/stripe as an ASGI app, for the app's outermost layer
    (`app.api.hot_routes.HotRoutesFirst`, behind `BodySizeLimit`): `stripe_webhook` itself, without the
    middleware stack, the route matching and FastAPI's request handling in between, none of which it
    uses. The route stays declared (the OpenAPI document; any request that does not come this way).

    An error is answered as the stack would: `_answer_failure`."""
    try:
        response = await stripe_webhook(Request(scope, receive))
    except Exception as exc:
        await _answer_failure(exc, scope, receive, send)
        return
    await response(scope, receive, send)


async def _answer_failure(exc: Exception, scope: Scope, receive: Receive, send: Send) -> None:
    """What the app's stack answers for `exc` raised by a route, through Starlette's own layers, as
    FastAPI builds them (`FastAPI.build_middleware_stack`): the app's handler for it (a refusal's
    `HTTPException`: `{"detail": ...}`), else a 500 "Internal Server Error", with `exc` raised again for
    the server to log. Built on a failure only: a delivery that is acknowledged never pays for them."""
    app = scope["app"]
    error_handler: ExceptionHandler | None = None
    handlers: dict[Any, ExceptionHandler] = {}
    for key, handler in app.exception_handlers.items():
        if key in (500, Exception):
            error_handler = handler
        else:
            handlers[key] = handler

    async def failed(_scope: Scope, _receive: Receive, _send: Send) -> None:
        raise exc

    layers = ExceptionMiddleware(failed, handlers=handlers, debug=app.debug)
    await ServerErrorMiddleware(layers, handler=error_handler, debug=app.debug)(scope, receive, send)


def _acknowledge(received: Received) -> Response:
    """The `WebhookAck`, rendered here: FastAPI would validate again the model just built, then serialize
    it through its generic path, for every delivery. Same body, same content type."""
    ack = WebhookAck(outcome=received.outcome, payment_status=received.status)
    return Response(ack.model_dump_json(), media_type="application/json")


def _writer(request: Request) -> DeliveryWriter | None:
    """Where deliveries are written on SQLite: one writer, several per transaction (its module says why).
    PostgreSQL locks rows: deliveries run side by side, each in its own transaction."""
    state = request.app.state
    writer: DeliveryWriter | None = getattr(state, "delivery_writer", None)
    if writer is None and _is_sqlite(state.sessions):
        with _WRITER_LOCK:
            writer = getattr(state, "delivery_writer", None)
            if writer is None:
                writer = state.delivery_writer = DeliveryWriter(state.sessions)
    return writer


_WRITER_LOCK = threading.Lock()


def _is_sqlite(sessions: sessionmaker[Session]) -> bool:
    engine = sessions.kw.get("bind")
    return engine is not None and engine.dialect.name == "sqlite"


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _check_signature(request: Request, settings: Settings, body: bytes) -> None:
    secret = settings.STRIPE_WEBHOOK_SECRET
    if secret is None:
        _log.warning("refused a Stripe webhook from %s: STRIPE_WEBHOOK_SECRET is not set", _client(request))
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Stripe webhooks are not configured on this server")
    try:
        verify_signature(
            body,
            request.headers.get(SIGNATURE_HEADER),
            secret.get_secret_value(),
            tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
        )
    except SignatureRefused as exc:
        _log.warning("refused a Stripe webhook from %s: %s", _client(request), exc)
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the request is not signed by Stripe") from exc


# --- the staff's exceptions queue -------------------------------------------------------------------


def _sessions(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


class AssignPayment(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    lease_ref: Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9\-]+$")]
    remember_customer: bool = True
    """Map the payment's Stripe customer to this lease, so its next payments find it on their own."""


class DismissException(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: Annotated[PlainText, Field(min_length=1, max_length=500)]


class CustomerMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    customer_ref: Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_]+$")]
    lease_ref: Annotated[str | None, Field(max_length=20, pattern=r"^[A-Za-z0-9\-]+$")] = None
    resident_ref: Annotated[str | None, Field(max_length=20, pattern=r"^[A-Za-z0-9\-]+$")] = None

    @model_validator(mode="after")
    def _names_someone(self) -> CustomerMapping:
        if not (self.lease_ref or self.resident_ref):
            raise ValueError("name the lease_ref or the resident_ref the customer pays for")
        return self


class CustomerMapped(BaseModel):
    customer_ref: str
    lease_ref: str | None
    resident_ref: str | None
    settled: int
    """Payments of this customer that were waiting for a lease and found it now."""


@router.get("/inbox/api/payments/exceptions", include_in_schema=False)
def payment_exceptions(
    request: Request,
    active: Signed,
    status_: Annotated[Literal["open", "resolved", "dismissed", "all"], Query(alias="status")] = "open",
    limit: Annotated[Limit, Query()] = 100,
    offset: Annotated[Offset, Query()] = 0,
) -> list[PaymentExceptionPublic]:
    """Payments staff must look at (open ones by default), oldest first."""
    require(active.staff, "conversations")
    with _sessions(request)() as session:
        return list_exceptions(
            session, status=None if status_ == "all" else status_, limit=limit, offset=offset
        )


@router.post("/inbox/api/payments/exceptions/{exception_id}/assign", include_in_schema=False)
def assign_exception(
    exception_id: RowId, body: AssignPayment, request: Request, active: Checked, today: TodayDep
) -> PaymentExceptionPublic:
    """Put an unmatched payment on a lease (and post it): a manager's decision, as it moves money."""
    require(active.staff, "approvals")
    with transaction(_sessions(request)) as session:
        assign_payment(
            session,
            exception_id,
            lease_ref=body.lease_ref,
            remember_customer=body.remember_customer,
            actor=active.staff.actor,
            today=today,
        )
    return _one(request, exception_id)


@router.post("/inbox/api/payments/exceptions/{exception_id}/dismiss", include_in_schema=False)
def dismiss(
    exception_id: RowId, body: DismissException, request: Request, active: Checked
) -> PaymentExceptionPublic:
    """Close an exception with nothing posted, saying why."""
    require(active.staff, "approvals")
    with transaction(_sessions(request)) as session:
        dismiss_exception(session, exception_id, note=body.note, actor=active.staff.actor)
    return _one(request, exception_id)


@router.post("/inbox/api/payments/customers", include_in_schema=False)
def map_payment_customer(
    body: CustomerMapping, request: Request, active: Checked, today: TodayDep
) -> CustomerMapped:
    """Map a Stripe customer to a lease or resident; that customer's waiting payments are settled now."""
    require(active.staff, "approvals")
    with transaction(_sessions(request)) as session:
        mapped = map_customer(
            session,
            customer_ref=body.customer_ref,
            lease_ref=body.lease_ref,
            resident_ref=body.resident_ref,
            actor=active.staff.actor,
            today=today,
        )
    return CustomerMapped(
        customer_ref=mapped.customer_ref,
        lease_ref=mapped.lease_ref,
        resident_ref=mapped.resident_ref,
        settled=mapped.settled,
    )


def _one(request: Request, exception_id: int) -> PaymentExceptionPublic:
    with _sessions(request)() as session:
        (found,) = list_exceptions(session, status=None, exception_id=exception_id)
    return found
