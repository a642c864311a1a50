"""The conversation dataset: one JSON object per line of `evals/datasets/conversations.jsonl`.

A scenario is a resident (a demo persona) sending one or more messages, and what a correct assistant
must do across the conversation:

```json
{"id": "balance-basic-01", "persona": "delinquent", "turns": ["how much do i owe"],
 "expect": {"tools": ["get_balance"], "escalate": false, "facts": ["balance.total"], "language": "en"},
 "tags": ["balance"]}
```

`expect`:
- `tools`: tools that must be called somewhere in the conversation, in any order. An entry is a tool
  name or `{"name": ..., "args": {...}}`, where `args` must be a subset of the call's arguments.
- `forbid_tools`: tools that must not be called at all.
- `escalate`: whether any turn hands the conversation to staff (the positive class of the escalation
  metrics); `reason`: the EscalationReason (or a list of acceptable ones) of that escalation.
- `facts`: keys resolved at eval time from the persona's ledger and lease (`facts.py`); each resolved
  string must appear in some reply of the conversation.
- `language`: the language every reply must be in ("en" or "es").
- `must_not_contain`: phrases no reply may contain (case-insensitive).
- `sources`: for answers from the documents, words of the section or title some reply must cite
  (matched in the reply and its recorded citations, case-insensitive; any one suffices).
- `turns`: optional per-turn expectations, aligned with `turns` (`null` for no constraint):
  `{"tools": [...], "facts": [...], "escalate": bool}` about that turn only.

`persona` is a key of the seed report's personas (`delinquent`, `on_time:hudson-terrace`, ...);
`duplicate#2` picks the second resident of a persona naming two; `anonymous:<property>` is a visitor who
is not signed in, asking about that property. `extra_documents` are ingested for that scenario only
(filed under the persona's property unless `property` says otherwise, `"*"` for portfolio-wide) and
removed afterwards: that is how the conflicting-documents scenarios are set up.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from evals.conversations.facts import parse_fact

DATASET = Path(__file__).resolve().parent.parent / "datasets" / "conversations.jsonl"

#: Tool names the assistant has (tools/registry.py). Kept here so loading the dataset stays light;
#: a test checks it against the registry.
TOOL_NAMES = frozenset(
    {
        "get_balance",
        "get_recent_activity",
        "get_next_due",
        "get_lease_terms",
        "explain_charge",
        "get_payment_status",
        "get_deposit",
        "search_policies",
        "propose_payment_plan",
        "escalate",
    }
)
#: EscalationReason values (tools/escalation.py); a test checks it against the enum.
ESCALATION_REASONS = frozenset(
    {
        "requested_person",
        "dispute",
        "hardship_beyond_policy",
        "plan_review",
        "legal",
        "discrimination",
        "emergency",
        "abuse",
        "misunderstood",
        "conflicting_documents",
        "account_restricted",
        "unverified_answer",
        "other_language",
        "other_resident",
        "suspicious",
        "payment_not_found",
        "refund_request",
    }
)
DocTypeName = Literal["lease", "policy", "handbook", "faq", "notice_template"]
_PERSONA = re.compile(r"^(anonymous:[a-z0-9-]+|[a-z_]+(:[a-z0-9-]+)?(#\d)?)$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ToolExpectation(_Strict):
    """A tool that must be called, optionally with some of its arguments.

    `name` may list alternatives, `"get_balance|get_payment_status"`, when either tool answers the
    question equally well.
    """

    name: str
    args: dict[str, Any] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _known_tool(cls, name: str) -> str:
        for part in name.split("|"):
            if part not in TOOL_NAMES:
                raise ValueError(f"unknown tool {part!r}")
        return name

    @property
    def names(self) -> list[str]:
        return self.name.split("|")

    def label(self) -> str:
        if not self.args:
            return self.name
        args = ", ".join(f"{k}={v!r}" for k, v in sorted(self.args.items()))
        return f"{self.name}({args})"


def _tool_list(value: Any) -> Any:
    """Let the dataset write `"get_balance"` for `{"name": "get_balance"}`."""
    if isinstance(value, list):
        return [{"name": item} if isinstance(item, str) else item for item in value]
    return value


def _check_facts(keys: list[str]) -> list[str]:
    for key in keys:
        parse_fact(key)
    return keys


class TurnExpect(_Strict):
    """What one turn (not the whole conversation) must do."""

    tools: list[ToolExpectation] = Field(default_factory=list)
    facts: list[str] = Field(default_factory=list)
    escalate: bool | None = None

    _tools = field_validator("tools", mode="before")(_tool_list)
    _facts = field_validator("facts")(_check_facts)


class Expect(_Strict):
    tools: list[ToolExpectation] = Field(default_factory=list)
    forbid_tools: list[str] = Field(default_factory=list)
    escalate: bool
    reason: list[str] | None = None
    facts: list[str] = Field(default_factory=list)
    language: Literal["en", "es"] = "en"
    must_not_contain: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    """For answers from the documents: some reply must cite (or name) a source whose title or section
    contains one of these, e.g. `["Pet"]` for "8.1 Pet Approval" or "Pets in the Community"."""
    turns: list[TurnExpect | None] = Field(default_factory=list)

    _tools = field_validator("tools", mode="before")(_tool_list)
    _facts = field_validator("facts")(_check_facts)

    @field_validator("reason", mode="before")
    @classmethod
    def _reason_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("reason")
    @classmethod
    def _known_reasons(cls, value: list[str] | None) -> list[str] | None:
        for reason in value or []:
            if reason not in ESCALATION_REASONS:
                raise ValueError(f"unknown escalation reason {reason!r}")
        return value

    @field_validator("forbid_tools")
    @classmethod
    def _known_forbidden(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in TOOL_NAMES:
                raise ValueError(f"unknown tool {name!r}")
        return value

    @model_validator(mode="after")
    def _reason_needs_escalation(self) -> Expect:
        if self.reason and not self.escalate:
            raise ValueError("a reason is only expected when the scenario escalates")
        return self

    def all_facts(self) -> list[str]:
        """Conversation-level facts and per-turn facts, each once."""
        keys = list(self.facts)
        for turn in self.turns:
            keys += [key for key in (turn.facts if turn else []) if key not in keys]
        return keys


class ExtraDocument(_Strict):
    """A document ingested for one scenario only (e.g. a notice that contradicts the lease)."""

    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    doc_type: DocTypeName = "policy"
    property: str | None = None
    """None: the persona's property; "*": portfolio-wide; else a property code."""


class Scenario(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    persona: str
    turns: list[str] = Field(min_length=1)
    expect: Expect
    tags: list[str] = Field(default_factory=list)
    extra_documents: list[ExtraDocument] = Field(default_factory=list)
    channel: Literal["sms", "portal"] = "sms"

    @field_validator("persona")
    @classmethod
    def _persona_syntax(cls, value: str) -> str:
        if not _PERSONA.match(value):
            raise ValueError(f"persona {value!r} is not a persona key, key#N or anonymous:<property>")
        return value

    @model_validator(mode="after")
    def _turn_expectations_fit(self) -> Scenario:
        if len(self.expect.turns) > len(self.turns):
            raise ValueError("expect.turns has more entries than the scenario has turns")
        return self

    @property
    def needs_documents(self) -> bool:
        """Scenarios that cannot be judged without the ingested documents (skipped when unavailable)."""
        wanted = [t.names for t in self.expect.tools] + [
            t.names for turn in self.expect.turns if turn for t in turn.tools
        ]
        # Only a tool the scenario cannot do without: "get_lease_terms|search_policies" can do without.
        # What the documents say (`policy.*` facts) can only come from the documents.
        needs_policy = any(key.startswith("policy.") for key in self.expect.all_facts())
        return (
            bool(self.extra_documents)
            or ["search_policies"] in wanted
            or needs_policy
            or bool(self.expect.sources)
        )


class DatasetError(ValueError):
    """A line of the dataset does not parse or validate; the message names the line."""


def load_scenarios(path: Path = DATASET) -> list[Scenario]:
    """Every scenario of the dataset, validated; ids must be unique."""
    scenarios: list[Scenario] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            scenario = Scenario.model_validate_json(line)
        except ValueError as exc:
            raise DatasetError(f"{path.name} line {number}: {exc}") from exc
        if scenario.id in seen:
            raise DatasetError(f"{path.name} line {number}: duplicate id {scenario.id!r}")
        seen.add(scenario.id)
        scenarios.append(scenario)
    return scenarios


def select(scenarios: list[Scenario], only: list[str] | tuple[str, ...] = ()) -> list[Scenario]:
    """The scenarios carrying any of the tags in `only` (or whose id is in it); all when empty."""
    if not only:
        return scenarios
    wanted = set(only)
    return [s for s in scenarios if s.id in wanted or wanted & set(s.tags)]


def dataset_version(path: Path = DATASET) -> str:
    """The first 12 hex digits of the dataset's sha256: which version of the dataset a report scored."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
