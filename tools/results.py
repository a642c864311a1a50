"""What tools return: pydantic models a planner can read and the checker can mine for facts."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict


class Citation(BaseModel):
    title: str
    section: str
    page: int | None = None
    source: str | None = None

    def label(self) -> str:
        page = f", p. {self.page}" if self.page else ""
        section = f", {self.section}" if self.section else ""
        return f"{self.title}{section}{page}"


class ToolResult(BaseModel):
    """Every result says whether it found what was asked; when not, `note` says why in a sentence.

    A field a tool sets that its result does not declare is an error, not silently dropped (a
    `rule_es` no model read was computed on every `get_next_due` call this way)."""

    model_config = ConfigDict(extra="forbid")

    ok: bool = True
    note: str | None = None


class LineItem(BaseModel):
    entry_id: int
    date: date
    kind: str
    description: str
    amount_cents: int
    open_cents: int | None = None
    days_past_due: int | None = None
    status: str | None = None


class ToolArgs(BaseModel):
    """Base for tool arguments: unknown fields are refused, so no planner can slip in a resident or unit."""

    model_config = ConfigDict(extra="forbid")
