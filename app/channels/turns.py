"""Answering accepted messages off the event loop, detached from the connection that brought them.

A turn is CPU and database work (10-20 ms, more for a chat model): run on the event loop it would stall
every socket, so turns run on their own thread pool (whose threads, when worker processes answer turns,
`app.channels.turn_processes`, only wait for them). They belong to the conversation, not the socket: a
resident who drops mid-turn finds the reply waiting when they reconnect. Turns of one conversation run
one at a time, in order; each conversation may have only a few waiting, so one resident cannot queue
unbounded work.

Storing a message and reading events back are short, and run on a separate pool, so an acknowledgement
never waits behind a queue of turns. How many turns run at once is DOORSTEP_TURN_WORKERS (`turn_workers`):
offline turns hold Python's interpreter lock and lose by more (each thread takes the lock from the others
and from the event loop); chat-model turns mostly wait on the network, and an operator may let more wait
together.

Typing is announced only for a turn still running after `TYPING_DELAY_SECONDS`: most offline turns take
a few tens of milliseconds, and an indicator that flashes for that long before the reply is noise to a
resident (and two frames on every connection).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from agents.assistant.runner import Accepted
from app.channels.broker import INBOX_TOPIC, Broker, conversation_topic

if TYPE_CHECKING:
    from app.channels.chat import Answered

T = TypeVar("T")

OFFLINE_TURN_WORKERS = 2
"""Offline turns at once, unless set. Measured on two cores at 45 turns/s offered, 3 interleaved pairs
against 4: p50 186 / 120 / 90 ms against 213 / 413 / 117, p95 1194 / 797 / 382 against 1192 / 1234 / 460,
and less server CPU per turn in each pair."""
CHAT_TURN_WORKERS = 4
"""Chat-model turns at once, unless set: they wait on the model's server, not on this process."""
IO_WORKERS = 4
"""Threads for the short blocking calls around turns: authenticating, storing messages, reading events."""
MAX_WAITING_TURNS = 8
"""Turns queued per conversation (the per-minute limit keeps a person far below it)."""
TYPING_DELAY_SECONDS = 0.3
"""How long a turn runs before the resident sees the assistant typing."""

_log = logging.getLogger(__name__)


def turn_workers(configured: int | None, planner: str) -> int:
    """Turns one process answers at once: what the operator set, else the planner's default."""
    if configured is not None:
        return configured
    return OFFLINE_TURN_WORKERS if planner == "offline" else CHAT_TURN_WORKERS


class Busy(Exception):
    """The conversation already has as many turns waiting as it may."""


class TurnRunner:
    def __init__(
        self,
        answer: Callable[[Accepted], Answered],
        *,
        broker: Broker,
        workers: int = 4,
        typing_delay: float | None = None,
    ) -> None:
        self._answer = answer
        self._broker = broker
        self.typing_delay = TYPING_DELAY_SECONDS if typing_delay is None else typing_delay
        self._turns = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="turn")
        self._io = ThreadPoolExecutor(max_workers=IO_WORKERS, thread_name_prefix="channel-io")
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def check_room(self, conversation_id: str) -> None:
        """Raise Busy when the conversation cannot take another turn now (before anything is stored)."""
        if self._waiting.get(conversation_id, 0) >= MAX_WAITING_TURNS:
            raise Busy(conversation_id)

    async def run_blocking(self, func: Callable[[], T]) -> T:
        """Run other blocking channel work (storing a message, reading events) off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._io, func)

    def submit(self, accepted: Accepted) -> None:
        """Answer `accepted` in the background; subscribers hear typing and then the new events."""
        conversation_id = accepted.conversation_id
        self._waiting[conversation_id] = self._waiting.get(conversation_id, 0) + 1
        task = asyncio.get_running_loop().create_task(self._turn(accepted))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _turn(self, accepted: Accepted) -> None:
        conversation_id = accepted.conversation_id
        topic = conversation_topic(conversation_id)
        lock = self._locks.setdefault(conversation_id, asyncio.Lock())
        try:
            async with lock:
                typing = _TypingHint(self._broker, topic, self.typing_delay)
                escalated = False
                notice: dict[str, Any] = {"events": True}
                try:
                    answered = await asyncio.get_running_loop().run_in_executor(
                        self._turns, self._answer, accepted
                    )
                    escalated = answered.outcome.escalated
                    if answered.batch is not None:
                        notice = answered.batch.notice()
                except Exception:  # the message is stored; staff see the thread; the socket stays up
                    _log.exception("turn failed in conversation %s", conversation_id)
                finally:
                    if await typing.stop():
                        notice["typing"] = False
                    await self._broker.publish(topic, notice)
                if escalated:  # a new escalation: every inbox's queue moved
                    await self._broker.publish(INBOX_TOPIC, {"queue": True})
        finally:
            self._waiting[conversation_id] -= 1
            if not self._waiting[conversation_id]:
                del self._waiting[conversation_id]
                if not lock.locked():
                    self._locks.pop(conversation_id, None)

    async def drain(self) -> None:
        """Wait for every turn in flight (shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*tuple(self._tasks), return_exceptions=True)

    def close(self) -> None:
        self._turns.shutdown(wait=True)
        self._io.shutdown(wait=True)


class _TypingHint:
    """Announces typing on `topic` once `delay` has passed, unless stopped first. A timer rather than a
    task: most turns end before `delay`, and for those the hint costs the event loop one timer rather than
    a task started, cancelled and awaited."""

    def __init__(self, broker: Broker, topic: str, delay: float) -> None:
        self._broker = broker
        self._topic = topic
        self._announcing: asyncio.Task[None] | None = None
        self._timer = asyncio.get_running_loop().call_later(delay, self._announce)

    def _announce(self) -> None:
        self._announcing = asyncio.get_running_loop().create_task(
            self._broker.publish(self._topic, {"typing": True})
        )

    async def stop(self) -> bool:
        """Cancel the announcement if it has not gone; True when it went (or began to): typing must then
        be switched off, after the announcement, which is awaited so the two never cross."""
        self._timer.cancel()
        if self._announcing is None:
            return False
        try:
            await self._announcing
        except Exception:  # a hint that failed to go out must not keep the reply's notice from going
            _log.warning("announcing typing failed on %s", self._topic, exc_info=True)
        return True
