"""Per-run context the graph receives at invoke time (never checkpointed, never visible to a planner)."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tools.context import ResidentContext

if TYPE_CHECKING:
    from agents.planners.base import Planner


@dataclass(frozen=True)
class AssistantContext:
    tools: ResidentContext
    """The authenticated resident and the resources tools use."""
    planner: Planner
    first_name: str | None = None
    property_name: str | None = None
    office_phone: str | None = None
    do_not_contact: bool = False
    """The resident asked not to be contacted: replies are fine, and each message is also a staff task."""
    max_steps: int = 4
    """Planner visits per turn; a chat model that keeps calling tools is stopped here."""
    head_start: Future[Any] | None = None
    """What `planner.begin` started for this turn's message, if anything (see `Planner.begin`)."""
