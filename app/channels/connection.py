"""One resident's chat connection: hello, replay, live events, messages in, limits; over any transport.

The protocol (README, "The chat protocol"):
1. The first frame is `hello` with a token and `last_seq`, within 10 s (else 4408); a bad token is 4401.
2. The server answers `welcome`, then every event with seq above `last_seq`, in order, then events as
   they happen. It keeps `sent_seq`, the highest seq it has sent, and only ever sends what is above it:
   whatever order notices arrive in, no event is sent twice or skipped.
3. A `message` is stored, then acknowledged with its seq (a resent client id gets the same ack and no
   second turn), then answered in the background (`TurnRunner`), with typing on and off around it.
Limits: frames over 16 kB (1009), more than 20 messages a minute per resident or more than 5 connections
per resident (4429), a client that stops reading (4413); each gets an error frame before the close.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from functools import partial
from typing import Any, Protocol

from pydantic import ValidationError

from app.channels import frames
from app.channels.broker import INBOX_TOPIC, Broker, conversation_topic
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


class ChatConnection:
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
        self.outbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(SEND_QUEUE_FRAMES)
        self.sent_seq = 0
        self.resident: ChatResident | None = None

    async def serve(self) -> None:
        writer = asyncio.create_task(self._write())
        code = CloseCode.NORMAL
        try:
            code = await self._session()
        except Closed as closed:
            code = closed.code
        finally:
            with contextlib.suppress(asyncio.QueueFull):
                self.outbox.put_nowait(None)
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
            resident = await self.runner.run_blocking(lambda: self.service.authenticate(hello.token))
        except TokenError as exc:
            self._error("unauthorized", str(exc))
            raise Closed(CloseCode.UNAUTHORIZED) from exc
        if not self.limits.open(resident.ref):
            self._error("too_many_connections", "too many open chat connections for this resident")
            raise Closed(CloseCode.RATE_LIMITED)
        self.resident = resident
        welcome = await self.runner.run_blocking(lambda: self.service.welcome(resident))
        self._send(welcome)
        self.sent_seq = min(hello.last_seq, welcome.last_seq)
        async with self.broker.subscribe(conversation_topic(resident.conversation_id)) as subscription:
            await self._catch_up()
            notices = asyncio.create_task(self._follow(subscription))
            try:
                return await self._read(resident)
            finally:
                notices.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await notices

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
        await self.broker.publish(conversation_topic(resident.conversation_id), {"events": True})
        if not (accepted.duplicate or accepted.silent):
            self.runner.submit(accepted)

    async def _handoff(self, resident: ChatResident, frame: frames.Handoff) -> None:
        seq = await self.runner.run_blocking(lambda: self.service.handoff(resident, frame.client_id))
        self._send(frames.Ack(client_id=frame.client_id, seq=seq))
        await self.broker.publish(conversation_topic(resident.conversation_id), {"events": True})
        await self.broker.publish(INBOX_TOPIC, {"queue": True})

    # --- events out ---------------------------------------------------------------------------------

    async def _follow(self, subscription: Any) -> None:
        while True:
            notice = await subscription.next()
            if "typing" in notice:
                self._send(frames.Typing(on=bool(notice["typing"])))
            if notice.get("events"):
                await self._catch_up()

    async def _catch_up(self) -> None:
        """Send every event above `sent_seq`, in order (reads again while a read comes back full)."""
        resident = self.resident
        assert resident is not None
        while True:
            events = await self.runner.run_blocking(
                partial(self.service.events_after, resident, self.sent_seq)
            )
            if not events:
                return
            for event in events:
                if event.seq > self.sent_seq:
                    self._send(event)
            self.sent_seq = max(self.sent_seq, max(e.seq for e in events))
            if len(events) < 100:
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
        try:
            self.outbox.put_nowait(frames.dump(frame))
        except asyncio.QueueFull as exc:  # the client stopped reading: it will resume from last_seq
            raise Closed(CloseCode.SLOW_CONSUMER) from exc

    def _error(self, code: str, message: str) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self.outbox.put_nowait(frames.dump(frames.Error(code=code, message=message)))

    async def _write(self) -> None:
        while (frame := await self.outbox.get()) is not None:
            try:
                await self.transport.send(frame)
            except Exception:  # the client went away; the reader notices and ends the session
                _log.debug("send failed; the connection is closing", exc_info=True)
                return


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
