"""`doorstep audit verify`: check the audit chain and the ledger against it."""

from __future__ import annotations

import typer

from app import audit
from app.cli.common import JsonOpt, audit_app, clear_errors, console, err_console, print_json
from app.config import get_settings
from app.db import session_factory


@audit_app.command("verify")
@clear_errors
def verify(as_json: JsonOpt = False) -> None:
    """Recompute every audit line's signed hash and read every ledger entry against the log.

    Exits 0 when all is intact, 1 naming the first line or entry that was altered, removed or added
    around Doorstep (2 for a usage error).
    """
    with session_factory(get_settings())() as session:
        report = audit.verify_chain(session)
    problem = report.problem
    if as_json:
        print_json(
            {
                "ok": report.ok,
                "lines": report.lines,
                "entries": report.entries,
                "first_bad": None
                if problem is None
                else {"table": problem.table, "id": problem.id, "reason": problem.reason},
            }
        )
    elif problem is None:
        console.print(f"audit log intact: {report.lines:,} lines, {report.entries:,} ledger entries checked")
    else:
        err_console.print(f"[red]audit check failed:[/red] {problem.table} {problem.id}: {problem.reason}")
    if problem is not None:
        raise typer.Exit(1)
