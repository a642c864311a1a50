"""Notices across server processes through Redis pub/sub (REDIS_URL).

Each process keeps its own subscribers (a `LocalBroker`). A notice is delivered to them at once and
published on Redis tagged with this process's id; a reader task delivers what other processes publish.
Redis only carries "look again" notices, never events: if it is down or a notice is lost, a connection
still catches up from the database on its next notice or reconnect, so nothing is lost or doubled.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.channels.broker import Listener, LocalBroker, Subscription

PREFIX = "doorstep:"
RETRY_SECONDS = 1.0

_log = logging.getLogger(__name__)


class RedisBroker:
    def __init__(self, url: str) -> None:
        self._redis: Redis = Redis.from_url(url)
        self._local = LocalBroker()
        self._origin = uuid.uuid4().hex
        self._reader: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()

    async def start(self) -> None:
        self._reader = asyncio.create_task(self._read())
        # Subscribed before serving: a notice published by another process right after start reaches us.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), timeout=5)

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._redis.aclose()

    async def publish(self, topic: str, notice: dict[str, Any]) -> None:
        self._local.deliver(topic, notice)
        body = json.dumps({"origin": self._origin, "notice": notice})
        try:
            await self._redis.publish(PREFIX + topic, body)
        except RedisError:  # other processes' clients catch up on their next notice or reconnect
            _log.warning("could not publish %s to Redis", topic, exc_info=True)

    @asynccontextmanager
    async def subscribe(self, topic: str, listener: Listener | None = None) -> AsyncIterator[Subscription]:
        async with self._local.subscribe(topic, listener) as subscription:
            yield subscription

    async def _read(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.psubscribe(PREFIX + "*")
                    self._listening.set()
                    async for message in pubsub.listen():
                        self._dispatch(message)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError):
                _log.warning("Redis subscription lost; retrying", exc_info=True)
                await asyncio.sleep(RETRY_SECONDS)

    def _dispatch(self, message: dict[str, Any]) -> None:
        if message.get("type") != "pmessage":
            return
        try:
            body = json.loads(message["data"])
        except (ValueError, TypeError):
            return
        if body.get("origin") == self._origin:
            return
        channel = message["channel"]
        topic = (channel.decode() if isinstance(channel, bytes) else str(channel)).removeprefix(PREFIX)
        self._local.deliver(topic, body.get("notice") or {})
