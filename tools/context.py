"""Who the conversation is with, established by authentication. Tools take identity only from here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from app.knowledge.retrieval import Retriever


@dataclass(frozen=True)
class ResidentContext:
    """Injected into every tool call by the graph. A planner can neither see nor change it."""

    resident_id: int | None
    """The authenticated resident; None for a property-level question (`doorstep ask --property`)."""
    sessions: sessionmaker[Session]
    today: date
    retriever: Retriever | None = None
    property_code: str | None = None
    """Set for property-level questions; for residents it is read from their lease."""
    conversation_id: str | None = None
    language: str = "en"
    lease_id: int | None = None
    """The resident's current lease, resolved from `resident_id` as the turn began (None: not yet). Tools
    load the account by it instead of choosing the lease again; it is checked against `resident_id`."""
