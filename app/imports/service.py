"""`import_file`: one PM export in, all or nothing, once.

Read and check the whole file, plan every row against Doorstep and the earlier imports, then (unless it
is a dry run) write it in the caller's transaction: the batch, the ledger lines in bulk, the rows, the
flags, and one audit line that carries the digests of the ledger lines posted. Any problem raises before
anything is written; a failure while writing rolls the transaction back with the rest.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import audit
from app.bounds import text_problem
from app.errors import Conflict, InvalidInput
from app.imports.ledger import plan_ledger
from app.imports.mapping import load_mapping
from app.imports.matching import load_directory
from app.imports.plan import Context, Fate, Plan
from app.imports.reading import read_sheet
from app.imports.reports import plan_report
from app.imports.types import ImportKind, ImportReport
from app.models import ImportBatch, ImportFlag, ImportRow, LedgerEntry

_LEDGER = LedgerEntry.metadata.tables[LedgerEntry.__tablename__]
_ROWS = ImportRow.metadata.tables[ImportRow.__tablename__]
_FLAGS = ImportFlag.metadata.tables[ImportFlag.__tablename__]
IMPORT_LOCK = 0x446F6F72_696D7074
"""PostgreSQL advisory lock key ("Doorimpt"): imports run one at a time, so two cannot post the same rows."""


def import_file(
    session: Session,
    *,
    kind: ImportKind,
    source: str,
    data: bytes,
    file_name: str,
    as_of: date,
    today: date,
    actor: str = "cli",
    dry_run: bool = False,
    operator_dir: Path | None = None,
) -> ImportReport:
    """Import one export inside the caller's transaction (a dry run writes nothing)."""
    if not 1 <= len(actor) <= 100 or text_problem(actor):
        raise InvalidInput("the actor must be 1-100 characters of plain text")
    mapping = load_mapping(source, operator_dir=operator_dir)
    section = mapping.for_kind(kind)
    if section is None:
        raise InvalidInput(
            f"the {source} mapping has no [{kind.section}] section: it cannot read a {kind.value}"
        )
    sheet = read_sheet(data, kind=kind, mapping=section, date_formats=mapping.date_formats)
    sha256 = hashlib.sha256(data).hexdigest()
    if not dry_run and session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK})
    directory = load_directory(session, units=[r.values["unit"] for r in sheet.rows if r.values.get("unit")])
    ctx = Context(
        session=session,
        kind=kind,
        mapping=mapping,
        section=section,
        sheet=sheet,
        directory=directory,
        as_of=as_of,
        today=today,
        previous=_previous(session, source=source, kind=kind, sha256=sha256),
        actor=actor,
    )
    ctx.plan.skipped = sheet.skipped
    if kind is ImportKind.LEDGER:
        plan_ledger(ctx)
    else:
        plan_report(ctx)
    ctx.problems.raise_if_any()
    plan = ctx.plan
    same_file = _same_file(session, source=source, kind=kind, sha256=sha256)
    already = same_file is not None and plan.count(Fate.CREATED) == 0
    batch_id = same_file.id if already and same_file is not None else None
    if not dry_run and not already:
        batch_id = _write(ctx, file_name=file_name, sha256=sha256)
    return ImportReport(
        kind=kind,
        source=source,
        file=file_name,
        sha256=sha256,
        as_of=as_of,
        dry_run=dry_run,
        batch_id=batch_id,
        already_imported=already,
        rows=len(plan.rows),
        created=plan.count(Fate.CREATED),
        unchanged=plan.count(Fate.UNCHANGED),
        not_applied=plan.count(Fate.NOT_APPLIED),
        skipped=plan.skipped,
        entries_posted=len(plan.entries),
        flags=[f.public() for f in plan.flags],
        flag_counts=plan.flag_counts(),
    )


def _previous(session: Session, *, source: str, kind: ImportKind, sha256: str) -> ImportBatch | None:
    """The latest import of another file of this source and kind."""
    return _latest(session, source, kind, ImportBatch.file_sha256 != sha256)


def _same_file(session: Session, *, source: str, kind: ImportKind, sha256: str) -> ImportBatch | None:
    return _latest(session, source, kind, ImportBatch.file_sha256 == sha256)


def _latest(
    session: Session, source: str, kind: ImportKind, condition: ColumnElement[bool]
) -> ImportBatch | None:
    query = select(ImportBatch).where(ImportBatch.source == source, ImportBatch.kind == kind.value, condition)
    return session.scalars(query.order_by(ImportBatch.id.desc()).limit(1)).first()


def _write(ctx: Context, *, file_name: str, sha256: str) -> int:
    plan, session = ctx.plan, ctx.session
    batch = ImportBatch(
        source=ctx.source,
        kind=ctx.kind.value,
        file_name=file_name[:255],
        file_sha256=sha256,
        as_of=ctx.as_of,
        rows=len(plan.rows),
        created=plan.count(Fate.CREATED),
        unchanged=plan.count(Fate.UNCHANGED),
        not_applied=plan.count(Fate.NOT_APPLIED),
        skipped=plan.skipped,
        entries_posted=len(plan.entries),
        flag_counts=plan.flag_counts(),
        created_by=ctx.actor,
    )
    try:
        session.add(batch)
        session.flush()
        entry_ids = _post_entries(session, plan, source=ctx.source)
        _record_rows(session, plan, batch.id, entry_ids, source=ctx.source, kind=ctx.kind)
        if plan.flags:
            session.execute(
                insert(_FLAGS),
                [
                    {
                        "batch_id": batch.id,
                        "row_number": f.row,
                        "kind": f.kind.value,
                        "detail": f.detail,
                        "lease_id": f.lease_id,
                    }
                    for f in plan.flags
                ],
            )
    except IntegrityError as exc:
        raise Conflict(
            "another import of the same rows was written at the same moment: run this one again "
            "(it is idempotent, so it will add only what is still missing)"
        ) from exc
    posted = [r.entry for r in plan.entries if r.entry is not None]
    audit.record(
        session,
        actor=ctx.actor,
        action="import.batch",
        subject=f"import:{batch.id}",
        data={
            "batch_id": batch.id,
            "source": ctx.source,
            "kind": ctx.kind.value,
            "file": batch.file_name,
            "sha256": sha256,
            "as_of": ctx.as_of,
            "rows": batch.rows,
            "created": batch.created,
            "unchanged": batch.unchanged,
            "not_applied": batch.not_applied,
            "skipped": batch.skipped,
            "entries_posted": batch.entries_posted,
            "flag_counts": batch.flag_counts,
            **_coverage(posted),
        },
    )
    return batch.id


def _post_entries(session: Session, plan: Plan, *, source: str) -> dict[str, int]:
    """Insert the new ledger lines in bulk (payments before the returns that name them) and read their
    ids back by (source, external id), which is unique; natural key -> the new line's id.

    Plain multi-row inserts, then one indexed read per 5,000 lines: RETURNING in a defined order made
    SQLite insert row by row, several times slower."""
    entries = plan.entries
    if not entries:
        return {}
    ids: dict[str, int] = {}
    first = [r for r in entries if r.reverses_key is None]
    then = [r for r in entries if r.reverses_key is not None]
    ledger_source = f"import-{source}"
    for group in (first, then):
        rows: list[dict[str, Any]] = []
        for r in group:
            assert r.entry is not None
            if r.reverses_key is not None:
                r.entry["reverses_id"] = ids[r.reverses_key]
            rows.append(r.entry)
        for start in range(0, len(rows), 5_000):
            chunk = rows[start : start + 5_000]
            session.execute(insert(_LEDGER), chunk)
            external_ids = [row["external_id"] for row in chunk]
            found = {
                external_id: entry_id
                for external_id, entry_id in session.execute(
                    select(_LEDGER.c.external_id, _LEDGER.c.id).where(
                        _LEDGER.c.source == ledger_source, _LEDGER.c.external_id.in_(external_ids)
                    )
                )
            }
            for row in chunk:
                row["id"] = int(found[row["external_id"]])
                ids[row["external_id"]] = row["id"]
    return ids


def _record_rows(
    session: Session, plan: Plan, batch_id: int, entry_ids: dict[str, int], *, source: str, kind: ImportKind
) -> None:
    rows = [
        {
            "batch_id": batch_id,
            "source": source,
            "kind": kind.value,
            "row_number": r.number,
            "natural_key": r.natural_key,
            "identity_key": r.identity_key,
            "content_hash": r.content_hash,
            "lease_id": r.lease_id,
            "ledger_entry_id": entry_ids.get(r.natural_key) if r.entry is not None else None,
            "data": r.data,
        }
        for r in plan.rows
        if r.fate is Fate.CREATED
    ]
    for start in range(0, len(rows), 5_000):
        session.execute(insert(_ROWS), rows[start : start + 5_000])


def _coverage(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """`audit.ledger_coverage` for runs of consecutive ids: a block must cover only lines this import
    wrote, even when another writer's line falls between two of its ids."""
    if not entries:
        return {}
    ordered = sorted(entries, key=lambda e: e["id"])
    blocks: list[Any] = []
    run: list[dict[str, Any]] = [ordered[0]]
    for entry in ordered[1:]:
        if entry["id"] != run[-1]["id"] + 1:
            blocks.extend(audit.ledger_coverage(run)["ledger_blocks"])
            run = []
        run.append(entry)
    blocks.extend(audit.ledger_coverage(run)["ledger_blocks"])
    return {"ledger_blocks": blocks}
