"""The audit log: every decision, posting, approval and send, each line hash-chained to the one before.

A line's hash covers its content and the previous line's hash, so editing or removing any line breaks
every hash after it; `verify_chain` finds the first broken link. `prev_hash` is unique, so two writers
that race for the same predecessor cannot fork the chain: the loser's insert fails and it retries.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import AuditRecord

GENESIS = "0" * 64
_LAST_HASH = select(AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1)
_AUDIT_LOG = AuditRecord.metadata.tables[AuditRecord.__tablename__]
_INSERT_LINE = insert(_AUDIT_LOG).returning(_AUDIT_LOG.c.id)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)


def line_hash(
    *, prev_hash: str, at: datetime, actor: str, action: str, subject: str, data: Mapping[str, Any]
) -> str:
    body = _canonical(
        {
            "prev": prev_hash,
            "at": at.astimezone(UTC).isoformat(),
            "actor": actor,
            "action": action,
            "subject": subject,
            "data": data,
        }
    )
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class Line:
    """An appended line: its id and the two hashes that chain it."""

    id: int
    prev_hash: str
    hash: str


def record(
    session: Session, *, actor: str, action: str, subject: str, data: Mapping[str, Any] | None = None
) -> Line:
    """Append one line inside the caller's transaction (it commits or rolls back with the change)."""
    payload = json.loads(_canonical(dict(data or {})))
    for attempt in range(5):
        prev = session.scalars(_LAST_HASH).first() or GENESIS
        at = datetime.now(UTC)
        digest = line_hash(prev_hash=prev, at=at, actor=actor, action=action, subject=subject, data=payload)
        row = {
            "at": at,
            "actor": actor,
            "action": action,
            "subject": subject,
            "data": payload,
            "prev_hash": prev,
            "hash": digest,
        }
        try:
            # A plain INSERT, not the ORM's unit of work: every assistant turn appends a line.
            with session.begin_nested():
                line_id = session.execute(_INSERT_LINE, row).scalar_one()
            return Line(id=int(line_id), prev_hash=prev, hash=digest)
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class ChainReport:
    lines: int
    ok: bool
    first_bad_id: int | None
    reason: str | None


def verify_chain(session: Session) -> ChainReport:
    """Walk the whole log in order and recompute every hash."""
    prev = GENESIS
    count = 0
    for line in session.scalars(select(AuditRecord).order_by(AuditRecord.id)).yield_per(1000):
        count += 1
        if line.prev_hash != prev:
            return ChainReport(count, False, line.id, "line does not follow the one before it")
        at = line.at if line.at.tzinfo else line.at.replace(tzinfo=UTC)
        expected = line_hash(
            prev_hash=prev, at=at, actor=line.actor, action=line.action, subject=line.subject, data=line.data
        )
        if expected != line.hash:
            return ChainReport(count, False, line.id, "line content does not match its hash")
        prev = line.hash
    return ChainReport(count, True, None, None)
