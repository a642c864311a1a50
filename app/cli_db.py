"""`doorstep db ...`: schema migrations."""

from __future__ import annotations

from app import migrate
from app.cli import clear_errors, console, db_app, get_settings
from app.db import make_engine


@db_app.command("upgrade")
@clear_errors
def upgrade(revision: str = "head") -> None:
    """Migrate the database to the latest schema (safe to run every start)."""
    engine = make_engine(get_settings())
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
