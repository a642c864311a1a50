"""`doorstep import KIND FILE --source S`: a PM system's rent roll, tenant ledger or aged receivables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from app.cli.common import JsonOpt, app, clear_errors, console, parse_day, print_json, today
from app.config import get_settings
from app.db import session_factory, transaction
from app.errors import InvalidInput
from app.imports import ImportKind, ImportReport, import_file
from app.imports.mapping import OPERATOR_DIR
from app.imports.reading import MAX_BYTES

SHOWN_FLAGS = 40


@app.command("import")
@clear_errors
def import_command(
    kind: Annotated[
        ImportKind,
        typer.Argument(
            help="rent-roll, ledger (a tenant ledger) or aged-receivables (a delinquency report)."
        ),
    ],
    file: Annotated[Path, typer.Argument(help="The report exported as CSV.")],
    source: Annotated[
        str,
        typer.Option(
            "--source",
            help="The PM system's column mapping: appfolio, yardi, or NAME for "
            f"$DOORSTEP_DATA_DIR/{OPERATOR_DIR}/NAME.toml.",
        ),
    ],
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="The report's date (YYYY-MM-DD): balances are compared on it. Default today."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; write nothing.")
    ] = False,
    actor: Annotated[str, typer.Option(help="Who is importing (recorded in the audit log).")] = "cli",
    as_json: JsonOpt = False,
) -> None:
    """Import a PM export, all or nothing: rows seen before change nothing; dirty data is flagged."""
    settings = get_settings()
    data = _read(file)
    day = parse_day(as_of, settings)
    with transaction(session_factory(settings)) as session:
        report = import_file(
            session,
            kind=kind,
            source=source,
            data=data,
            file_name=file.name,
            as_of=day,
            today=today(settings),
            actor=actor,
            dry_run=dry_run,
            operator_dir=settings.data_dir / OPERATOR_DIR,
        )
    if as_json:
        print_json(report)
    else:
        _render(report)


def _read(path: Path) -> bytes:
    try:
        if not path.is_file():
            raise InvalidInput(f"{path} is not a file: give the CSV export's path")
        if path.stat().st_size > MAX_BYTES:
            raise InvalidInput(f"{path} is larger than {MAX_BYTES // (1024 * 1024)} MB: split the export")
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from exc


def _render(r: ImportReport) -> None:
    if r.already_imported:
        head = f"{r.file} was already imported (batch {r.batch_id}): nothing changed"
    elif r.dry_run:
        head = f"dry run: nothing was written; importing {r.file} would do this"
    else:
        head = f"imported {r.file} as batch {r.batch_id}"
    console.print(f"[bold]{head}[/bold] ({r.source} {r.kind.value}, as of {r.as_of})", highlight=False)
    counts = Table(show_header=False)
    for label, value in (
        ("rows", r.rows),
        ("created" if not r.dry_run else "would create", r.created),
        ("unchanged (imported before)", r.unchanged),
        ("not applied (flagged)", r.not_applied),
        ("skipped (totals, zero lines)", r.skipped),
        ("ledger lines posted" if not r.dry_run else "ledger lines to post", r.entries_posted),
    ):
        counts.add_row(label, f"{value:,}")
    console.print(counts)
    if not r.flags:
        console.print("no flags")
        return
    flags = Table(title=f"{len(r.flags):,} flags: " + ", ".join(f"{k} {n}" for k, n in r.flag_counts.items()))
    for column in ("row", "flag", "lease", "detail"):
        flags.add_column(column)
    for flag in r.flags[:SHOWN_FLAGS]:
        flags.add_row(str(flag.row), flag.kind.value, flag.lease or "", flag.detail)
    console.print(flags)
    if len(r.flags) > SHOWN_FLAGS:
        console.print(f"... and {len(r.flags) - SHOWN_FLAGS:,} more: --json lists them all")
