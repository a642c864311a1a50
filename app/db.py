"""Engines and sessions. SQLite (a file in the data directory) by default, PostgreSQL by DATABASE_URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Dialect, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.audit import KEY_OPTION
from app.config import Settings
from app.keys import audit_key

SQLITE_MMAP_BYTES = 256 * 1024 * 1024
"""How much of a SQLite file may be memory-mapped (address space, not memory: the OS pages it in)."""
WAL_AUTOCHECKPOINT_PAGES = 10_000
"""A commit that leaves more than this many pages (about 40 MB) in SQLite's write-ahead log checkpoints
it. A server checkpoints in the background long before (`app.wal_checkpoints`); for everything else,
one larger checkpoint copies each hot page once where ten small ones copied it ten times."""


def make_engine(settings: Settings, *, url: str | None = None) -> Engine:
    """The engine for the configured database (or `url`), carrying the audit key that every audit line
    is signed with (`app.audit.session_key` reads it back)."""
    url = url or settings.database_url
    options = {KEY_OPTION: audit_key(settings)}
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, execution_options=options
        )
        event.listen(engine, "connect", _sqlite_pragmas)  # a pool event: statements do not dispatch it
        _begin_before_savepoint(engine.dialect)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, execution_options=options)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Statement and savepoint journals in memory, not in temporary files: a webhook written in a savepoint
    # of its batch (app.payments.writer) ran a third slower with them on disk.
    cursor.execute("PRAGMA temp_store=MEMORY")
    # Read pages through a memory map instead of copying each into SQLite's own cache: a pass over a
    # whole ledger (every lease's balance) reads tens of megabytes of index and ran 40% faster.
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
    cursor.close()


def _begin_before_savepoint(dialect: Dialect) -> None:
    """Python's sqlite3 opens a transaction only before a data change. A SAVEPOINT that comes first
    (`begin_nested`) opened one of its own, and releasing it committed: the change outlived a rollback
    of the session (an audit line that failed, a caller's error). The engine's dialect opens the real
    transaction first, so the savepoint nests inside it.

    Done in the dialect, not by a "savepoint" event listener: one connection event on an engine makes
    every statement on it dispatch four (before and after execute, before and after the cursor), which
    was a fifth of a webhook's Python calls."""
    savepoint = dialect.do_savepoint

    def do_savepoint(connection: Connection, name: str) -> None:
        _sqlite_begin(connection)
        savepoint(connection, name)

    dialect.do_savepoint = do_savepoint  # type: ignore[method-assign]


def _sqlite_begin(connection: Connection) -> None:
    """Open the DBAPI connection's transaction unless it is open already."""
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back everything if it raises."""
    with factory() as session, session.begin():
        yield session


def session_factory(settings: Settings) -> sessionmaker[Session]:
    """A sessionmaker on a fresh engine for the configured database (CLI commands, scripts)."""
    return make_sessionmaker(make_engine(settings))
