"""Which planner drives the assistant: the chat model when one is configured, else the offline planner."""

from __future__ import annotations

from types import EllipsisType
from typing import Literal

from agents.planners.base import Planner
from app.config import Settings
from app.errors import ConfigurationError

PlannerKind = Literal["offline", "chat"]


def make_planner(
    settings: Settings,
    *,
    kind: PlannerKind | None = None,
    fallback: Planner | None | EllipsisType = ...,
    stream: bool = False,
) -> Planner:
    """The planner for these settings.

    `kind=None` picks the chat planner when `OPENAI_API_KEY` is set, else the offline planner. The chat
    planner falls back to `fallback` when its model fails: by default (`...`) the offline planner, built
    here; `None` for no fallback (the turn then goes to staff). `stream=True` makes the chat planner read
    answers as server-sent events, for servers that only stream.
    """
    chosen: PlannerKind = kind or ("chat" if settings.OPENAI_API_KEY is not None else "offline")
    if chosen == "offline":
        return make_offline_planner(settings)
    if settings.OPENAI_API_KEY is None and not settings.OPENAI_BASE_URL:
        raise ConfigurationError(
            "the chat planner needs a model: set OPENAI_API_KEY (or OPENAI_BASE_URL for a local "
            "OpenAI-compatible server), or use --planner offline"
        )
    from agents.planners.chat import ChatPlanner

    backup = make_offline_planner(settings) if isinstance(fallback, EllipsisType) else fallback
    return ChatPlanner.from_settings(settings, fallback=backup, stream=stream)


def make_offline_planner(settings: Settings) -> Planner:
    """The offline planner, with its intent classifier loaded from (or trained into) the data directory."""
    # Imported here: the offline recogniser is heavier to import, and the chat path does not always need it.
    from agents.offline import IntentClassifier
    from agents.planners.offline import OfflinePlanner

    classifier = IntentClassifier.load_or_train(settings.data_dir / "models")
    return OfflinePlanner(classifier)
