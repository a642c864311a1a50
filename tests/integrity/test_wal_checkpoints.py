"""SQLite's write-ahead log reaches the database file from a background thread, not inside commits."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.sqlite import SqliteSaver
from sqlalchemy import create_engine

from agents.assistant.checkpoints import open_checkpointer
from app.db import WAL_AUTOCHECKPOINT_PAGES, make_engine
from app.main import create_app
from app.wal_checkpoints import WalCheckpointer, checkpoint, database_path
from tests.support.databases import Database

ROWS = 400
"""Rows of 4 KB: about 400 pages of log, well under the commits' own checkpoint threshold."""


def _wal_database(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
    connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    return connection


def _write(connection: sqlite3.Connection, rows: int) -> None:
    connection.execute("BEGIN")
    connection.executemany("INSERT INTO notes (body) VALUES (?)", [("x" * 4000,) for _ in range(rows)])
    connection.execute("COMMIT")


def _start(path: Path) -> WalCheckpointer:
    checkpointer = WalCheckpointer.start_for(create_engine(f"sqlite:///{path}"), every=0.02)
    assert checkpointer is not None
    return checkpointer


def _wait_for(condition: object, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def test_committed_pages_reach_the_database_file_without_a_commit_checkpointing(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    writer = _wal_database(path)
    _write(writer, ROWS)
    size_after_commit = path.stat().st_size
    assert size_after_commit < ROWS * 4000, "the commit itself checkpointed: nothing left for the thread"

    checkpointer = _start(path)
    try:
        assert _wait_for(lambda: path.stat().st_size >= ROWS * 4000), "the log never reached the file"
        assert checkpointer.rounds >= 1
    finally:
        checkpointer.stop()
    assert not checkpointer.running
    # Everything in the log is in the file: a checkpoint now has nothing left to copy.
    done = checkpoint(writer)
    assert done.copied_pages == done.log_pages
    assert writer.execute("SELECT count(*) FROM notes").fetchone() == (ROWS,)


def test_a_reader_in_the_middle_of_a_read_is_not_blocked_and_its_pages_wait(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    writer = _wal_database(path)
    _write(writer, 10)
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM notes").fetchone() == (10,)
    _write(writer, ROWS)  # pages the reader's snapshot does not see: they may not be copied yet

    checkpointer = _start(path)
    try:
        assert _wait_for(lambda: checkpointer.rounds >= 2)
        # The reader still reads its snapshot, unblocked, and the writer still commits.
        assert reader.execute("SELECT count(*) FROM notes").fetchone() == (10,)
        _write(writer, 1)
        reader.execute("COMMIT")
        assert _wait_for(lambda: path.stat().st_size >= ROWS * 4000)
    finally:
        checkpointer.stop()
    assert writer.execute("SELECT count(*) FROM notes").fetchone() == (10 + ROWS + 1,)


def test_only_an_sqlite_file_gets_a_checkpointer(tmp_path: Path) -> None:
    assert database_path(create_engine("sqlite://")) is None
    assert database_path(create_engine("sqlite:///:memory:")) is None
    assert database_path(create_engine("postgresql+psycopg://doorstep@127.0.0.1/doorstep")) is None
    assert WalCheckpointer.start_for(create_engine("sqlite://")) is None
    file_engine = create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert database_path(file_engine) == str(tmp_path / "x.sqlite3")


def test_the_server_checkpoints_in_the_background_while_it_runs_and_stops_with_it(db: Database) -> None:
    app = create_app(db.settings)
    with TestClient(app):
        checkpointer = app.state.wal_checkpointer
        if db.settings.database_url.startswith("sqlite"):
            assert isinstance(checkpointer, WalCheckpointer)
            assert checkpointer.running
        else:
            assert checkpointer is None
    if checkpointer is not None:
        assert not checkpointer.running


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_engine_connections_leave_the_log_to_grow_to_the_backstop(db: Database) -> None:
    engine = make_engine(db.settings)
    with engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
    engine.dispose()
    assert pages == WAL_AUTOCHECKPOINT_PAGES


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_assistant_checkpoints_log_reaches_its_file_in_the_background(db: Database) -> None:
    """LangGraph's conversation checkpoints (one commit every turn) are checkpointed as the main
    database is: the saver's own commits leave the log to the thread, which stops with the assistant."""
    path = db.settings.data_dir / "checkpoints.sqlite3"
    before = {t for t in threading.enumerate() if t.name == "wal-checkpoints"}
    with open_checkpointer(db.settings) as saver:
        assert isinstance(saver, SqliteSaver)
        assert saver.conn.execute("PRAGMA wal_autocheckpoint").fetchone() == (WAL_AUTOCHECKPOINT_PAGES,)
        ours = {t for t in threading.enumerate() if t.name == "wal-checkpoints"} - before
        assert len(ours) == 1, "no checkpointer started for the assistant's checkpoints"
        size_before = path.stat().st_size
        state = empty_checkpoint()
        state["channel_values"] = {"messages": "x" * (ROWS * 4000)}
        state["channel_versions"] = {"messages": 1}
        config = {"configurable": {"thread_id": "wal-test", "checkpoint_ns": ""}}
        saver.put(config, state, {"source": "input", "step": 0, "parents": {}}, {"messages": 1})
        assert _wait_for(lambda: path.stat().st_size >= size_before + ROWS * 4000), (
            "the saver's log never reached the checkpoints file"
        )
    assert not any(t.is_alive() for t in ours)
    with sqlite3.connect(path) as reader:
        assert reader.execute("SELECT count(*) FROM checkpoints").fetchone() == (1,)
