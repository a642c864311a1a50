"""SQLite's write-ahead log, copied into the database file on a thread of its own.

In WAL mode a commit appends the pages it changed to the log; a checkpoint later copies them into the
database file and syncs it. By default the connection that commits past 1,000 pages of log runs that
checkpoint itself, inside its commit: every fortieth or so batch of webhooks, and now and then a chat
turn, waited 5-20 ms for it, holding the interpreter for much of that, and the same hot index pages were
copied again every 4 MB of log.

A server runs `WalCheckpointer` instead: every `EVERY_SECONDS` it checkpoints what is in the log, on its
own connection, in a PASSIVE checkpoint (it never waits for, or blocks, a reader or a writer; what it
cannot copy now it copies next time). The sqlite3 module lets go of the interpreter while SQLite works,
so the copying and syncing run on another core while requests go on. Commits stay exactly as durable:
a checkpoint only moves pages already committed to the log. The connections' own automatic checkpoint
stays as a backstop, at `app.db.WAL_AUTOCHECKPOINT_PAGES`, should this thread fall behind or stop.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass

from sqlalchemy import Engine

EVERY_SECONDS = 0.25
"""How often the log is checkpointed: at 500 webhooks/s, a few thousand pages at a time."""

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Checkpoint:
    """One PASSIVE checkpoint: pages in the log, and how many of them are now in the database file."""

    busy: bool
    log_pages: int
    copied_pages: int


def database_path(engine: Engine) -> str | None:
    """The file of an SQLite engine; None for any other database, or one held in memory."""
    if engine.dialect.name != "sqlite":
        return None
    path = engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return path


def checkpoint(connection: sqlite3.Connection) -> Checkpoint:
    """Copy into the database file what the log holds and no reader still needs (never waits)."""
    busy, log_pages, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return Checkpoint(busy=bool(busy), log_pages=int(log_pages), copied_pages=int(copied))


class WalCheckpointer:
    """A daemon thread checkpointing one SQLite database every `every` seconds until `stop`."""

    def __init__(self, path: str, *, every: float = EVERY_SECONDS) -> None:
        self.path = path
        self.every = every
        self.rounds = 0
        """Checkpoints run that found pages in the log."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoints", daemon=True)

    @classmethod
    def start_for(cls, engine: Engine, *, every: float = EVERY_SECONDS) -> WalCheckpointer | None:
        """A running checkpointer for `engine`'s file, or None when it is not an SQLite file."""
        path = database_path(engine)
        return None if path is None else cls.start_at(path, every=every)

    @classmethod
    def start_at(cls, path: str, *, every: float = EVERY_SECONDS) -> WalCheckpointer:
        """A running checkpointer for the SQLite file at `path` (one a driver connection opened, such as
        LangGraph's checkpoints)."""
        checkpointer = cls(path, every=every)
        checkpointer._thread.start()
        return checkpointer

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after a last checkpoint (a server that stops leaves a short log behind)."""
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error:
            _log.warning("no background checkpoints of %s: commits checkpoint it", self.path, exc_info=True)
            return
        try:
            while True:
                stopping = self._stop.wait(self.every)
                self._checkpoint(connection)
                if stopping:
                    return
        finally:
            connection.close()

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        try:
            done = checkpoint(connection)
        except sqlite3.Error:
            # A locked or busy file now is not a reason to stop: the next round tries again, and the
            # commits' own checkpoint is there meanwhile.
            _log.debug("a background checkpoint of %s failed", self.path, exc_info=True)
            return
        if done.log_pages > 0:  # -1: the file is not (yet) in WAL mode
            self.rounds += 1
