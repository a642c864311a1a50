"""Which planner drives the assistant: the chat model when one is configured, else the offline planner."""

from __future__ import annotations

import socket
from types import EllipsisType
from typing import Literal
from urllib.parse import urlsplit

from agents.planners.base import Planner
from app.config import Settings
from app.errors import ConfigurationError

PlannerKind = Literal["offline", "chat"]

OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"
"""Where the chat planner's client goes when OPENAI_BASE_URL is unset."""
REACHABLE_TIMEOUT_S = 5.0
"""How long `require_chat_model` waits for the model server to accept a connection."""


def chat_configured(settings: Settings) -> bool:
    """A chat model is configured: a non-blank OPENAI_API_KEY, or an OPENAI_BASE_URL (a local server).

    A blank key (`OPENAI_API_KEY=` in an env file) counts as none: sent as it is, every turn would wait for
    the model's refusal (or, offline, for its retries) before falling back.
    """
    key = settings.OPENAI_API_KEY
    return bool(key is not None and key.get_secret_value().strip()) or bool(settings.OPENAI_BASE_URL)


def default_kind(settings: Settings) -> PlannerKind:
    """The planner used when none is named: chat when a model is configured (`chat_configured`)."""
    return "chat" if chat_configured(settings) else "offline"


def make_planner(
    settings: Settings,
    *,
    kind: PlannerKind | None = None,
    fallback: Planner | None | EllipsisType = ...,
    stream: bool = False,
) -> Planner:
    """The planner for these settings.

    `kind=None` picks the chat planner when a model is configured (`chat_configured`), else the offline
    planner. The chat planner falls back to `fallback` when its model fails: by default (`...`) the offline
    planner, built here; `None` for no fallback (the turn then goes to staff). `stream=True` makes the chat
    planner read answers as server-sent events, for servers that only stream.
    """
    chosen: PlannerKind = kind or default_kind(settings)
    if chosen == "offline":
        return make_offline_planner(settings)
    if not chat_configured(settings):
        raise ConfigurationError(_NO_MODEL)
    from agents.planners.chat import ChatPlanner

    backup = make_offline_planner(settings) if isinstance(fallback, EllipsisType) else fallback
    return ChatPlanner.from_settings(settings, fallback=backup, stream=stream)


_NO_MODEL = (
    "the chat planner needs a model: set OPENAI_API_KEY (or OPENAI_BASE_URL for a local "
    "OpenAI-compatible server), or use --planner offline"
)


def require_chat_model(settings: Settings, *, timeout: float = REACHABLE_TIMEOUT_S) -> None:
    """ConfigurationError (one line, for an operator) unless a chat model is configured and its server
    accepts a connection within `timeout` seconds.

    For commands where the operator asked for the chat planner by name: at run time a failing model falls
    back turn by turn (`agents.planners.chat`), which would hide that the model was never there.
    """
    if not chat_configured(settings):
        raise ConfigurationError(_NO_MODEL)
    base_url = settings.OPENAI_BASE_URL or OPENAI_DEFAULT_BASE_URL
    try:
        parts = urlsplit(base_url)
        host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:  # a port that is not a number
        raise ConfigurationError(f"OPENAI_BASE_URL {base_url!r} is not a URL ({exc})") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigurationError(f"OPENAI_BASE_URL {base_url!r} is not an http(s) URL")
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = (
            "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc) or type(exc).__name__)
        )
        raise ConfigurationError(
            f"cannot reach the chat model at {base_url} ({reason}): is the server running, and is "
            "OPENAI_BASE_URL right? Or use --planner offline"
        ) from exc


def make_offline_planner(settings: Settings) -> Planner:
    """The offline planner, with its intent classifier loaded from (or trained into) the data directory."""
    # Imported here: the offline recogniser is heavier to import, and the chat path does not always need it.
    from agents.offline import IntentClassifier
    from agents.planners.offline import OfflinePlanner

    classifier = IntentClassifier.load_or_train(settings.data_dir / "models")
    return OfflinePlanner(classifier)
