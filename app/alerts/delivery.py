"""POSTing one Slack message to the incoming webhook: a connection error, a timeout, a 429 or a 5xx is
retried with exponential backoff (`tenacity`), `DOORSTEP_SLACK_ATTEMPTS` times at most, each request
bounded by `DOORSTEP_SLACK_TIMEOUT_SECONDS`; any other answer ends it. Returns None (delivered) or why not."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from app.outreach.settings import SlackSettings

_log = logging.getLogger(__name__)


class _Retryable(Exception):
    pass


def post_message(
    settings: SlackSettings, message: dict[str, Any], *, client: httpx.Client, backoff: float = 0.5
) -> str | None:
    url = settings.url
    if url is None:
        return "DOORSTEP_SLACK_WEBHOOK_URL is not set"
    body = json.dumps(message, separators=(",", ":")).encode()

    def attempt() -> httpx.Response:
        try:
            response = client.post(url, content=body, headers={"Content-Type": "application/json"})
        except httpx.TransportError as exc:
            raise _Retryable(type(exc).__name__) from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise _Retryable(f"HTTP {response.status_code}")
        return response

    retrying = Retrying(
        stop=stop_after_attempt(settings.DOORSTEP_SLACK_ATTEMPTS),
        wait=wait_exponential(multiplier=backoff, max=max(backoff * 8, 0.001)),
        retry=retry_if_exception_type(_Retryable),
        reraise=False,
    )
    try:
        response = retrying(attempt)
    except RetryError as exc:
        problem = str(exc.last_attempt.exception())
        _log.warning("staff alert not delivered: %s", problem)
        return problem
    if response.status_code >= 300:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    return None
