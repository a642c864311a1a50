"""The checkpointer that persists each conversation as a LangGraph thread: SQLite by default, PostgreSQL
(langgraph's Postgres saver) when the database is PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver

from app.config import Settings
from app.db import WAL_AUTOCHECKPOINT_PAGES
from app.wal_checkpoints import WalCheckpointer


@contextmanager
def open_checkpointer(settings: Settings) -> Iterator[BaseCheckpointSaver[str]]:
    url = settings.database_url
    if url.startswith(("postgresql://", "postgresql+psycopg://")):
        with _postgres_saver(url.replace("postgresql+psycopg://", "postgresql://")) as saver:
            yield saver
        return
    with _sqlite_saver(settings) as sqlite_saver:
        yield sqlite_saver


@contextmanager
def _postgres_saver(conninfo: str) -> Iterator[BaseCheckpointSaver[str]]:
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg import Connection
    from psycopg.errors import InsufficientPrivilege
    from psycopg.rows import dict_row

    with Connection.connect(conninfo, autocommit=True, prepare_threshold=0, row_factory=dict_row) as conn:
        saver = PostgresSaver(conn)
        try:
            saver.setup()
        except InsufficientPrivilege:
            # The service's role may not create tables: `doorstep db upgrade`, run as the schema's owner,
            # made them. Say so plainly if it has not.
            if conn.execute("SELECT to_regclass('checkpoints') AS t").fetchone() in (None, {"t": None}):
                raise RuntimeError(
                    "the checkpoint tables are missing: run `doorstep db upgrade` as the schema's owner"
                ) from None
        yield saver


@contextmanager
def _sqlite_saver(settings: Settings) -> Iterator[BaseCheckpointSaver[str]]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / "checkpoints.sqlite3"
    conn = sqlite3.connect(path, check_same_thread=False)
    checkpointer: WalCheckpointer | None = None
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        # Every turn commits a checkpoint here: its log reaches the file on a thread of its own, as the
        # main database's does, not inside the commit of whichever turn passes the threshold.
        conn.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        saver = SqliteSaver(conn)
        saver.setup()
        checkpointer = WalCheckpointer.start_at(str(path))
        yield saver
    finally:
        if checkpointer is not None:
            checkpointer.stop()
        conn.close()
