"""Signed outbound webhooks: every ladder step and every outreach send, POSTed as JSON to the URLs in
`DOORSTEP_WEBHOOK_URLS`, so any orchestrator or CRM can react without a connector.

Each request carries `Doorstep-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` under
`DOORSTEP_WEBHOOK_SECRET` (receivers check it and refuse old timestamps, as with Stripe's scheme), and
`Doorstep-Event-Id`: the same id for every retry of one event, for receivers to deduplicate. A connection
error, a 429 or a 5xx is retried with exponential backoff (`tenacity`), `DOORSTEP_WEBHOOK_ATTEMPTS` times at
most; any other answer ends it. Delivery is after the commit and best-effort: what failed is reported.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from app.outreach.settings import WebhookSettings

SIGNATURE_HEADER = "Doorstep-Signature"
EVENT_ID_HEADER = "Doorstep-Event-Id"
_log = logging.getLogger(__name__)


class _Retryable(Exception):
    pass


@dataclass
class WebhookReport:
    delivered: int = 0
    failed: list[str] = field(default_factory=list)
    """`<event id> -> <url>: <why>` for each delivery that did not succeed."""


def sign(secret: bytes, body: bytes, *, timestamp: int) -> str:
    digest = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: bytes, body: bytes, header: str, *, now: int, tolerance: int = 300) -> bool:
    """What a receiver does: the signature matches and the timestamp is within `tolerance` seconds."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        stamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = sign(secret, body, timestamp=stamp).partition(",v1=")[2]
    return abs(now - stamp) <= tolerance and hmac.compare_digest(expected, parts.get("v1", ""))


def event(kind: str, event_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": event_id, "type": kind, "created": int(time.time()), "data": dict(data)}


def deliver(
    settings: WebhookSettings,
    events: Iterable[Mapping[str, Any]],
    *,
    client: httpx.Client | None = None,
    backoff: float = 0.5,
) -> WebhookReport:
    report = WebhookReport()
    events = list(events)
    if not events or not settings.configured:
        return report
    assert settings.DOORSTEP_WEBHOOK_SECRET is not None
    secret = settings.DOORSTEP_WEBHOOK_SECRET.get_secret_value().encode()
    own = client is None
    http = client or httpx.Client(timeout=settings.DOORSTEP_WEBHOOK_TIMEOUT_SECONDS)
    try:
        for item in events:
            body = json.dumps(item, sort_keys=True, separators=(",", ":"), default=str).encode()
            for url in settings.urls:
                problem = _post(http, url, body, secret, str(item["id"]), settings, backoff)
                if problem is None:
                    report.delivered += 1
                else:
                    report.failed.append(f"{item['id']} -> {url}: {problem}")
    finally:
        if own:
            http.close()
    return report


def _post(
    http: httpx.Client,
    url: str,
    body: bytes,
    secret: bytes,
    event_id: str,
    settings: WebhookSettings,
    backoff: float,
) -> str | None:
    def attempt() -> httpx.Response:
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(secret, body, timestamp=int(time.time())),
            EVENT_ID_HEADER: event_id,
        }
        try:
            response = http.post(url, content=body, headers=headers)
        except httpx.TransportError as exc:
            raise _Retryable(f"{type(exc).__name__}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise _Retryable(f"HTTP {response.status_code}")
        return response

    retrying = Retrying(
        stop=stop_after_attempt(settings.DOORSTEP_WEBHOOK_ATTEMPTS),
        wait=wait_exponential(multiplier=backoff, max=max(backoff * 8, 0.001)),
        retry=retry_if_exception_type(_Retryable),
        reraise=False,
    )
    try:
        response = retrying(attempt)
    except RetryError as exc:
        last = exc.last_attempt.exception()
        _log.warning("webhook %s to %s failed: %s", event_id, url, last)
        return str(last)
    if response.status_code >= 300:
        return f"HTTP {response.status_code}"
    return None
