"""`doorstep db ...`: schema migrations and the service's database role."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import Engine

from app import migrate
from app.cli.common import JsonOpt, clear_errors, console, db_app, print_json
from app.config import Settings, get_settings
from app.db import make_engine
from app.db_roles import grant_service_role, role_problem
from app.errors import InvalidInput


def _owner_engine(settings: Settings) -> Engine:
    """The schema owner's engine: DATABASE_OWNER_URL when set, else DATABASE_URL."""
    return make_engine(settings, url=settings.DATABASE_OWNER_URL or None)


@db_app.command("upgrade")
@clear_errors
def upgrade(revision: str = "head") -> None:
    """Migrate the database to the latest schema (safe to run every start), as the schema's owner."""
    engine = _owner_engine(get_settings())
    before = migrate.current_revision(engine)
    migrate.upgrade(engine, revision)
    after = migrate.current_revision(engine)
    engine.dispose()
    console.print(
        f"database at revision {after}" + ("" if before == after else f" (was {before or 'empty'})")
    )


@db_app.command("current")
def current() -> None:
    """Print the database's schema revision and the latest one."""
    engine = make_engine(get_settings())
    console.print(f"current: {migrate.current_revision(engine) or 'empty'}  head: {migrate.head_revision()}")
    engine.dispose()


@db_app.command("grant")
@clear_errors
def grant(
    role: Annotated[str, typer.Argument(help="The existing PostgreSQL login role the service runs as.")],
    as_json: JsonOpt = False,
) -> None:
    """PostgreSQL: let ROLE run the service (read and append on the ledger and audit log, no more)."""
    settings = get_settings()
    engine = _owner_engine(settings)
    if engine.dialect.name != "postgresql":
        raise InvalidInput("roles exist on PostgreSQL only: set DATABASE_URL (and DATABASE_OWNER_URL)")
    try:
        with engine.begin() as connection:
            statements = grant_service_role(connection, role)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    finally:
        engine.dispose()
    if as_json:
        print_json({"role": role, "statements": statements})
    else:
        console.print(f"granted {role} the service's privileges ({len(statements)} statements)")


@db_app.command("check-role")
@clear_errors
def check_role(as_json: JsonOpt = False) -> None:
    """Check that DATABASE_URL's role cannot rewrite the ledger or the audit log (exit 1 if it can)."""
    engine = make_engine(get_settings())
    try:
        with engine.connect() as connection:
            problem = role_problem(connection)
    finally:
        engine.dispose()
    if as_json:
        print_json({"ok": problem is None, "problem": problem})
    else:
        console.print(problem or "the service's role can only read and append the ledger and audit log")
    if problem:
        raise typer.Exit(1)
