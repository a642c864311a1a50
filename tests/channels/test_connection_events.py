"""A chat connection's events without a socket: batches carried by notices, catch-up reads, typing."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from agents.assistant.runner import Accepted, TurnOutcome
from app.channels import frames
from app.channels.broker import EventBatch, LocalBroker, conversation_topic
from app.channels.chat import Answered, ChatResident
from app.channels.connection import ChatConnection
from app.channels.limits import ResidentLimits
from app.channels.turns import TurnRunner

RESIDENT = ChatResident(id=1, ref="R1", first_name="Ana", conversation_id="portal-R1")
TOPIC = conversation_topic(RESIDENT.conversation_id)


def reply(seq: int) -> dict[str, Any]:
    return frames.dump(
        frames.Reply(seq=seq, from_="assistant", text=f"reply {seq}", at="2026-11-23T10:00:00")
    )


class Transport:
    def __init__(self) -> None:
        self.incoming: asyncio.Queue[str | None] = asyncio.Queue()
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> str | None:
        return await self.incoming.get()

    async def send(self, frame: dict[str, Any]) -> None:
        self.sent.append(frame)

    async def close(self, code: int) -> None:
        return None


class Service:
    """The conversation as the database holds it: `stored` events; counts the reads."""

    def __init__(self, last_seq: int) -> None:
        self.stored = [reply(seq) for seq in range(1, last_seq + 1)]
        self.reads = 0

    def authenticate(self, token: str | None) -> ChatResident:
        return RESIDENT

    def greet(self, token: str | None) -> tuple[ChatResident, frames.Welcome]:
        resident = self.authenticate(token)
        return resident, self.welcome(resident)

    def welcome(self, resident: ChatResident) -> frames.Welcome:
        last = self.stored[-1]["seq"] if self.stored else 0
        return frames.Welcome(
            conversation_id=resident.conversation_id, owner="assistant", last_seq=last, resident_name="Ana"
        )

    def events_after(self, resident: ChatResident, after_seq: int) -> list[frames.Event]:
        self.reads += 1
        return [frames.Reply.model_validate(f) for f in self.stored if f["seq"] > after_seq]


@asynccontextmanager
async def connected(service: Service, broker: LocalBroker, last_seq: int) -> AsyncIterator[Transport]:
    """A connection that said hello with `last_seq` and has caught up; closed (and its runner) after."""
    transport = Transport()
    runner = TurnRunner(lambda accepted: None, broker=broker, workers=1)  # type: ignore[arg-type,return-value]
    connection = ChatConnection(
        transport,
        service=service,  # type: ignore[arg-type]
        runner=runner,
        broker=broker,
        limits=ResidentLimits(),
    )
    transport.incoming.put_nowait(json.dumps({"type": "hello", "token": "t", "last_seq": last_seq}))
    task = asyncio.create_task(connection.serve())
    await settle()
    try:
        yield transport
    finally:
        transport.incoming.put_nowait(None)
        await task
        runner.close()


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0.005)


def seqs(transport: Transport) -> list[int]:
    return [f["seq"] for f in transport.sent if "seq" in f and f["type"] != "ack"]


@pytest.mark.anyio
async def test_a_batch_that_starts_where_the_connection_is_goes_out_without_a_read() -> None:
    service, broker = Service(last_seq=5), LocalBroker()
    async with connected(service, broker, last_seq=5) as transport:
        reads = service.reads
        service.stored += [reply(6), reply(7)]
        await broker.publish(TOPIC, EventBatch(5, 7, [reply(6), reply(7)]).notice())
        await settle()
        assert seqs(transport) == [6, 7]
        assert service.reads == reads


@pytest.mark.anyio
async def test_a_connection_behind_a_batch_reads_what_it_missed_first_and_sends_nothing_twice() -> None:
    service, broker = Service(last_seq=3), LocalBroker()
    async with connected(service, broker, last_seq=3) as transport:
        service.stored += [reply(4), reply(5), reply(6)]  # 4 and 5 were announced by a notice that was lost
        await broker.publish(TOPIC, EventBatch(5, 6, [reply(6)]).notice())
        await broker.publish(TOPIC, EventBatch(5, 6, [reply(6)]).notice())  # and this one came twice
        await settle()
        assert seqs(transport) == [4, 5, 6]


@pytest.mark.anyio
async def test_seqs_a_batch_skips_are_rows_residents_never_see_and_are_not_read_for() -> None:
    service, broker = Service(last_seq=2), LocalBroker()
    async with connected(service, broker, last_seq=2) as transport:
        reads = service.reads
        await broker.publish(TOPIC, EventBatch(2, 5, [reply(4)]).notice())  # 3 and 5: bookkeeping rows
        service.stored += [reply(6)]
        await broker.publish(TOPIC, EventBatch(5, 6, [reply(6)]).notice())
        await settle()
        assert seqs(transport) == [4, 6]
        assert service.reads == reads


@pytest.mark.anyio
async def test_a_malformed_batch_from_another_process_falls_back_to_reading() -> None:
    service, broker = Service(last_seq=1), LocalBroker()
    async with connected(service, broker, last_seq=1) as transport:
        service.stored += [reply(2)]
        await broker.publish(TOPIC, {"events": True, "after": 1, "upto": 2, "frames": [{"text": "no seq"}]})
        await settle()
        assert seqs(transport) == [2]


def answered(outcome_delay: float, batch: EventBatch | None) -> Any:
    def answer(accepted: Accepted) -> Answered:
        time.sleep(outcome_delay)
        return Answered(TurnOutcome(conversation_id=accepted.conversation_id, reply="ok"), batch)

    return answer


async def notices_of_one_turn(delay: float, typing_delay: float) -> list[dict[str, Any]]:
    broker, heard = LocalBroker(), list[dict[str, Any]]()
    batch = EventBatch(1, 2, [reply(2)])
    runner = TurnRunner(answered(delay, batch), broker=broker, workers=1, typing_delay=typing_delay)
    async with broker.subscribe(TOPIC, heard.append):
        runner.submit(Accepted(RESIDENT.conversation_id, RESIDENT.id, 1, 1, "hi"))
        await runner.drain()
    runner.close()
    return heard


@pytest.mark.anyio
async def test_a_quick_turn_shows_no_typing_and_its_notice_carries_the_reply() -> None:
    heard = await notices_of_one_turn(delay=0.0, typing_delay=30.0)
    assert heard == [EventBatch(1, 2, [reply(2)]).notice()]


@pytest.mark.anyio
async def test_a_slow_turn_shows_typing_until_its_reply() -> None:
    heard = await notices_of_one_turn(delay=0.3, typing_delay=0.01)
    assert heard[0] == {"typing": True}
    assert heard[1] == {**EventBatch(1, 2, [reply(2)]).notice(), "typing": False}
    assert len(heard) == 2
