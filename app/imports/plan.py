"""What an import would do, before it does it: every row with its keys and fate, and every flag.

A plan is built the same way for a dry run and a real import; only the writer differs. That is what makes
`--dry-run` an honest preview.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.imports.mapping import KindMapping, Mapping
from app.imports.matching import Directory
from app.imports.reading import Problems, Sheet
from app.imports.types import Flag, FlagKind, ImportKind
from app.ledger.types import EntryKind
from app.models import ImportBatch, ImportRow, LedgerEntry


class Fate(StrEnum):
    CREATED = "created"
    UNCHANGED = "unchanged"
    NOT_APPLIED = "not_applied"


@dataclass
class PlannedRow:
    number: int
    fate: Fate
    natural_key: str
    identity_key: str
    content_hash: str
    lease_id: int | None
    data: dict[str, Any]
    """The row's values as stored (cents, ISO dates, text): what later imports compare against."""
    entry: dict[str, Any] | None = None
    """Ledger rows: the ledger line to post (no id yet)."""
    reverses_key: str | None = None
    """A returned payment reversing a payment posted by this same file: that row's natural key."""


@dataclass(frozen=True, slots=True)
class PlannedFlag:
    row: int
    kind: FlagKind
    detail: str
    lease_id: int | None
    lease_ref: str | None

    def public(self) -> Flag:
        return Flag(row=self.row, kind=self.kind, detail=self.detail, lease=self.lease_ref)


@dataclass
class Plan:
    rows: list[PlannedRow] = field(default_factory=list)
    flags: list[PlannedFlag] = field(default_factory=list)
    skipped: int = 0

    def count(self, fate: Fate) -> int:
        return sum(1 for r in self.rows if r.fate is fate)

    def flag_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(f.kind.value for f in self.flags).items()))

    @property
    def entries(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.fate is Fate.CREATED and r.entry is not None]


@dataclass
class Context:
    """Everything a planner reads: the file, its mapping, Doorstep's leases, and the earlier imports."""

    session: Session
    kind: ImportKind
    mapping: Mapping
    section: KindMapping
    sheet: Sheet
    directory: Directory
    as_of: date
    today: date
    previous: ImportBatch | None
    """The latest earlier import of the same source and kind (of another file): what "changed" means."""
    actor: str = "cli"
    problems: Problems = field(default_factory=Problems)
    plan: Plan = field(default_factory=Plan)

    classes: dict[str, str | None] = field(default_factory=dict)
    """Ledger lines' labels as classified so far (exports repeat them)."""

    @cached_property
    def patterns(self) -> list[tuple[str, re.Pattern[str]]]:
        return self.section.patterns()

    @property
    def source(self) -> str:
        return self.mapping.name

    def flag(self, row: int, kind: FlagKind, detail: str, lease_id: int | None = None) -> None:
        ref = self.directory.leases[lease_id].ref if lease_id is not None else None
        self.plan.flags.append(PlannedFlag(row, kind, detail, lease_id, ref))

    def previous_label(self) -> str:
        assert self.previous is not None
        return f"import #{self.previous.id} (as of {self.previous.as_of.isoformat()})"


def digest(value: Any) -> str:
    """SHA-256 of a value's canonical JSON."""
    body = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def stored(values: dict[str, Any]) -> dict[str, Any]:
    """Values as JSON keeps them: dates as ISO text."""
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items() if v is not None}


def seen_keys(session: Session, *, source: str, kind: ImportKind, keys: list[str]) -> dict[str, set[str]]:
    """Natural key -> the content hashes earlier imports recorded under it."""
    found: dict[str, set[str]] = {}
    unique = sorted(set(keys))
    for start in range(0, len(unique), 5_000):
        chunk = unique[start : start + 5_000]
        rows = session.execute(
            select(ImportRow.natural_key, ImportRow.content_hash).where(
                ImportRow.source == source, ImportRow.kind == kind.value, ImportRow.natural_key.in_(chunk)
            )
        )
        for key, content in rows:
            found.setdefault(key, set()).add(content)
    return found


def previous_rows(session: Session, batch: ImportBatch | None) -> dict[str, dict[str, Any]]:
    """Identity key -> the row as the given batch recorded it (its first occurrence)."""
    if batch is None:
        return {}
    rows = session.execute(
        select(ImportRow.identity_key, ImportRow.data)
        .where(ImportRow.batch_id == batch.id)
        .order_by(ImportRow.row_number)
    )
    out: dict[str, dict[str, Any]] = {}
    for key, data in rows:
        out.setdefault(key, dict(data))
    return out


def ledger_sums(session: Session, lease_ids: set[int]) -> dict[int, list[tuple[date, int]]]:
    """Lease -> [(effective date, sum of what is owed that day)], receivable lines only (no deposits)."""
    out: dict[int, list[tuple[date, int]]] = {}
    ids = sorted(lease_ids)
    for start in range(0, len(ids), 5_000):
        chunk = ids[start : start + 5_000]
        rows = session.execute(
            select(LedgerEntry.lease_id, LedgerEntry.effective_on, func.sum(LedgerEntry.amount_cents))
            .where(LedgerEntry.lease_id.in_(chunk), LedgerEntry.kind != EntryKind.DEPOSIT.value)
            .group_by(LedgerEntry.lease_id, LedgerEntry.effective_on)
        )
        for lease_id, day, total in rows:
            out.setdefault(lease_id, []).append((day, int(total)))  # PostgreSQL sums BIGINT as NUMERIC
    return out


def balance_through(sums: list[tuple[date, int]], day: date) -> int:
    return sum(total for on, total in sums if on <= day)
