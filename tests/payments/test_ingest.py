"""Stripe events into the ledger, on SQLite and PostgreSQL: any delivery order and any number of repeats
leave the same ledger; a crash before the commit leaves nothing; pending ACH is pending, not money."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from app import audit
from app.models import AuditRecord, LedgerEntry, Payment, PaymentEvent, ProcessorIntent
from app.payments import ingest as ingest_module
from app.payments.exceptions import open_exceptions
from tests.payments.stripe_fakes import CARD
from tests.payments.stripe_fakes import Payment as StripePayment
from tests.payments.support import (
    NSF,
    RENT,
    TODAY,
    balance,
    count,
    counts,
    deliver,
    intent_status,
    ledger,
    make_households,
    payment_row,
)
from tests.support.databases import Database

Scenario = Callable[[StripePayment], list[dict[str, Any]]]

SCENARIOS: dict[str, tuple[Scenario, str, list[tuple[str, str, int]]]] = {
    # name: (events, final state, the lines: (key, kind, cents))
    "ach refunded in full": (
        lambda p: [p.processing(), p.succeeded(), p.refunded()],
        "refunded",
        [("payment", "payment", -RENT), ("refund:150000", "reversal", RENT)],
    ),
    "chargeback lost": (
        lambda p: [p.succeeded(), p.dispute_created(), p.dispute_closed("lost")],
        "dispute_lost",
        [("dispute:dp_{n}", "reversal", RENT), ("payment", "payment", -RENT)],
    ),
    "chargeback won": (
        lambda p: [p.succeeded(), p.dispute_created(), p.dispute_closed("won")],
        "succeeded",
        [("payment", "payment", -RENT)],
    ),
    "ach returned after it cleared": (
        lambda p: [p.processing(), p.succeeded(), p.returned(), p.returned_intent()],
        "returned",
        [("nsf", "nsf_fee", NSF), ("payment", "payment", -RENT), ("return", "reversal", RENT)],
    ),
    "a declined attempt, then success": (
        lambda p: [p.attempt_failed(p.pi.replace("pi_", "ch_declined_")), p.processing(), p.succeeded()],
        "succeeded",
        [("payment", "payment", -RENT)],
    ),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_delivery_order_leaves_the_same_ledger(db: Database, name: str) -> None:
    build, final, expected = SCENARIOS[name]
    events_of = [build(StripePayment(f"pi_{n}", RENT, lease=f"L9{n:04d}")) for n in range(24)]
    orders = list(itertools.permutations(range(len(events_of[0]))))
    homes = make_households(db, len(orders))
    for n, (order, home) in enumerate(zip(orders, homes, strict=True)):
        assert home.lease_ref == f"L9{n:04d}"
        for i in order:
            deliver(db, events_of[n][i])
    first = ledger(db, homes[0].lease_id)
    assert [(key, kind, cents) for key, kind, cents, *_ in first] == [
        (key.format(n=0), kind, cents) for key, kind, cents in expected
    ]
    for n, home in enumerate(homes):
        lines = ledger(db, home.lease_id)
        assert [(re.sub(rf"_{n}$", "_0", k), *rest) for k, *rest in lines] == first, orders[n]
        assert intent_status(db, f"pi_{n}") == final
        assert payment_row(db, home.lease_id) == payment_row(db, homes[0].lease_id)
        assert balance(db, home.lease_id) == balance(db, homes[0].lease_id)
    with db.sessions() as s:
        assert audit.verify_chain(s).ok


def test_the_ledger_lines_are_dated_as_the_processor_dated_them(db: Database) -> None:
    (home,) = make_households(db, 1)
    p = StripePayment("pi_0", RENT, lease=home.lease_ref, day=2)
    for evt in (p.processing(), p.succeeded(day=4), p.returned(day=7)):
        deliver(db, evt)
    by_key = {key: (on, posted) for key, _, _, on, _, _, _, posted in ledger(db, home.lease_id)}
    assert by_key["payment"][0].day == 2  # the day the resident paid, not the day it cleared
    assert by_key["return"][0].day == by_key["nsf"][0].day == 7
    assert {posted for _, posted in by_key.values()} == {TODAY}  # posted today, always
    assert payment_row(db, home.lease_id) == ("returned", "ach", RENT, p_day(2), p_day(4), p_day(7), "R01")


def p_day(day: int) -> Any:
    from datetime import date

    return date(2026, 11, day)


def test_n_duplicate_deliveries_post_once(db: Database) -> None:
    (home,) = make_households(db, 1)
    p = StripePayment("pi_0", RENT, lease=home.lease_ref)
    events = [p.processing(), p.succeeded(), p.returned()]
    outcomes = [deliver(db, evt).outcome for evt in events for _ in range(5)]
    assert outcomes == (["processed"] + ["duplicate"] * 4) * 3
    assert count(db, PaymentEvent) == 3
    assert [key for key, *_ in ledger(db, home.lease_id)] == ["nsf", "payment", "return"]
    assert balance(db, home.lease_id) == RENT + NSF  # the rent is open again, with the fee


def test_a_crash_between_receipt_and_commit_leaves_nothing_and_the_retry_posts_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    (home,) = make_households(db, 1)
    succeeded = StripePayment("pi_0", RENT, lease=home.lease_ref).succeeded()
    before = counts(db)

    class Crash(RuntimeError):
        pass

    def crash(*_args: object, **_kwargs: object) -> None:
        # Runs after the ledger lines, the payment row and the state are written, before the commit.
        with db.sessions() as other:  # nothing is visible outside the transaction meanwhile
            assert other.scalar(select(LedgerEntry.id).where(LedgerEntry.source == "stripe")) is None
        raise Crash

    with monkeypatch.context() as patched:
        patched.setattr(ingest_module, "_audit_event", crash)
        with pytest.raises(Crash):
            deliver(db, succeeded)
    assert counts(db) == before
    assert deliver(db, succeeded).outcome == "processed"
    assert deliver(db, succeeded).outcome == "duplicate"
    assert [key for key, *_ in ledger(db, home.lease_id)] == ["payment"]
    after = counts(db)
    assert after[LedgerEntry.__tablename__] == before[LedgerEntry.__tablename__] + 1
    assert (
        after[Payment.__tablename__]
        == after[ProcessorIntent.__tablename__]
        == after[PaymentEvent.__tablename__]
        == 1
    )
    with db.sessions() as s:
        assert audit.verify_chain(s).ok
        actions = s.scalars(select(AuditRecord.action).order_by(AuditRecord.id)).all()
    assert actions[-2:] == ["ledger.post", "payment.event"]


def test_a_pending_ach_is_recorded_but_not_credited(db: Database) -> None:
    (home,) = make_households(db, 1)
    p = StripePayment("pi_0", RENT, lease=home.lease_ref)
    deliver(db, p.processing())
    assert ledger(db, home.lease_id) == []
    assert balance(db, home.lease_id) == RENT
    assert payment_row(db, home.lease_id) == ("pending", "ach", RENT, p_day(2), None, None, None)
    with db.sessions() as s:
        from app.accounts import account_balance
        from app.models import Resident

        resident = s.get(Resident, home.resident_id)
        assert resident is not None
        summary = account_balance(s, resident=resident, as_of=TODAY)
        assert [pp.amount_cents for pp in summary.pending_payments] == [RENT]
    deliver(db, p.succeeded())
    assert balance(db, home.lease_id) == 0
    assert payment_row(db, home.lease_id) == ("succeeded", "ach", RENT, p_day(2), p_day(4), None, None)


def test_roommates_split_and_partial_payments_are_netted_against_what_is_owed(db: Database) -> None:
    (home,) = make_households(db, 1)
    first = StripePayment("pi_a", 700_00, lease=home.lease_ref, resident=home.resident_ref, method=CARD)
    second = StripePayment("pi_b", 500_00, lease=home.lease_ref)
    for evt in (first.succeeded(), second.processing(), second.succeeded()):
        deliver(db, evt)
    assert balance(db, home.lease_id) == RENT - 700_00 - 500_00
    third = StripePayment("pi_c", 400_00, lease=home.lease_ref)
    deliver(db, third.succeeded())
    assert balance(db, home.lease_id) == -100_00  # paid 100.00 over: a credit
    with db.sessions() as s:
        payers = s.execute(
            select(LedgerEntry.external_id, LedgerEntry.resident_id)
            .where(LedgerEntry.kind == "payment")
            .order_by(LedgerEntry.external_id)
        ).all()
    assert payers == [("pi_a:payment", home.resident_id), ("pi_b:payment", None), ("pi_c:payment", None)]


def test_a_payment_matched_by_its_resident_or_customer_goes_to_their_lease(db: Database) -> None:
    homes = make_households(db, 2)
    by_resident = StripePayment("pi_r", 200_00, resident=homes[0].resident_ref)
    deliver(db, by_resident.succeeded())
    assert balance(db, homes[0].lease_id) == RENT - 200_00
    with db.sessions.begin() as s:
        from app.models import ProcessorCustomer

        s.add(
            ProcessorCustomer(
                processor="stripe", customer_ref="cus_known", lease_id=homes[1].lease_id, created_by="t"
            )
        )
    deliver(db, StripePayment("pi_c", 300_00, customer="cus_known").succeeded())
    assert balance(db, homes[1].lease_id) == RENT - 300_00


def test_unmatched_payments_wait_in_the_exceptions_queue_and_post_once_matched(db: Database) -> None:
    (home,) = make_households(db, 1)
    stranger = StripePayment("pi_x", 250_00, customer="cus_nobody")
    deliver(db, stranger.processing())
    deliver(db, stranger.succeeded())
    wrong = StripePayment("pi_w", 100_00, lease="L99999")
    deliver(db, wrong.succeeded())
    contradiction = StripePayment("pi_m", 100_00, lease=home.lease_ref, resident="R12345")
    deliver(db, contradiction.succeeded())
    with db.sessions() as s:
        queue = open_exceptions(s)
    assert [(e.kind, e.intent_ref, e.amount_cents) for e in queue] == [
        ("unmatched", "pi_x", 250_00),
        ("unmatched", "pi_w", 100_00),
        ("unmatched", "pi_m", 100_00),
    ]
    assert "cus_nobody" in queue[0].summary and "L99999" in queue[1].summary and "R12345" in queue[2].summary
    assert count(db, Payment) == 0 and balance(db, home.lease_id) == RENT
    assert intent_status(db, "pi_x") == "succeeded"

    from app.payments.review import map_customer

    with db.sessions.begin() as s:
        mapped = map_customer(
            s, customer_ref="cus_nobody", lease_ref=home.lease_ref, actor="staff:1", today=TODAY
        )
    assert mapped.settled == 1
    assert balance(db, home.lease_id) == RENT - 250_00
    with db.sessions() as s:
        assert [e.intent_ref for e in open_exceptions(s)] == ["pi_w", "pi_m"]
        assert audit.verify_chain(s).ok


def test_an_unknown_event_type_is_acknowledged_and_recorded_as_ignored(db: Database) -> None:
    from tests.payments.stripe_fakes import event

    p = StripePayment("pi_0", RENT)
    received = deliver(db, event("charge.succeeded", p.charge_object("succeeded"), p.intent("x")["created"]))
    assert received.outcome == "ignored"
    assert (
        deliver(db, event("customer.created", {"id": "cus_1", "object": "customer"}, 1)).outcome == "ignored"
    )
    with db.sessions() as s:
        rows = s.execute(select(PaymentEvent.event_type, PaymentEvent.outcome, PaymentEvent.intent_ref)).all()
    assert sorted(rows) == [("charge.succeeded", "ignored", "pi_0"), ("customer.created", "ignored", None)]
    assert count(db, ProcessorIntent) == 0


def test_a_signed_event_whose_object_cannot_be_read_is_kept_and_queued(db: Database) -> None:
    from tests.payments.stripe_fakes import event

    p = StripePayment("pi_0", RENT)
    broken = p.intent("succeeded", amount=1500.5)  # a float is never cents
    assert deliver(db, event("payment_intent.succeeded", broken, 1_790_000_000)).outcome == "invalid"
    with db.sessions() as s:
        (queued,) = open_exceptions(s)
    assert queued.kind == "invalid" and "amount" in queued.summary
    assert count(db, LedgerEntry) == count(db, ProcessorIntent) == 0


def test_a_line_the_ledger_refuses_is_queued_for_staff_and_the_event_still_acknowledged(db: Database) -> None:
    from app.ledger.posting import reverse_entry

    (home,) = make_households(db, 1)
    p = StripePayment("pi_0", RENT, lease=home.lease_ref)
    deliver(db, p.succeeded())
    with db.sessions.begin() as s:  # staff reversed the payment by hand meanwhile
        entry_id = s.scalar(select(LedgerEntry.id).where(LedgerEntry.external_id == "pi_0:payment"))
        assert entry_id is not None
        reverse_entry(s, entry_id=entry_id, reason="entered in error", today=TODAY)
    assert deliver(db, p.refunded()).outcome == "processed"
    assert [key for key, *_ in ledger(db, home.lease_id)] == ["payment"]
    assert balance(db, home.lease_id) == RENT  # the hand reversal only: nothing counted twice
    with db.sessions() as s:
        (queued,) = open_exceptions(s)
    assert queued.kind == "conflict" and "already reversed" in queued.summary


def test_an_open_chargeback_waits_for_staff_until_the_processor_closes_it(db: Database) -> None:
    (home,) = make_households(db, 1)
    p = StripePayment("pi_0", RENT, lease=home.lease_ref, method=CARD)
    deliver(db, p.succeeded())
    deliver(db, p.dispute_created())
    with db.sessions() as s:
        (queued,) = open_exceptions(s)
    assert (queued.kind, queued.payment_status, queued.amount_cents) == ("dispute", "disputed", RENT)
    assert "fraudulent" in queued.summary
    assert balance(db, home.lease_id) == 0  # an open chargeback is not a lost one
    deliver(db, p.dispute_closed("won"))
    with db.sessions() as s:
        assert open_exceptions(s) == []
    assert intent_status(db, "pi_0") == "succeeded" and balance(db, home.lease_id) == 0


def test_a_payment_in_another_currency_is_queued_not_posted(db: Database) -> None:
    from tests.payments.stripe_fakes import event

    (home,) = make_households(db, 1)
    p = StripePayment("pi_0", RENT, lease=home.lease_ref)
    deliver(db, event("payment_intent.succeeded", p.intent("succeeded", currency="eur"), 1_790_000_000))
    with db.sessions() as s:
        (queued,) = open_exceptions(s)
    assert queued.kind == "currency" and "EUR" in queued.summary
    assert count(db, Payment) == 0 and balance(db, home.lease_id) == RENT


def test_a_returned_payment_posts_no_fee_without_a_managers_standing_approval(db: Database) -> None:
    """The reversal is the processor's fact; the NSF fee is a change of money that waits for staff
    (the account is in review, and staff decide) unless a manager turned fees on for the property."""
    (home,) = make_households(db, 1, fees_approved=False)
    p = StripePayment("pi_0", RENT, lease=home.lease_ref)
    for evt in (p.processing(), p.succeeded(), p.returned()):
        deliver(db, evt)

    assert [(key, kind, cents) for key, kind, cents, *_ in ledger(db, home.lease_id)] == [
        ("payment", "payment", -RENT),
        ("return", "reversal", RENT),
    ]
