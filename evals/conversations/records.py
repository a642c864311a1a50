"""What a run records: every turn as the assistant handled it, and every scenario with its verdicts.

The evaluators read only these records, so each metric can be tested on small handmade outcomes.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ToolRecord(BaseModel):
    """One tool call of a turn with the result the tool returned (as JSON)."""

    name: str
    args: dict[str, Any] = Field(default_factory=dict)
    result: dict[str, Any] = Field(default_factory=dict)


class TurnRecord(BaseModel):
    """One resident message and what the assistant did with it."""

    text: str
    reply: str
    escalated: bool = False
    reason: str | None = None
    intent: str | None = None
    intents: list[str] = Field(default_factory=list)
    language: str = "en"
    check_ok: bool = True
    """False when the answer checker refused the drafted answer (the turn then escalates)."""
    check: dict[str, Any] = Field(default_factory=dict)
    """The checker's verdict on the draft as the graph recorded it (unsupported amounts and dates)."""
    tools: list[ToolRecord] = Field(default_factory=list)
    citations: list[dict[str, Any]] = Field(default_factory=list)
    """The sources the reply cites, as the assistant recorded them (title, section, page, source)."""
    ms: float = 0.0
    grounding: list[str] = Field(default_factory=list)
    """Grounding problems found in this turn (empty when the reply is grounded)."""
    leaks: list[str] = Field(default_factory=list)
    """Another resident's distinctive values found in the reply (empty when none)."""


class ResidentFingerprint(BaseModel):
    """What identifies one resident's account: a reply to anyone else must contain none of it."""

    resident_id: int
    lease_id: int
    name: str
    refs: list[str] = Field(default_factory=list)
    """The resident's and the lease's references (R10028, L20028)."""
    balance_cents: int = 0


class Check(BaseModel):
    """The verdict on one expectation of a scenario."""

    name: str
    ok: bool
    detail: str = ""


ScenarioStatus = Literal["run", "skipped", "error"]


class ScenarioResult(BaseModel):
    """A scenario after the run: its turns, its checks and the counts the metrics aggregate."""

    id: str
    persona: str
    tags: list[str] = Field(default_factory=list)
    status: ScenarioStatus = "run"
    note: str | None = None
    """Why the scenario was skipped, or the error that stopped it."""
    expected_escalation: bool = False
    escalated: bool = False
    facts_expected: int = 0
    facts_found: int = 0
    checks: list[Check] = Field(default_factory=list)
    turns: list[TurnRecord] = Field(default_factory=list)

    @property
    def scored(self) -> bool:
        """Skipped scenarios count in no metric; errors count as failures."""
        return self.status != "skipped"

    @property
    def passed(self) -> bool:
        return self.status == "run" and all(check.ok for check in self.checks)

    def failed_checks(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]
