"""The audit log: every decision, posting, approval and send, each line chained to the one before.

A line's hash is an HMAC-SHA256, under a key kept outside the database (`app.audit_key`), of its content
and the previous line's hash. Editing or removing a line breaks every hash after it, and someone who can
write to the database but does not hold the key cannot recompute them: `verify_chain` finds the first broken
link. A line is only ever chained to a last line this key signed: with a lost or changed key nothing is
written, rather than a log that could never verify again. `prev_hash` is unique, so two writers that
race for the same predecessor cannot fork the chain: the loser's insert fails and it retries.

Ledger lines are in the chain too. Every line that posts to the ledger carries `ledger_blocks`: runs of
ledger entries (by id) with a digest of their full content. `verify_chain` reads the whole ledger against
them, so an entry that was changed, removed, or inserted around the posting code is named.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any, Literal

from sqlalchemy import Connection, RowMapping, event, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import ConfigurationError
from app.models import AuditRecord, LedgerEntry
from app.prepared import Prepared

GENESIS = "0" * 64
KEY_OPTION = "doorstep_audit_key"
"""The engine execution option that carries the audit key (set by `app.db.make_engine`)."""
BLOCK_SIZE = 1024
"""Ledger entries per digest in a bulk line: small enough to point near a change, few enough lines."""

_AUDIT_LOG = AuditRecord.metadata.tables[AuditRecord.__tablename__]
_LAST_HASH = Prepared(select(_AUDIT_LOG.c.hash).order_by(_AUDIT_LOG.c.id.desc()).limit(1))
_LAST_LINE = select(_AUDIT_LOG).order_by(_AUDIT_LOG.c.id.desc()).limit(1)
_INSERT_LINE = Prepared(insert(_AUDIT_LOG).returning(_AUDIT_LOG.c.id))
_INSERT_LINE_UNLESS_TAKEN = (
    postgresql.insert(_AUDIT_LOG)
    .on_conflict_do_nothing(index_elements=["prev_hash"])
    .returning(_AUDIT_LOG.c.id)
)
_LEDGER = LedgerEntry.metadata.tables[LedgerEntry.__tablename__]
_LEDGER_FIELDS = (
    "id",
    "lease_id",
    "kind",
    "amount_cents",
    "effective_on",
    "posted_on",
    "description",
    "charge_code",
    "source",
    "external_id",
    "payment_id",
    "reverses_id",
    "resident_id",
    "created_by",
)
"""Every column of a ledger line that says what it is; `created_at` is bookkeeping, not content."""


class AuditKeyMissing(RuntimeError):
    """A line was about to be written or checked on an engine built without the audit key."""


WRONG_KEY = (
    "restore the key the log was written with (DOORSTEP_AUDIT_KEY, or audit.key in the data directory), "
    "or run `doorstep audit verify` to see whether the line was altered"
)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)


def line_hash(
    key: bytes,
    *,
    prev_hash: str,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    data: Mapping[str, Any],
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
    # One-shot HMAC in C: the same digest as hmac.new(...).hexdigest(), without an HMAC object per line.
    return hmac.digest(key, body.encode(), "sha256").hex()


def stored_line_hash(key: bytes, line: Mapping[str, Any] | RowMapping) -> str:
    """What a stored line's hash must be under `key`, given the `prev_hash` it names."""
    at: datetime = line["at"]
    return line_hash(
        key,
        prev_hash=line["prev_hash"],
        at=at if at.tzinfo else at.replace(tzinfo=UTC),  # SQLite keeps no time zone
        actor=line["actor"],
        action=line["action"],
        subject=line["subject"],
        data=line["data"],
    )


def session_key(session: Session) -> bytes:
    """The audit key of the engine this session writes through."""
    return _connection_key(session.connection())


def _connection_key(connection: Connection) -> bytes:
    key = connection.get_execution_options().get(KEY_OPTION)
    if not isinstance(key, bytes) or not key:
        raise AuditKeyMissing("this database engine has no audit key: build it with app.db.make_engine")
    return key


# --- ledger lines in the chain -------------------------------------------------------------------


_pick_fields = itemgetter(*_LEDGER_FIELDS)


def _ledger_fields(values: Mapping[str, Any] | RowMapping) -> tuple[Any, ...]:
    return _pick_fields(values)


def _iso(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"a ledger field of type {type(value).__name__} has no canonical form")


def _digest(rows: Sequence[tuple[Any, ...]]) -> str:
    """One JSON document per block, hashed once: a C-speed pass even over a seed's 400k lines."""
    body = json.dumps(rows, separators=(",", ":"), ensure_ascii=False, default=_iso)
    return hashlib.sha256(body.encode()).hexdigest()


def _values(entry: LedgerEntry | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(entry, LedgerEntry):
        return {name: getattr(entry, name) for name in _LEDGER_FIELDS}
    return entry


def ledger_coverage(entries: Iterable[LedgerEntry | Mapping[str, Any]]) -> dict[str, Any]:
    """`{"ledger_blocks": [[first_id, last_id, count, digest], ...]}` for ledger entries just written,
    to put in the data of the audit line that records them."""
    rows = sorted((_ledger_fields(_values(e)) for e in entries), key=lambda fields: int(fields[0]))
    blocks = []
    for start in range(0, len(rows), BLOCK_SIZE):
        block = rows[start : start + BLOCK_SIZE]
        blocks.append([int(block[0][0]), int(block[-1][0]), len(block), _digest(block)])
    return {"ledger_blocks": blocks}


# --- writing -------------------------------------------------------------------------------------


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
    # Plain statements on the connection, not the ORM's: every assistant turn and every webhook
    # appends a line, and the ORM's bookkeeping around a statement costs more than the statement.
    connection = session.connection()
    key = _connection_key(connection)
    payload = json.loads(_canonical(dict(data or {})))
    postgres = connection.dialect.name == "postgresql"
    for _attempt in range(5):
        prev = _chain_end(session, connection, key)
        at = datetime.now(UTC)
        digest = line_hash(
            key, prev_hash=prev, at=at, actor=actor, action=action, subject=subject, data=payload
        )
        row = {
            "at": at,
            "actor": actor,
            "action": action,
            "subject": subject,
            "data": payload,
            "prev_hash": prev,
            "hash": digest,
        }
        if postgres:
            # Another transaction may have chained a line to `prev` since it was read: then nothing is
            # inserted (no error to abort this transaction, so no savepoint), and the next try reads anew.
            line_id = connection.execute(_INSERT_LINE_UNLESS_TAKEN, row).scalar()
            if line_id is None:
                continue
        else:
            # SQLite has one writer at a time. A transaction that may write here either held the write
            # lock when it read `prev` (nobody could chain to it since) or read it in a snapshot that a
            # later commit makes it unable to write at all (SQLITE_BUSY_SNAPSHOT fails it whole).
            line_id = _INSERT_LINE.scalar(connection, row)
        _signed_here[key] = digest
        session.info[_WRITTEN] = (_root(session), digest)
        return Line(id=int(line_id), prev_hash=prev, hash=digest)
    raise IntegrityError("audit_log", {}, RuntimeError("five writers in a row chained to the same line"))


_signed_here: dict[bytes, str] = {}
"""Per key, the hash of the last line this process signed with it: when the log still ends there, the
key is known right without reading the line again (on a busy single process, every time)."""

_WRITTEN = "doorstep.audit.written"
"""In `session.info`: the (transaction, hash) of the last line this session wrote, so the next line in the
same transaction chains to it without reading the log again. No other transaction can chain a line to
one that is not committed (the unique `prev_hash` makes PostgreSQL wait; SQLite has one writer). Any
rollback, a savepoint's included, forgets it (`_forget_written`): the line may be gone."""


def _root(session: Session) -> object:
    """The outermost transaction: a line written in a savepoint released into it is in it."""
    return session.get_transaction()


@event.listens_for(Session, "after_soft_rollback")
def _forget_written(session: Session, _previous: object) -> None:
    session.info.pop(_WRITTEN, None)


def _chain_end(session: Session, connection: Connection, key: bytes) -> str:
    """The hash to chain the next line to. A last line this key did not sign (a lost or changed key,
    or an altered line) is refused: a line chained to it could never be verified."""
    written = session.info.get(_WRITTEN)
    if written is not None and written[0] is _root(session):
        return str(written[1])
    last_hash = _LAST_HASH.scalar(connection, {})
    if last_hash is None:
        return GENESIS
    if _signed_here.get(key) == last_hash:
        return str(last_hash)
    last = connection.execute(_LAST_LINE).mappings().first()
    if last is None:
        return GENESIS
    if not hmac.compare_digest(stored_line_hash(key, last), last["hash"]):
        raise ConfigurationError(
            f"the audit log's last line ({last['id']}) was not signed with this installation's audit key, "
            f"so nothing can be added to the log: {WRONG_KEY}"
        )
    return str(last["hash"])


# --- checking ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """The first thing found wrong: which table, which row, and what."""

    table: Literal["audit_log", "ledger_entries"]
    id: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    lines: int
    """Audit lines read."""
    entries: int
    """Ledger entries read."""
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def first_bad_id(self) -> int | None:
        return self.problem.id if self.problem else None

    @property
    def reason(self) -> str | None:
        return self.problem.reason if self.problem else None


@dataclass
class _Block:
    first_id: int
    last_id: int
    count: int
    digest: str
    line_id: int
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)

    def problem(self) -> Problem | None:
        where = (
            f"ledger entry {self.first_id}"
            if self.first_id == self.last_id
            else f"ledger entries {self.first_id}-{self.last_id}"
        )
        seen = len(self.rows)
        if seen < self.count:
            return Problem(
                "ledger_entries",
                self.first_id,
                f"{where} (audit line {self.line_id}): {self.count - seen} of {self.count} removed",
            )
        if seen > self.count or _digest(self.rows) != self.digest:
            return Problem(
                "ledger_entries",
                self.first_id,
                f"{where} (audit line {self.line_id}): content does not match what was posted",
            )
        return None


def _blocks_of(line: RowMapping) -> list[_Block]:
    data = line["data"]
    raw = data.get("ledger_blocks") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        return []
    return [_Block(int(b[0]), int(b[1]), int(b[2]), str(b[3]), int(line["id"])) for b in raw]


def _check_lines(session: Session, key: bytes) -> tuple[int, list[_Block], Problem | None]:
    prev = GENESIS
    count = 0
    blocks: list[_Block] = []
    lines = session.execute(select(_AUDIT_LOG).order_by(_AUDIT_LOG.c.id).execution_options(yield_per=1000))
    for line in lines.mappings():
        count += 1
        if line["prev_hash"] != prev:
            return count, blocks, Problem("audit_log", line["id"], "line does not follow the one before it")
        if not hmac.compare_digest(stored_line_hash(key, line), line["hash"]):
            reason = "line content does not match its hash"
            if count == 1:  # the first line fails alike under another key: say so
                reason += (
                    f" under this installation's audit key (altered, or signed with another key: {WRONG_KEY})"
                )
            return count, blocks, Problem("audit_log", line["id"], reason)
        blocks.extend(_blocks_of(line))
        prev = line["hash"]
    return count, blocks, None


def _check_ledger(session: Session, blocks: Sequence[_Block]) -> tuple[int, Problem | None]:
    """Read every ledger entry in id order against the blocks the audit log recorded."""
    ordered = sorted(blocks, key=lambda b: b.first_id)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.first_id <= before.last_id:
            return 0, Problem(
                "audit_log", after.line_id, f"audit line {after.line_id} records ledger entries twice"
            )
    columns = [_LEDGER.c[name] for name in _LEDGER_FIELDS]
    index, entries = 0, 0
    rows = session.execute(select(*columns).order_by(_LEDGER.c.id).execution_options(yield_per=2000))
    for row in rows.mappings():
        entries += 1
        entry_id = int(row["id"])
        while index < len(ordered) and ordered[index].last_id < entry_id:
            if problem := ordered[index].problem():
                return entries, problem
            index += 1
        if index == len(ordered) or ordered[index].first_id > entry_id:
            return entries, Problem(
                "ledger_entries", entry_id, f"ledger entry {entry_id} was written without an audit line"
            )
        ordered[index].add(_ledger_fields(row))
    for block in ordered[index:]:
        if problem := block.problem():
            return entries, problem
    return entries, None


def verify_chain(session: Session) -> ChainReport:
    """Walk the whole log in order, recompute every hash, and read the ledger against it."""
    key = session_key(session)
    lines, blocks, problem = _check_lines(session, key)
    if problem:
        return ChainReport(lines, 0, problem)
    entries, problem = _check_ledger(session, blocks)
    return ChainReport(lines, entries, problem)
