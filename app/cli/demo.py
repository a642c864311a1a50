"""`doorstep demo seed`: the demo portfolio."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from app.cli.common import (
    AsOfOpt,
    JsonOpt,
    clear_errors,
    console,
    demo_app,
    parse_day,
    print_json,
)
from app.config import Settings, get_settings
from app.db import session_factory, transaction
from app.demo.seed import (
    DEMO_STAFF_PASSWORD,
    SeedOptions,
    SeedReport,
    database_is_empty,
    ensure_demo_logins,
    seed_demo,
)


@demo_app.command("seed")
@clear_errors
def seed(
    units: Annotated[int, typer.Option(help="How many units across the three properties.")] = 240,
    months: Annotated[int, typer.Option(help="Months of ledger history.")] = 12,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same portfolio.")] = 7,
    as_of: AsOfOpt = None,
    if_empty: Annotated[
        bool,
        typer.Option("--if-empty", help="Seed only if the database is empty (documents are still checked)."),
    ] = False,
    documents: Annotated[
        bool, typer.Option("--documents/--no-documents", help="Also write and ingest the demo documents.")
    ] = True,
    as_json: JsonOpt = False,
) -> None:
    """Load a realistic demo portfolio (deterministic from the seed and the as-of date) and its documents."""
    settings = get_settings()
    with transaction(session_factory(settings)) as session:
        report = None
        if not (if_empty and not database_is_empty(session)):
            options = SeedOptions(units=units, months=months, seed=seed, as_of=parse_day(as_of, settings))
            report = seed_demo(session, options)
        production = settings.ENVIRONMENT == "production"
        logins = [] if production else ensure_demo_logins(session, environment=settings.ENVIRONMENT)
    if documents:
        _documents(settings, quiet=as_json)
    if report is None and not as_json:
        console.print("database already has data; not seeding")
    elif as_json:
        body = report.model_dump(mode="json") if report else {"seeded": False}
        print_json({**body, "staff_logins": _logins_json(logins)})
    elif report is not None:
        _print_report(report)
    if not as_json:
        _print_logins(logins, production=production)


def _logins_json(logins: list[tuple[str, str, str]]) -> list[dict[str, str]]:
    return [{"email": e, "name": n, "role": r, "password": DEMO_STAFF_PASSWORD} for e, n, r in logins]


def _print_logins(logins: list[tuple[str, str, str]], *, production: bool) -> None:
    if production:
        console.print("staff inbox: no demo logins in production; create one with `doorstep staff add`")
        return
    if not logins:
        return
    table = Table("email", "name", "role", title=f"Staff inbox at /inbox: password {DEMO_STAFF_PASSWORD}")
    for email, name, role in logins:
        table.add_row(email, name, role)
    console.print(table)


def _print_report(report: SeedReport) -> None:
    table = Table(title=f"Demo portfolio as of {report.as_of}")
    for column in ("properties", "units", "residents", "leases", "ledger entries", "payments", "seconds"):
        table.add_column(column, justify="right")
    values = (
        report.properties,
        report.units,
        report.residents,
        report.leases,
        report.entries,
        report.payments,
        report.seconds,
    )
    table.add_row(*(str(v) for v in values))
    console.print(table)
    personas = Table("persona", "resident", title="Residents to try")
    for name, ref in sorted(report.personas.items()):
        if ":" not in name:
            personas.add_row(name, ref)
    console.print(personas)


def _documents(settings: Settings, *, quiet: bool) -> None:
    from app.demo.corpus import load_demo_documents

    report = load_demo_documents(settings)
    if report.failed:
        raise typer.Exit(1)
    if not quiet:
        console.print(
            f"demo documents: {report.files} files, {report.chunks} chunks indexed, "
            f"{report.skipped} unchanged"
        )
