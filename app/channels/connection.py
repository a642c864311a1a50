"""One resident's chat connection: hello, replay, live events, messages in, limits; over any transport.

The protocol (README, "The chat protocol"):
1. The first frame is `hello` with a token and `last_seq`, within 10 s (else 4408); a bad token is 4401.
2. The server answers `welcome`, then every event with seq above `last_seq`, in order, then events as
   they happen. It keeps `sent_seq`, the highest seq it has sent, and only ever sends what is above it:
   whatever order notices arrive in, no event is sent twice or skipped.
3. A `message` is stored, then acknowledged with its seq (a resent client id gets the same ack and no
   second turn), then answered in the background (`TurnRunner`), with typing on and off around it when
   the turn takes long enough for a resident to notice.
4. A notice that carries an `EventBatch` (the events its publisher wrote) is sent from the batch when
   `sent_seq` has reached the batch's start, and read from the database otherwise: a turn's events are
   read once, by the worker that wrote them, not once per connection.
Limits: frames over 16 kB (1009), more than 20 messages a minute per resident or more than 5 connections
per resident (4429), a client that stops reading (4413); each gets an error frame before the close.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from functools import partial
from typing import Any, Protocol

from pydantic import ValidationError

from app.channels import frames
from app.channels.broker import INBOX_TOPIC, Broker, EventBatch, conversation_topic
from app.channels.chat import ChatResident, ChatService
from app.channels.limits import (
    HELLO_TIMEOUT_SECONDS,
    MAX_FRAME_BYTES,
    SEND_QUEUE_FRAMES,
    CloseCode,
    ResidentLimits,
)
from app.channels.tokens import TokenError
from app.channels.turns import Busy, TurnRunner

_log = logging.getLogger(__name__)


class Transport(Protocol):
    async def receive(self) -> str | bytes | None:
        """The next frame, or None once the client has gone."""
        ...

    async def send(self, frame: dict[str, Any]) -> None: ...

    async def close(self, code: int) -> None: ...


class Closed(Exception):
    """Stop serving this connection with a close code (an error frame was already queued)."""

    def __init__(self, code: int) -> None:
        self.code = code


class _CatchUp:
    """In the outbox: "read the conversation's events after `sent_seq` here", kept in its place so a
    typing-off heard after new events goes out after them."""


CATCH_UP = _CatchUp()

_TYPING = {on: frames.dump(frames.Typing(on=on)) for on in (True, False)}
"""The two typing frames, built once: every turn longer than the typing delay sends both on every
connection to the conversation (frames in the outbox are only read, never changed)."""


class ChatConnection:
    """Two tasks per connection: the one serving it reads frames; a writer sends, in order, what
    `outbox` holds. Broker notices arrive by callback, not through a queue of their own, so an idle
    connection costs a bounded deque and one parked writer."""

    def __init__(
        self,
        transport: Transport,
        *,
        service: ChatService,
        runner: TurnRunner,
        broker: Broker,
        limits: ResidentLimits,
        hello_timeout: float = HELLO_TIMEOUT_SECONDS,
    ) -> None:
        self.transport = transport
        self.service = service
        self.runner = runner
        self.broker = broker
        self.limits = limits
        self.hello_timeout = hello_timeout
        self.outbox: deque[dict[str, Any] | _CatchUp | EventBatch] = deque()
        self.sent_seq = 0
        self.resident: ChatResident | None = None
        self._catch_up_queued = False
        self._closing = False
        self._wake: asyncio.Future[None] | None = None

    async def serve(self) -> None:
        writer = asyncio.create_task(self._write())
        code = CloseCode.NORMAL
        try:
            code = await self._session()
        except Closed as closed:
            code = closed.code
        finally:
            self._closing = True
            self._poke()
            try:
                await asyncio.wait_for(writer, timeout=5)
            except (TimeoutError, asyncio.CancelledError):
                writer.cancel()
            if self.resident is not None:
                self.limits.close(self.resident.ref)
        with contextlib.suppress(Exception):
            await self.transport.close(code)

    # --- the session --------------------------------------------------------------------------------

    async def _session(self) -> int:
        hello = await self._hello()
        try:
            resident, welcome = await self.runner.run_blocking(lambda: self.service.greet(hello.token))
        except TokenError as exc:
            self._error("unauthorized", str(exc))
            raise Closed(CloseCode.UNAUTHORIZED) from exc
        if not self.limits.open(resident.ref):
            self._error("too_many_connections", "too many open chat connections for this resident")
            raise Closed(CloseCode.RATE_LIMITED)
        self.resident = resident
        self._send(welcome)
        self.sent_seq = min(hello.last_seq, welcome.last_seq)
        topic = conversation_topic(resident.conversation_id)
        async with self.broker.subscribe(topic, self._notice):
            self._queue_catch_up()  # the replay; anything published from here on follows it
            return await self._read(resident)

    async def _hello(self) -> frames.Hello:
        try:
            raw = await asyncio.wait_for(self.transport.receive(), timeout=self.hello_timeout)
        except TimeoutError as exc:
            self._error("hello_timeout", f"send a hello frame within {self.hello_timeout:g} seconds")
            raise Closed(CloseCode.HELLO_TIMEOUT) from exc
        frame = self._parse(raw)
        if not isinstance(frame, frames.Hello):
            self._error("unauthorized", "the first frame must be a hello with a token")
            raise Closed(CloseCode.UNAUTHORIZED)
        return frame

    async def _read(self, resident: ChatResident) -> int:
        while True:
            frame = self._parse(await self.transport.receive())
            if isinstance(frame, frames.Ping):
                self._send(frames.Pong())
            elif isinstance(frame, frames.Hello):
                self._error("protocol", "hello was already received")
            elif isinstance(frame, frames.SendMessage):
                await self._message(resident, frame)
            elif isinstance(frame, frames.Handoff):
                await self._handoff(resident, frame)
            elif isinstance(frame, frames.PlanAnswer):
                await self._message(resident, _plan_answer_text(frame))

    async def _message(self, resident: ChatResident, frame: frames.SendMessage) -> None:
        if not self.limits.allow_message(resident.ref):
            self._error("rate_limited", "too many messages: wait a minute and try again")
            raise Closed(CloseCode.RATE_LIMITED)
        try:
            self.runner.check_room(resident.conversation_id)
        except Busy:
            self._error("busy", "still answering your earlier messages: send this one again shortly")
            return
        accepted = await self.runner.run_blocking(lambda: self.service.accept(resident, frame))
        self._send(frames.Ack(client_id=frame.client_id, seq=accepted.seq))
        stored = self.service.own_message(accepted, frame.client_id)
        notice = stored.notice() if stored is not None else {"events": True}
        await self.broker.publish(conversation_topic(resident.conversation_id), notice)
        if not (accepted.duplicate or accepted.silent):
            self.runner.submit(accepted)

    async def _handoff(self, resident: ChatResident, frame: frames.Handoff) -> None:
        seq = await self.runner.run_blocking(lambda: self.service.handoff(resident, frame.client_id))
        self._send(frames.Ack(client_id=frame.client_id, seq=seq))
        await self.broker.publish(conversation_topic(resident.conversation_id), {"events": True})
        await self.broker.publish(INBOX_TOPIC, {"queue": True})

    # --- events out ---------------------------------------------------------------------------------

    def _notice(self, notice: dict[str, Any]) -> None:
        """A broker notice, in the publisher's task: queue what it asks for; never block or raise."""
        if self._closing:
            return
        if "typing" in notice and len(self.outbox) < SEND_QUEUE_FRAMES:  # typing is a hint: droppable
            self.outbox.append(_TYPING[bool(notice["typing"])])
            self._poke()
        if notice.get("events"):
            batch = EventBatch.of(notice)
            if batch is not None and len(self.outbox) < SEND_QUEUE_FRAMES:
                self.outbox.append(batch)
                self._poke()
            else:
                self._queue_catch_up()

    def _queue_catch_up(self) -> None:
        """One catch-up waits in the outbox at most: it reads everything there is when its turn comes."""
        if not self._catch_up_queued:
            self._catch_up_queued = True
            self.outbox.append(CATCH_UP)
            self._poke()

    async def _catch_up(self) -> None:
        """Send every event above `sent_seq`, in order (reads again while a read comes back full)."""
        resident = self.resident
        assert resident is not None
        while True:
            events = await self.runner.run_blocking(
                partial(self.service.events_after, resident, self.sent_seq)
            )
            for event in events:
                await self._send_event(frames.dump(event))
            if len(events) < 100:
                return

    async def _send_batch(self, batch: EventBatch) -> None:
        """The batch's events above `sent_seq`; what came before the batch is read first, if unsent."""
        if self.sent_seq < batch.after:
            await self._catch_up()
        for frame in batch.frames:
            await self._send_event(frame)
        self.sent_seq = max(self.sent_seq, batch.upto)

    async def _send_event(self, frame: dict[str, Any]) -> None:
        if frame["seq"] <= self.sent_seq:
            return
        if client_id := frame.get("client_id"):
            await self._send_ack_first(client_id)
        await self.transport.send(frame)
        self.sent_seq = frame["seq"]

    async def _send_ack_first(self, client_id: str) -> None:
        """A resident's message read back before its ack went out (the read raced the store): the ack
        goes first, so a client always hears "stored" before it sees the message in the history."""
        for item in self.outbox:
            if isinstance(item, dict) and item.get("type") == "ack" and item.get("client_id") == client_id:
                self.outbox.remove(item)
                await self.transport.send(item)
                return

    # --- frames ------------------------------------------------------------------------------------

    def _parse(self, raw: str | bytes | None) -> Any:
        if raw is None:
            raise Closed(CloseCode.NORMAL)
        if len(raw) > MAX_FRAME_BYTES:
            self._error("too_large", f"frames are at most {MAX_FRAME_BYTES // 1024} kB")
            raise Closed(CloseCode.TOO_LARGE)
        try:
            return frames.client_frame.validate_python(json.loads(raw))
        except (ValueError, ValidationError) as exc:
            self._error("bad_frame", _problem(exc))
            return None

    def _send(self, frame: frames.ServerFrame) -> None:
        if len(self.outbox) >= SEND_QUEUE_FRAMES:  # the client stopped reading: it resumes from last_seq
            raise Closed(CloseCode.SLOW_CONSUMER)
        self._put(frames.dump(frame))

    def _error(self, code: str, message: str) -> None:
        if len(self.outbox) < SEND_QUEUE_FRAMES:
            self._put(frames.dump(frames.Error(code=code, message=message)))

    def _put(self, frame: dict[str, Any]) -> None:
        self.outbox.append(frame)
        self._poke()

    def _poke(self) -> None:
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    async def _write(self) -> None:
        """Send what the outbox holds, in order, until the session ends and the outbox is empty."""
        loop = asyncio.get_running_loop()
        while True:
            while self.outbox:
                item = self.outbox.popleft()
                try:
                    if isinstance(item, _CatchUp):
                        self._catch_up_queued = False
                        if not self._closing:
                            await self._catch_up()
                    elif isinstance(item, EventBatch):
                        if not self._closing:
                            await self._send_batch(item)
                    else:
                        await self.transport.send(item)
                except Exception:  # the client went away; the reader notices and ends the session
                    _log.debug("send failed; the connection is closing", exc_info=True)
                    return
            if self._closing:
                return
            self._wake = loop.create_future()
            await self._wake
            self._wake = None


def _problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "frame"
        return f"{where}: {first['msg']}"
    return "frames are JSON objects with a type"


def _plan_answer_text(frame: frames.PlanAnswer) -> frames.SendMessage:
    """A card's Accept / Decline is the resident saying so: the assistant (and staff) read it as such."""
    text = (
        "YES, I accept the payment plan" if frame.decision == "accept" else "No, I decline the payment plan"
    )
    return frames.SendMessage(
        type="message", client_id=frame.client_id, text=f"{text} (plan {frame.plan_id})"
    )
