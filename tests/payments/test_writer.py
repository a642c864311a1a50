"""The SQLite delivery writer: deliveries waiting together commit together, yet each is all or nothing,
and none is answered before the commit that holds it."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.models import LedgerEntry, PaymentEvent
from app.payments import ingest as ingest_module
from app.payments import writer as writer_module
from app.payments.ingest import Received
from app.payments.stripe_events import Delivery, read_delivery
from app.payments.writer import DeliveryWriter
from tests.payments.stripe_fakes import Payment as StripePayment
from tests.payments.support import RENT, TODAY, TZ, ledger, make_households
from tests.support.databases import Database


def _delivery(evt: dict[str, Any]) -> Delivery:
    return read_delivery(json.dumps(evt).encode(), tz=TZ)


def _recorded(db: Database, event_id: str) -> bool:
    with db.sessions() as s:
        return s.scalar(select(PaymentEvent.id).where(PaymentEvent.event_id == event_id)) is not None


class _Gate:
    """Holds the writer inside its first delivery until the next ones are queued, so they batch."""

    def __init__(self) -> None:
        self.entered, self.release = threading.Event(), threading.Event()
        self.calls = 0

    def wrap(self, real: Any) -> Any:
        def receive(session: Session, delivery: Delivery, **kwargs: Any) -> Received:
            self.calls += 1
            if self.calls == 1:
                self.entered.set()
                assert self.release.wait(10)
            return real(session, delivery, **kwargs)

        return receive


def test_a_batch_commits_together_and_a_failing_delivery_loses_only_itself(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    homes = make_households(db, 5)
    events = [StripePayment(f"pi_{n}", RENT, lease=h.lease_ref).succeeded() for n, h in enumerate(homes)]
    doomed = events[2]["id"]
    real_audit = ingest_module._audit_event

    def audit_or_crash(session: Session, delivery: Delivery, *args: Any) -> None:
        if delivery.event_id == doomed:  # after its ledger line, payment row and state are written
            raise RuntimeError("the process died here")
        real_audit(session, delivery, *args)

    gate = _Gate()
    monkeypatch.setattr(writer_module, "receive", gate.wrap(writer_module.receive))
    monkeypatch.setattr(ingest_module, "_audit_event", audit_or_crash)
    writer = DeliveryWriter(db.sessions)
    try:
        first = writer.submit(_delivery(events[0]), today=TODAY)
        assert gate.entered.wait(10)
        rest = [writer.submit(_delivery(evt), today=TODAY) for evt in events[1:]]
        assert not any(f.done() for f in [first, *rest])  # nothing is answered before its commit
        gate.release.set()
        assert first.result(10).outcome == "processed"
        with pytest.raises(RuntimeError, match="the process died here"):
            rest[1].result(10)
        assert [f.result(10).outcome for n, f in enumerate(rest) if n != 1] == ["processed"] * 3
    finally:
        writer.close()
    # One batch of one; then the batch of four, up to the delivery that failed, rolled back whole and
    # each of its four written again alone.
    assert gate.calls == 3
    assert [_recorded(db, evt["id"]) for evt in events] == [True, True, False, True, True]
    assert ledger(db, homes[2].lease_id) == []  # nothing of the failed delivery, not even its line
    monkeypatch.setattr(ingest_module, "_audit_event", real_audit)
    assert writer_module.ingest(db.sessions, _delivery(events[2]), today=TODAY).outcome == "processed"
    assert [key for key, *_ in ledger(db, homes[2].lease_id)] == ["payment"]


def test_when_a_batch_cannot_commit_each_delivery_is_written_alone(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    homes = make_households(db, 3)
    events = [StripePayment(f"pi_{n}", RENT, lease=h.lease_ref).succeeded() for n, h in enumerate(homes)]
    real_transaction = writer_module.transaction
    failed: list[int] = []

    @contextmanager
    def failing_commit(sessions: sessionmaker[Session]) -> Iterator[Session]:
        with real_transaction(sessions) as session:
            yield session
            seen = len(session.scalars(select(PaymentEvent.id)).all())
            if not failed and seen == 3:  # the batch of two fails at its commit, both written in it
                failed.append(seen)
                raise RuntimeError("disk I/O error")

    gate = _Gate()
    monkeypatch.setattr(writer_module, "receive", gate.wrap(writer_module.receive))
    monkeypatch.setattr(writer_module, "transaction", failing_commit)
    writer = DeliveryWriter(db.sessions)
    try:
        futures = [writer.submit(_delivery(events[0]), today=TODAY)]
        assert gate.entered.wait(10)
        futures += [writer.submit(_delivery(evt), today=TODAY) for evt in events[1:]]
        gate.release.set()
        assert [f.result(10).outcome for f in futures] == ["processed"] * 3
    finally:
        writer.close()
    assert failed == [3]
    for home in homes:
        assert [key for key, *_ in ledger(db, home.lease_id)] == ["payment"]
    with db.sessions() as s:
        assert len(s.scalars(select(LedgerEntry.id).where(LedgerEntry.source == "stripe")).all()) == 3


def test_a_closed_writer_refuses_new_deliveries_after_writing_the_queued_ones(db: Database) -> None:
    (home,) = make_households(db, 1)
    evt = StripePayment("pi_0", RENT, lease=home.lease_ref).succeeded()
    writer = DeliveryWriter(db.sessions)
    queued = writer.submit(_delivery(evt), today=TODAY)
    writer.close()
    assert queued.result(10).outcome == "processed"
    with pytest.raises(RuntimeError, match="closed"):
        writer.submit(_delivery(evt), today=TODAY)


def test_write_answers_on_the_callers_loop_after_the_commit_and_a_caller_that_gave_up_is_skipped(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    homes = make_households(db, 4)
    events = [StripePayment(f"pi_{n}", RENT, lease=h.lease_ref).succeeded() for n, h in enumerate(homes)]
    gate = _Gate()
    monkeypatch.setattr(writer_module, "receive", gate.wrap(writer_module.receive))
    writer = DeliveryWriter(db.sessions)

    async def deliver() -> list[Received]:
        first = asyncio.create_task(writer.write(_delivery(events[0]), today=TODAY))
        assert await asyncio.to_thread(gate.entered.wait, 10)
        abandoned = asyncio.create_task(writer.write(_delivery(events[1]), today=TODAY))
        rest = [asyncio.create_task(writer.write(_delivery(evt), today=TODAY)) for evt in events[2:]]
        await asyncio.sleep(0)  # every delivery is queued behind the first
        abandoned.cancel()
        gate.release.set()
        return [await first, *await asyncio.gather(*rest)]

    try:
        answers = asyncio.run(deliver())
    finally:
        writer.close()
    assert [a.outcome for a in answers] == ["processed"] * 3
    assert [_recorded(db, evt["id"]) for evt in events] == [True, False, True, True]
