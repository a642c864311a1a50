"""Fan-out of "something changed" notices: a conversation has new events, the inbox queue moved.

The database is the record; the broker only says where to look. A subscriber that hears
`conversation:ID` reads the events after the last seq it sent, so a notice that is lost, doubled or
late loses nothing and duplicates nothing. A notice may also carry an `EventBatch`: the events its
publisher just wrote (or read back), so that each subscriber already up to the batch's start sends them
without reading them again; any other subscriber reads as before. In one process the broker is a set of
bounded queues; with REDIS_URL, notices cross processes over Redis pub/sub (see `redis_broker.py`).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from app.config import Settings

QUEUE_SIZE = 64
"""Notices waiting per subscriber. A notice only says "read the database", so when a queue is full the
newest notice is dropped: the one already waiting makes the subscriber read everything anyway."""


@dataclass(frozen=True, slots=True)
class EventBatch:
    """Every event of a conversation numbered in (`after`, `upto`], as frames, oldest first, as one read
    of the database found them. Rows residents never see have no frame, so seqs may skip a number; `upto`
    is the highest seq the read found (or `after`, when it found none)."""

    after: int
    upto: int
    frames: list[dict[str, Any]]

    def notice(self) -> dict[str, Any]:
        return {"events": True, "after": self.after, "upto": self.upto, "frames": self.frames}

    @classmethod
    def of(cls, notice: dict[str, Any]) -> EventBatch | None:
        """The batch a notice carries, if it carries a well-formed one (notices cross processes)."""
        after, upto, frames = notice.get("after"), notice.get("upto"), notice.get("frames")
        if not (isinstance(after, int) and isinstance(upto, int) and isinstance(frames, list)):
            return None
        if after > upto or not all(isinstance(f, dict) and isinstance(f.get("seq"), int) for f in frames):
            return None
        return cls(after, upto, frames)


Listener = Callable[[dict[str, Any]], None]
"""Called with each notice, at once, in the publisher's task: it must not block or raise."""


class Subscription:
    """One subscriber to one topic: a bounded queue of notices to `next()` through, or, given a
    `listener`, no queue at all (a resident's idle chat connection keeps no queue of its own)."""

    def __init__(self, topic: str, listener: Listener | None = None) -> None:
        self.topic = topic
        self._listener = listener
        self.queue: asyncio.Queue[dict[str, Any]] | None = (
            None if listener is not None else asyncio.Queue(QUEUE_SIZE)
        )

    def offer(self, notice: dict[str, Any]) -> None:
        if self._listener is not None:
            self._listener(notice)
        elif self.queue is not None and not self.queue.full():
            self.queue.put_nowait(notice)

    async def next(self) -> dict[str, Any]:
        if self.queue is None:
            raise RuntimeError("a subscription with a listener has no queue to read")
        return await self.queue.get()


class Broker(Protocol):
    async def publish(self, topic: str, notice: dict[str, Any]) -> None: ...

    def subscribe(self, topic: str, listener: Listener | None = None) -> Any:
        """An async context manager yielding a `Subscription` (with `listener`, notices go to it)."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class LocalBroker:
    """Notices within one process (the default)."""

    def __init__(self) -> None:
        self._subscribers: defaultdict[str, set[Subscription]] = defaultdict(set)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, topic: str, notice: dict[str, Any]) -> None:
        self.deliver(topic, notice)

    def deliver(self, topic: str, notice: dict[str, Any]) -> None:
        for subscription in tuple(self._subscribers.get(topic, ())):
            subscription.offer(notice)

    @asynccontextmanager
    async def subscribe(self, topic: str, listener: Listener | None = None) -> AsyncIterator[Subscription]:
        subscription = Subscription(topic, listener)
        self._subscribers[topic].add(subscription)
        try:
            yield subscription
        finally:
            self._subscribers[topic].discard(subscription)
            if not self._subscribers[topic]:
                del self._subscribers[topic]

    def subscriber_count(self, topic: str) -> int:
        return len(self._subscribers.get(topic, ()))


def make_broker(settings: Settings) -> Broker:
    """Redis pub/sub when REDIS_URL is set (more than one server process), else in-process."""
    if settings.REDIS_URL:
        from app.channels.redis_broker import RedisBroker

        return RedisBroker(settings.REDIS_URL)
    return LocalBroker()


def conversation_topic(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


INBOX_TOPIC = "inbox"
