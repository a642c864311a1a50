"""Chat turns answered in worker processes beside the server's own.

An offline turn is 8-12 ms of Python: the guard, the planner, the tools' ledger reads, the reply and its
checks, the records. One process runs Python on one core at a time (its interpreter lock), and the same
lock serves every socket: on two cores a server answering turns on its own threads topped out near 65
turns/s, with p95 in seconds at 100 offered, one core idle for want of the lock.

`TurnProcesses` answers them in worker processes instead, each with its own assistant (planner, models,
checkpointer, retriever) on the same database: SQLite's write-ahead log takes writers from several
processes one at a time exactly as it does threads' (a transaction's first statement that writes takes
the lock, `app.db`), and PostgreSQL takes them anyway. The server process keeps what must be in one place:
the sockets, storing and acknowledging messages, the per-conversation order of turns (`TurnRunner`), and
the broker. A worker returns the turn's outcome and the events it added, and the server publishes them as
it does a thread's. A worker touches no socket and publishes nothing.

Workers are started with `spawn` (a fresh interpreter, never a fork of a process running threads and an
event loop) when the assistant is built, and their models load in parallel with the server's start.

A worker that dies (killed, out of memory) breaks the pool: it is built again, and each turn it held is
run once more on the new one, if its message is still unanswered and the assistant's (taken back with the
sweeper's compare-and-set, `app.channels.sweeper.take_back`, so a reply stored before the death, or staff
who took the thread since, are never answered over). A turn that breaks the new pool too is left to the
sweeper, which answers messages left unanswered as it does those whose whole server stopped: none is lost.
"""

from __future__ import annotations

import atexit
import dataclasses
import gc
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from agents.assistant.runner import Accepted
from app.channels.sweeper import take_back
from app.config import Settings

if TYPE_CHECKING:
    from app.channels.chat import Answered, ChatService

MAX_AUTO_PROCESSES = 4
"""Worker processes when unset, at most: each holds its own assistant and models (about 380 MB resident,
300 MB of it its own, measured on the demo portfolio)."""
STARTUP_SECONDS = 120.0
"""How long the first answer from a new pool may take (a cold start imports and loads the models)."""
WARM_UP_MESSAGE = "how much do I owe?"
"""What each worker reads as it starts, to load the planner's models (nothing is stored or answered)."""
PARENT_CHECK_SECONDS = 1.0
"""How often a worker looks for its server: one whose server was killed outright exits within this."""

_log = logging.getLogger(__name__)


def turn_processes(configured: int | None, *, planner: str, environment: str, cores: int | None) -> int:
    """Worker processes for chat turns: what the operator set, else one per core (up to
    `MAX_AUTO_PROCESSES`) for the offline planner, none for a chat model or under tests. Pure."""
    if configured is not None:
        return configured
    if planner != "offline" or environment == "test":
        return 0
    cores = cores or 1
    return min(cores, MAX_AUTO_PROCESSES) if cores > 1 else 0


class TurnProcesses:
    """A pool of worker processes, each answering turns with its own `ChatService`."""

    def __init__(self, settings: Settings, processes: int, *, sessions: sessionmaker[Session]) -> None:
        if processes < 1:
            raise ValueError("a pool of turn processes needs at least one")
        self.settings = settings
        self.processes = processes
        self.sessions = sessions
        """The server's own sessions: taking back a turn a dead worker held."""
        self._lock = threading.Lock()
        self._pool = self._new_pool()
        self.restarts = 0
        """Pools built again after a worker died."""

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self.settings, os.getpid()),
        )

    def start(self) -> list[int]:
        """Start every worker and wait until one has its assistant (blocking; seconds on a cold start).
        The process ids that answered."""
        pool = self._pool
        pings = [pool.submit(_worker_pid) for _ in range(self.processes)]
        return sorted({ping.result(timeout=STARTUP_SECONDS) for ping in pings})

    def answer(self, accepted: Accepted) -> Answered:
        """Answer `accepted` in a worker (blocking: call it from a thread). A worker's error comes back
        raised here. When the pool breaks (a worker died), a new one is started and the turn runs once more
        if its message is still unanswered; BrokenProcessPool when it breaks again or there is nothing to
        take back."""
        # The server's early reading of the message (a future on its threads) stays behind: the worker
        # reads the message itself.
        sent = dataclasses.replace(accepted, head_start=None)
        try:
            return self._run(sent)
        except BrokenProcessPool:
            if not self._take_back(accepted):
                raise
        _log.warning(
            "answering message %s of conversation %s again: the worker running it died",
            accepted.seq,
            accepted.conversation_id,
        )
        return self._run(sent)

    def _run(self, sent: Accepted) -> Answered:
        pool = self._pool
        try:
            return pool.submit(_answer_here, sent).result()
        except BrokenProcessPool:
            self._replace(pool)
            raise

    def _take_back(self, accepted: Accepted) -> bool:
        with self.sessions.begin() as session:
            return take_back(session, accepted, now=datetime.now(UTC))

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is not broken:  # another turn replaced it already
                return
            _log.error("a turn worker process died; starting a new pool of %d", self.processes)
            self._pool = self._new_pool()
            self.restarts += 1
        broken.shutdown(wait=False, cancel_futures=True)

    def pids(self) -> list[int]:
        """The worker processes running now."""
        processes = getattr(self._pool, "_processes", None) or {}
        return sorted(pid for pid, process in processes.items() if process.is_alive())

    def close(self) -> None:
        """Let the turns in flight finish, then stop the workers."""
        self._pool.shutdown(wait=True)


# --- in a worker process --------------------------------------------------------------------------

_service: ChatService | None = None
_resources = ExitStack()


def _start_worker(settings: Settings, server: int) -> None:
    """The worker's assistant, built once as the process starts, closed as it exits. `server` is the
    process that started it (read there: a server killed while this one imports is already gone here)."""
    global _service
    from agents.assistant.factory import open_assistant
    from app.channels.chat import ChatService
    from app.db import make_engine, make_sessionmaker
    from app.deps import portfolio_today
    from app.keys import chat_secret

    # Ctrl-C in a terminal reaches the whole process group: the server stops its workers itself, after
    # the turns in flight, rather than each printing a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(server,), name="server-watch", daemon=True).start()
    engine = make_engine(settings)
    _resources.callback(engine.dispose)
    sessions = make_sessionmaker(engine)
    assistant = _resources.enter_context(
        open_assistant(settings, sessions, today=lambda: portfolio_today(settings))
    )
    _service = ChatService(
        sessions=sessions,
        assistant=assistant,
        secret=chat_secret(settings),
        documents_dir=settings.documents_dir,
    )
    atexit.register(_resources.close)
    # The planner loads what it reads with (the encoder, its vocabulary) on its first message: read one
    # now, or each worker's first turn waits about 300 ms for it (measured).
    early = assistant.planner.begin(WARM_UP_MESSAGE)
    if early is not None:
        early.result()
    # What just loaded lives as long as the worker: out of the collector's sight (as in the server).
    gc.freeze()


def _exit_with(server: int) -> None:
    """Exit once the server process is gone. A server stopped in order stops its workers; one killed
    outright (SIGKILL, out of memory) cannot, and its workers would wait for turns for ever: each holds
    the pool's queues open for the others, so none ever reads the end of them."""
    while os.getppid() == server:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _worker_pid() -> int:
    return os.getpid()


def _answer_here(accepted: Accepted) -> Answered:
    if _service is None:  # the initializer failed: the pool reports it broken before this runs
        raise RuntimeError("this turn worker has no assistant")
    return _service.answer(accepted)
