"""Twilio's webhooks: inbound texts and delivery status. Thin: bound the body, check Twilio's signature,
validate the form, hand off to `app.channels.sms`, answer 200 with empty TwiML.

Every reply goes out through the bridge's outbound path (REST API or outbox), never as TwiML, so the
opt-out registry is checked in one place; Twilio gets its 200 as soon as the text is stored, and the turn
runs after the response, on a worker thread.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, Response, status
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State
from twilio.request_validator import SIGNATURE_HEADER, SIGNATURE_SETTINGS_HEADER
from twilio.twiml.messaging_response import MessagingResponse

from app.channels.broker import INBOX_TOPIC, conversation_topic
from app.channels.runtime import ChannelRuntime
from app.channels.sms import InboundSms, Received, StatusCallback, receive_sms, record_status
from app.channels.sms import signature_ok as twilio_signed
from app.config import Settings
from app.db import transaction

router = APIRouter(tags=["sms"])

MAX_WEBHOOK_BYTES = 16 * 1024
"""Twilio's inbound form is a few hundred bytes (a body is at most 1,600 characters)."""
MAX_FIELDS = 100
FORM = "application/x-www-form-urlencoded"

_log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


def _documented(model: type[BaseModel]) -> dict[str, Any]:
    """The webhook's form and answers in the OpenAPI document (the body is read and checked by hand:
    the signature covers the raw fields)."""
    return {
        "openapi_extra": {
            "requestBody": {
                "required": True,
                "content": {FORM: {"schema": model.model_json_schema(by_alias=True)}},
            }
        },
        "responses": {
            200: {"description": "Accepted: empty TwiML", "content": {"text/xml": {}}},
            400: {"description": "Signed, but not Twilio's form"},
            403: {"description": "Not signed by Twilio (or TWILIO_AUTH_TOKEN unset)"},
            413: {"description": "Body over 16 KiB"},
            415: {"description": f"Not {FORM}"},
        },
        "response_class": Response,
    }


@router.post("/webhooks/twilio/sms", summary="Twilio: an inbound text", **_documented(InboundSms))
async def inbound_sms(request: Request, background: BackgroundTasks) -> Response:
    """A text from a resident (Twilio's Messaging webhook, form-encoded, signed). 200 once stored; a
    redelivered MessageSid is acknowledged and not answered again. 403 unsigned or tampered."""
    state = request.app.state
    inbound = _parse(InboundSms, await _signed_form(request, state.settings))
    received = await run_in_threadpool(receive_sms, state.sessions, inbound)
    if received is not None:
        background.add_task(_answer, state, received)
    return _twiml()


@router.post(
    "/webhooks/twilio/status", summary="Twilio: a delivery-status callback", **_documented(StatusCallback)
)
async def delivery_status(request: Request) -> Response:
    """Twilio's status callback for a text Doorstep sent (signed like the inbound webhook)."""
    state = request.app.state
    callback = _parse(StatusCallback, await _signed_form(request, state.settings))

    def apply() -> None:
        with transaction(state.sessions) as session:
            record_status(session, callback)

    await run_in_threadpool(apply)
    return _twiml()


async def _answer(state: State, received: Received) -> None:
    """After the 200: the turn (and its texts) on a worker thread, then a notice to staff watching."""
    channels: ChannelRuntime = state.channels
    service = await channels.sms()
    processed = await run_in_threadpool(service.process, received)
    if processed.conversation_id:
        broker = state.broker
        await broker.publish(conversation_topic(processed.conversation_id), {"events": True})
        await broker.publish(INBOX_TOPIC, {"queue": True})  # texts are few; staff may need to look


async def _signed_form(request: Request, settings: Settings) -> list[tuple[str, str]]:
    """The form's fields, once the body is within bounds and Twilio's signature checks out."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, f"expected {FORM}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_WEBHOOK_BYTES:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "the webhook body is too large")
    try:
        params = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError) as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the body is not a form") from exc
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    signed = twilio_signed(
        settings,
        path=path,
        params=params,
        signature=request.headers.get(SIGNATURE_HEADER, ""),
        settings_header=request.headers.get(SIGNATURE_SETTINGS_HEADER, ""),
    )
    if not signed:
        _log.warning(
            "refused a Twilio webhook to %s from %s: %s",
            request.url.path,
            request.client.host if request.client else "?",
            "TWILIO_AUTH_TOKEN is not set"
            if settings.TWILIO_AUTH_TOKEN is None
            else "missing or wrong X-Twilio-Signature (is DOORSTEP_PUBLIC_URL the URL Twilio calls?)",
        )
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the request is not signed by Twilio")
    return params


def _parse(model: type[M], params: list[tuple[str, str]]) -> M:
    try:
        return model.model_validate(dict(params))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        _log.warning("a signed Twilio webhook did not validate: %s", problems)
        raise HTTPException(status.HTTP_400_BAD_REQUEST, problems) from exc


def _twiml() -> Response:
    return Response(str(MessagingResponse()), media_type="text/xml")
