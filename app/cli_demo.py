"""`doorstep demo seed`: the demo portfolio."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from app.cli import AsOfOpt, JsonOpt, clear_errors, console, demo_app, get_settings, parse_day, print_json
from app.db import session_factory, transaction
from app.demo.seed import SeedOptions, database_is_empty, seed_demo


@demo_app.command("seed")
@clear_errors
def seed(
    units: Annotated[int, typer.Option(help="How many units across the three properties.")] = 240,
    months: Annotated[int, typer.Option(help="Months of ledger history.")] = 12,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same portfolio.")] = 7,
    as_of: AsOfOpt = None,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing if the database has data.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Load a realistic demo portfolio (deterministic from the seed and the as-of date)."""
    settings = get_settings()
    factory = session_factory(settings)
    with transaction(factory) as session:
        if if_empty and not database_is_empty(session):
            console.print("database already has data; not seeding")
            return
        report = seed_demo(
            session, SeedOptions(units=units, months=months, seed=seed, as_of=parse_day(as_of, settings))
        )
    if as_json:
        print_json(report)
        return
    table = Table(title=f"Demo portfolio as of {report.as_of}")
    for column in ("properties", "units", "residents", "leases", "ledger entries", "payments", "seconds"):
        table.add_column(column, justify="right")
    table.add_row(
        *(
            str(v)
            for v in (
                report.properties,
                report.units,
                report.residents,
                report.leases,
                report.entries,
                report.payments,
                report.seconds,
            )
        )
    )
    console.print(table)
    personas = Table("persona", "resident", title="Residents to try")
    for name, ref in sorted(report.personas.items()):
        if ":" not in name:
            personas.add_row(name, ref)
    console.print(personas)
