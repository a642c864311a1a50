"""One writer for processor deliveries on SQLite: every delivery waiting is written in one transaction.

SQLite has one writer at a time. Deliveries that each took a lock in turn spent their time handing the
lock (and the interpreter) from thread to thread and committing one by one. Here one thread writes them
all: it takes every delivery waiting (up to `BATCH`), receives them in one transaction and commits once
(group commit). None is answered before the commit that holds it, so an acknowledged event is stored.
Each delivery is still all or nothing, and one can never make another fail: if any delivery of a batch
raises, or the commit fails, the whole batch is rolled back and each delivery is written again alone,
in its own transaction; the one that fails is answered with its error (Stripe retries it). A failure is
rare (an event Doorstep cannot use is stored as ignored or queued for staff, not raised), so batches do
not pay for a savepoint per delivery: one cost a quarter of the writer's Python calls.

The writer keeps one connection for its life rather than taking one from the pool for each batch: under
load a batch holds two deliveries or so, and a checkout and checkin cost about what one of their
statements does. Each batch is still its own transaction on it. Should that connection not open, each
batch takes one from the pool as before.

A route on the event loop awaits `write`: its answer is set on that loop from the writer thread, every
answer of a batch in one call. A thread-safe future per delivery, chained to an asyncio one, cost a lock,
a condition and a wake-up of the loop each. `submit` answers with such a future, for callers off a loop.

PostgreSQL locks rows, and its deliveries run side by side (`app.payments.ingest.ingest`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import defaultdict
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date
from queue import Empty, SimpleQueue

from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from app.db import transaction
from app.payments.ingest import Received, ingest, receive
from app.payments.stripe_events import Delivery

BATCH = 64
"""At most this many deliveries in one transaction: a burst commits in bounded steps."""

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Job:
    """A delivery to write, and where its answer goes: `future` (from `submit`) or `waiter` (`write`)."""

    delivery: Delivery
    today: date
    future: Future[Received] | None = None
    waiter: asyncio.Future[Received] | None = None

    def start(self) -> bool:
        """False when the caller gave up waiting before the writer took it: it is not written."""
        if self.future is not None:
            return self.future.set_running_or_notify_cancel()
        # Read across threads, so it can only be late: then the delivery is written and the answer
        # dropped, as when the caller gives up during the write (Stripe's retry is then a duplicate).
        return self.waiter is not None and not self.waiter.cancelled()


Answer = tuple[_Job, Received | BaseException]


class DeliveryWriter:
    """A thread that writes deliveries in batches; `submit` returns a future answered after the commit."""

    def __init__(self, sessions: sessionmaker[Session], *, batch: int = BATCH) -> None:
        self._sessions = sessions
        self._batch = batch
        self._queue: SimpleQueue[_Job | None] = SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="delivery-writer", daemon=True)
        self._thread.start()

    def submit(self, delivery: Delivery, *, today: date) -> Future[Received]:
        """Queue a delivery; the future is answered after the commit that holds it."""
        future: Future[Received] = Future()
        self._put(_Job(delivery, today, future=future))
        return future

    async def write(self, delivery: Delivery, *, today: date) -> Received:
        """Queue a delivery and wait, on the running event loop, for the commit that holds it."""
        waiter: asyncio.Future[Received] = asyncio.get_running_loop().create_future()
        self._put(_Job(delivery, today, waiter=waiter))
        return await waiter

    def _put(self, job: _Job) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the delivery writer is closed")
            self._queue.put(job)

    def close(self, timeout: float = 10.0) -> None:
        """Write what was submitted, then stop."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            connection: Connection | None = self._sessions.kw["bind"].connect()
        except Exception:
            _log.warning("the delivery writer could not keep a connection: one per batch", exc_info=True)
            connection = None
        try:
            if connection is not None:
                self._sessions = sessionmaker(**{**self._sessions.kw, "bind": connection})
            self._loop()
        finally:
            if connection is not None:
                connection.close()

    def _loop(self) -> None:
        stopping = False
        while not stopping:
            jobs: list[_Job] = []
            job = self._queue.get()  # wait for the first, then take whatever else is waiting
            while job is not None:
                jobs.append(job)
                if len(jobs) == self._batch:
                    break
                try:
                    job = self._queue.get_nowait()
                except Empty:
                    break
            stopping = job is None  # `close` queued None after everything submitted before it
            if started := [job for job in jobs if job.start()]:
                self._write(started)

    def _write(self, jobs: list[_Job]) -> None:
        try:
            outcomes = self._together(jobs)
        except Exception:
            _log.warning("a batch of %d deliveries failed: writing each alone", len(jobs), exc_info=True)
            for job in jobs:
                _answer([(job, self._alone(job))])
            return
        _answer(list(zip(jobs, outcomes, strict=True)))

    def _together(self, jobs: list[_Job]) -> list[Received]:
        with transaction(self._sessions) as session:
            return [receive(session, job.delivery, today=job.today) for job in jobs]

    def _alone(self, job: _Job) -> Received | BaseException:
        try:
            return ingest(self._sessions, job.delivery, today=job.today)
        except Exception as exc:
            return exc


def _answer(answers: list[Answer]) -> None:
    """Answer each job: a `submit` future here, and every `write` waiter of one loop in one call on it."""
    on_loops: defaultdict[asyncio.AbstractEventLoop, list[Answer]] = defaultdict(list)
    for job, outcome in answers:
        if job.waiter is not None:
            on_loops[job.waiter.get_loop()].append((job, outcome))
        elif job.future is not None:
            if isinstance(outcome, BaseException):
                job.future.set_exception(outcome)
            else:
                job.future.set_result(outcome)
    for loop, waiting in on_loops.items():
        try:
            loop.call_soon_threadsafe(_settle, waiting)
        except RuntimeError:  # the loop is closed: nobody waits any more
            pass


def _settle(answers: list[Answer]) -> None:
    """On the waiters' loop: set each answer, unless its caller stopped waiting."""
    for job, outcome in answers:
        waiter = job.waiter
        if waiter is None or waiter.done():
            continue
        if isinstance(outcome, BaseException):
            waiter.set_exception(outcome)
        else:
            waiter.set_result(outcome)
