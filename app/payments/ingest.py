"""One processor event, in one transaction: the event id, the payment's new state, its ledger lines.

`receive` runs inside the caller's transaction, in this order:
1. claim the event id (`payment_events`, unique per processor): a redelivery, or a concurrent delivery of
   the same event, finds it taken and changes nothing;
2. lock the payment's state row (`processor_intents`, created on first sight) and merge what the event
   says into its facts (`app.payments.state.merge`: the order events arrive in does not matter);
3. match it to a lease if it has none yet, keep its `payments` row in step (what residents and readiness
   read: a pending ACH is pending, not money), and post the ledger lines its facts call for and the
   ledger does not hold yet, each idempotent by `(stripe, <intent>:<key>)` and audited by the posting;
4. queue what staff must see (no lease, a chargeback, a conflict) and write the event's audit line.
All of it commits together or not at all: a crash anywhere before the commit leaves no trace, and the
processor's retry does the whole thing again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.collections.config import approved_nsf_fee
from app.db import transaction
from app.errors import DoorstepError
from app.ledger.posting import EntryCreate, post_entry
from app.ledger.types import EntryKind
from app.models import LedgerEntry, Payment, PaymentEvent, ProcessorIntent
from app.payments import exceptions
from app.payments.matching import match_payment
from app.payments.state import Facts, Observation, Posted, merge, payment_record, plan_lines
from app.payments.stripe_events import PROCESSOR, Delivery
from app.prepared import Prepared

SOURCE = "stripe"
"""The ledger `source` of every line a Stripe payment posts; external ids are `<intent>:<key>`."""
ACTOR = "stripe-webhook"


@dataclass(frozen=True)
class Received:
    """What one delivery did."""

    outcome: Literal["processed", "ignored", "invalid", "duplicate"]
    event_id: str
    status: str | None = None
    """The payment's state after the event."""
    entry_ids: tuple[int, ...] = ()
    """Ledger entries the event posted."""


@dataclass(slots=True)
class IntentRow:
    """A payment's state row (`processor_intents`) as this transaction holds it, locked."""

    id: int
    intent_ref: str
    status: str
    facts: dict[str, Any]
    lease_id: int | None
    resident_id: int | None
    matched_by: str | None
    payment_id: int | None
    charge_ref: str | None
    customer_ref: str | None


def ingest(sessions: sessionmaker[Session], delivery: Delivery, *, today: date) -> Received:
    """Receive a delivery in a transaction of its own (commits, or rolls back everything)."""
    with transaction(sessions) as session:
        return receive(session, delivery, today=today)


def receive(session: Session, delivery: Delivery, *, today: date) -> Received:
    """Receive a delivery inside the caller's transaction."""
    if not _claim(session, delivery):
        return Received("duplicate", delivery.event_id)
    seen = delivery.observation
    if delivery.outcome != "processed" or seen is None:
        if delivery.outcome == "invalid":
            exceptions.open_exception(
                session,
                kind="invalid",
                key=f"invalid:{delivery.event_id}",
                summary=f"Stripe event {delivery.event_id} could not be read: {delivery.note}",
                event_id=delivery.event_id,
            )
        _audit_event(session, delivery, None, ())
        return Received(delivery.outcome, delivery.event_id)
    intent, new = lock_intent(session, _intent_ref(session, seen))
    before = Facts.from_json(intent.facts)
    entry_ids = settle(
        session,
        intent,
        merge(before, seen),
        today=today,
        event_id=delivery.event_id,
        before=before,
        first_sight=new,
        charge_ref=seen.charge_ref,
    )
    _audit_event(session, delivery, intent, entry_ids)
    return Received("processed", delivery.event_id, status=intent.status, entry_ids=entry_ids)


@dataclass(frozen=True)
class _Link:
    """The lease a payment belongs to."""

    lease_id: int | None
    resident_id: int | None = None
    matched_by: str | None = None


def settle(
    session: Session,
    intent: IntentRow,
    facts: Facts,
    *,
    today: date,
    event_id: str | None = None,
    before: Facts | None = None,
    first_sight: bool = False,
    charge_ref: str | None = None,
) -> tuple[int, ...]:
    """Bring a locked payment in step with `facts`: its lease, its `payments` row, its ledger lines, its
    exceptions, then its state row. Returns the ids of the ledger entries posted now.

    `before` is what the state row held (None: not known, so the ledger and the queue are read to see what
    is there already); `first_sight` says the row was created just now (so nothing of it is anywhere yet).
    Each says what need not be read again: a webhook's time goes to its statements. The state row is
    written once, at the end.
    """
    link = _Link(intent.lease_id, intent.resident_id, intent.matched_by)
    if link.lease_id is None:
        link = _match(session, intent, facts, today=today, event_id=event_id, maybe_queued=not first_sight)
    problems = list(facts.conflicts)
    entry_ids: tuple[int, ...] = ()
    payment_id = intent.payment_id
    if facts.currency not in (None, "usd"):
        exceptions.open_exception(
            session,
            kind="currency",
            key=f"currency:{intent.intent_ref}",
            summary=f"Payment {intent.intent_ref} is in {facts.currency.upper()}: only USD is posted",
            intent_id=intent.id,
            event_id=event_id,
            amount_cents=facts.amount_cents,
        )
    elif link.lease_id is not None and facts.amount_cents and facts.initiated_on is not None:
        payment_id = _sync_payment(session, intent, link, facts, before=before)
        maybe_posted = before is None or (before.succeeded and intent.lease_id is not None)
        entry_ids, more = _post_lines(
            session, intent.intent_ref, link, payment_id, facts, today=today, maybe_posted=maybe_posted
        )
        problems += more
    if facts.disputes:
        _queue_disputes(session, intent, facts, event_id=event_id)
    if problems:
        exceptions.open_exception(
            session,
            kind="conflict",
            key=f"conflict:{intent.intent_ref}",
            summary=f"Payment {intent.intent_ref}: " + "; ".join(problems),
            intent_id=intent.id,
            event_id=event_id,
            amount_cents=facts.amount_cents,
        )
    _save(
        session,
        intent,
        facts=facts.to_json(),
        status=facts.status,
        amount_cents=facts.amount_cents,
        customer_ref=facts.customer_ref,
        charge_ref=facts.succeeded_charge or intent.charge_ref or charge_ref,
        lease_id=link.lease_id,
        resident_id=link.resident_id,
        matched_by=link.matched_by,
        payment_id=payment_id,
    )
    return entry_ids


_INTENTS = ProcessorIntent.metadata.tables[ProcessorIntent.__tablename__]
_SAVED = (
    *("facts", "status", "amount_cents", "customer_ref", "charge_ref", "lease_id", "resident_id"),
    *("matched_by", "payment_id", "updated_at"),
)
_SAVE = Prepared(
    update(_INTENTS)
    .where(_INTENTS.c.id == bindparam("intent_id"))
    .values({name: bindparam(f"new_{name}") for name in _SAVED})
)


def _save(session: Session, intent: IntentRow, **values: Any) -> None:
    """Write the state row in one UPDATE, and keep the held copy the same."""
    values["updated_at"] = datetime.now(UTC)
    params = {"intent_id": intent.id, **{f"new_{k}": v for k, v in values.items()}}
    _SAVE.rows(session.connection(), params)
    for name, value in values.items():
        if hasattr(intent, name):
            setattr(intent, name, value)


# -- the steps ----------------------------------------------------------------------------------------


_EVENTS = PaymentEvent.metadata.tables[PaymentEvent.__tablename__]


def _claim_statement(dialect: Any) -> Any:
    return (
        dialect.insert(_EVENTS)
        .on_conflict_do_nothing(index_elements=["processor", "event_id"])
        .returning(_EVENTS.c.id)
    )


_ROW = tuple(_INTENTS.c[name] for name in IntentRow.__slots__)


def _create_statement(dialect: Any) -> Any:
    return (
        dialect.insert(_INTENTS)
        .on_conflict_do_nothing(index_elements=["processor", "intent_ref"])
        .returning(*_ROW)
    )


# Built once, values bound at each execution: building a statement with a whole event in it cost more
# than running it. Plain statements, not the ORM's: a webhook's time went to the ORM's bookkeeping.
_CLAIM = {"postgresql": Prepared(_claim_statement(postgresql)), "sqlite": Prepared(_claim_statement(sqlite))}
_CREATE = {
    "postgresql": Prepared(_create_statement(postgresql)),
    "sqlite": Prepared(_create_statement(sqlite)),
}
_LOCK = Prepared(
    select(*_ROW)
    .where(_INTENTS.c.processor == PROCESSOR, _INTENTS.c.intent_ref == bindparam("intent_ref"))
    .with_for_update()
)


def _dialect(session: Session) -> str:
    name = session.get_bind().dialect.name
    return "postgresql" if name == "postgresql" else "sqlite"


def _claim(session: Session, delivery: Delivery) -> bool:
    """Record the event; False when it is recorded already (committed, or being committed by another
    delivery, which PostgreSQL makes this one wait for)."""
    row = {
        "processor": PROCESSOR,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "intent_ref": delivery.intent_ref,
        "outcome": delivery.outcome,
        "note": delivery.note[:300],
        "occurred_at": delivery.occurred_at,
        "received_at": datetime.now(UTC),
        "payload": delivery.payload,
    }
    return _CLAIM[_dialect(session)].first(session.connection(), row) is not None


def _intent_ref(session: Session, seen: Observation) -> str:
    """The payment an observation is about. An object naming only its charge (a dispute or charge without
    a PaymentIntent) belongs to the payment already known to have that charge, if any."""
    if seen.charge_ref is not None and seen.intent_ref == seen.charge_ref:
        known = session.scalars(
            select(ProcessorIntent.intent_ref).where(
                ProcessorIntent.processor == PROCESSOR, ProcessorIntent.charge_ref == seen.charge_ref
            )
        ).first()
        if known is not None:
            return known
    return seen.intent_ref


def lock_intent(session: Session, intent_ref: str) -> tuple[IntentRow, bool]:
    """The payment's state row, locked for this transaction, and whether it was created just now."""
    connection = session.connection()
    found = _LOCK.first(connection, {"intent_ref": intent_ref})
    if found is not None:
        return IntentRow(*found), False
    now = datetime.now(UTC)
    row = {
        "processor": PROCESSOR,
        "intent_ref": intent_ref,
        "status": "created",
        "facts": {},
        "created_at": now,
        "updated_at": now,
    }
    created = _CREATE[_dialect(session)].first(connection, row)
    if created is not None:
        return IntentRow(*created), True
    # Another delivery created it a moment ago (PostgreSQL made this one wait for its commit).
    again = _LOCK.first(connection, {"intent_ref": intent_ref})
    if again is None:
        raise NoResultFound(f"the state row of {intent_ref}, created by another delivery, is gone")
    return IntentRow(*again), False


def _match(
    session: Session,
    intent: IntentRow,
    facts: Facts,
    *,
    today: date,
    event_id: str | None,
    maybe_queued: bool,
) -> _Link:
    found = match_payment(
        session,
        processor=PROCESSOR,
        metadata=facts.metadata,
        customer_ref=facts.customer_ref,
        paid_on=facts.initiated_on or today,
    )
    key = f"match:{intent.intent_ref}"
    if found.lease_id is not None:
        if maybe_queued:
            exceptions.close_key(session, key, actor=ACTOR, note=f"matched by {found.by}")
        return _Link(found.lease_id, found.resident_id, found.by)
    if found.kind is not None and facts.amount_cents:
        exceptions.open_exception(
            session,
            kind=found.kind,
            key=key,
            summary=f"Payment {intent.intent_ref} has no lease: {found.problem}",
            intent_id=intent.id,
            event_id=event_id,
            amount_cents=facts.amount_cents,
            customer_ref=facts.customer_ref,
        )
    return _Link(None)


def _sync_payment(
    session: Session, intent: IntentRow, link: _Link, facts: Facts, *, before: Facts | None
) -> int:
    """The `payments` row's id, the row created on first need, then kept in step (and left alone when the
    event changed nothing it shows)."""
    assert link.lease_id is not None and facts.amount_cents and facts.initiated_on is not None
    record = payment_record(facts)
    if intent.payment_id is not None and before is not None and payment_record(before) == record:
        return intent.payment_id
    values = {
        "status": record.status,
        "method": record.method,
        "settled_on": record.settled_on,
        "returned_on": record.returned_on,
        "return_code": record.return_code,
        "failure_reason": record.failure_reason,
        "updated_at": datetime.now(UTC),
    }
    if intent.payment_id is None:
        row = {
            "lease_id": link.lease_id,
            "resident_id": link.resident_id,
            "processor": PROCESSOR,
            "processor_ref": intent.intent_ref,
            "amount_cents": facts.amount_cents,
            "initiated_on": facts.initiated_on,
            **values,
        }
        return int(_NEW_PAYMENT.scalar(session.connection(), row))
    _PAYMENT_NOW.rows(
        session.connection(), {"payment_id": intent.payment_id, **{f"new_{k}": v for k, v in values.items()}}
    )
    return intent.payment_id


_PAYMENTS = Payment.metadata.tables[Payment.__tablename__]
_NEW_PAYMENT = Prepared(insert(_PAYMENTS).returning(_PAYMENTS.c.id))
_PAYMENT_NOW = Prepared(
    update(_PAYMENTS)
    .where(_PAYMENTS.c.id == bindparam("payment_id"))
    .values(
        {
            name: bindparam(f"new_{name}")
            for name in ("status", "method", "settled_on", "returned_on", "return_code", "failure_reason")
        }
        | {"updated_at": bindparam("new_updated_at")}
    )
)


_LEDGER = LedgerEntry.metadata.tables[LedgerEntry.__tablename__]
_POSTED = select(_LEDGER.c.id, _LEDGER.c.external_id, _LEDGER.c.kind, _LEDGER.c.amount_cents).where(
    _LEDGER.c.lease_id == bindparam("lease_id"),
    _LEDGER.c.source == SOURCE,
    _LEDGER.c.external_id.like(bindparam("pattern"), escape="/"),
)


def _starts_with(prefix: str) -> str:
    """A LIKE pattern for `prefix` (escaped with `/`, as `startswith(autoescape=True)` does)."""
    escaped = prefix.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"{escaped}%"


def _posted(session: Session, intent_ref: str, lease_id: int) -> dict[str, tuple[int, Posted]]:
    prefix = f"{intent_ref}:"
    rows = session.connection().execute(_POSTED, {"lease_id": lease_id, "pattern": _starts_with(prefix)})
    return {
        external_id.removeprefix(prefix): (entry_id, Posted(EntryKind(kind), amount))
        for entry_id, external_id, kind, amount in rows
        if external_id is not None
    }


def _post_lines(
    session: Session,
    intent_ref: str,
    link: _Link,
    payment_id: int,
    facts: Facts,
    *,
    today: date,
    maybe_posted: bool,
) -> tuple[tuple[int, ...], list[str]]:
    """Post the lines the facts call for and the ledger lacks (read only when some may be there)."""
    assert link.lease_id is not None
    posted = _posted(session, intent_ref, link.lease_id) if maybe_posted else {}
    already = {key: line for key, (_, line) in posted.items()}
    # The fee's terms are read only when a return calls for a fee not posted yet.
    fee_due = facts.return_failure is not None and "nsf" not in already
    nsf = approved_nsf_fee(session, link.lease_id) if fee_due else 0
    lines, problems = plan_lines(facts, already, nsf_fee_cents=nsf)
    if not lines:
        return (), problems
    entry_ids: list[int] = []
    for line in lines:
        is_payment = line.key == "payment"
        if line.reverses_payment and "payment" not in posted:
            problems.append(f"{line.description}: not posted, the payment line is not on the ledger")
            continue
        entry = EntryCreate(
            lease_id=link.lease_id,
            kind=line.kind,
            amount_cents=line.amount_cents,
            effective_on=line.effective_on,
            description=line.description,
            charge_code=line.charge_code,
            source=SOURCE,
            external_id=f"{intent_ref}:{line.key}",
            # Only the payment line names the payment: it is the line the payment paid with.
            payment_id=payment_id if is_payment else None,
            resident_id=link.resident_id if is_payment else None,
            reverses_id=posted["payment"][0] if line.reverses_payment else None,
            created_by=ACTOR,
        )
        try:
            done = post_entry(session, entry, today=today)
        except DoorstepError as exc:
            # The ledger refused the line (the payment reversed by hand meanwhile, a resident taken off
            # the lease...): staff decide. The posting checks before it writes, so nothing is half-done,
            # and the event is still acknowledged: retrying it would be refused the same way forever.
            problems.append(f"{line.description}: not posted, {exc}")
            continue
        posted[line.key] = (done.entry.id, Posted(line.kind, line.amount_cents))
        if done.created:
            entry_ids.append(done.entry.id)
    return tuple(entry_ids), problems


def _queue_disputes(session: Session, intent: IntentRow, facts: Facts, *, event_id: str | None) -> None:
    for ref, dispute in sorted(facts.disputes.items()):
        key = f"dispute:{ref}"
        if dispute.outcome == "open":
            reason = dispute.reason.replace("_", " ") or "no reason given"
            exceptions.open_exception(
                session,
                kind="dispute",
                key=key,
                summary=(
                    f"Chargeback {ref} opened on payment {intent.intent_ref} ({reason}): answer it in Stripe "
                    "before the evidence deadline"
                ),
                intent_id=intent.id,
                event_id=event_id,
                amount_cents=dispute.amount_cents,
                customer_ref=facts.customer_ref,
            )
        else:
            exceptions.close_key(
                session, key, actor=ACTOR, note=f"the processor closed it: {dispute.outcome}"
            )


def _audit_event(
    session: Session, delivery: Delivery, intent: IntentRow | None, entry_ids: tuple[int, ...]
) -> None:
    """The event's line in the audit log (each ledger line it posted has its own, written by the posting)."""
    audit.record(
        session,
        actor=ACTOR,
        action="payment.event",
        subject=f"payment:{intent.intent_ref}" if intent else f"stripe-event:{delivery.event_id}",
        data={
            "event_id": delivery.event_id,
            "type": delivery.event_type,
            "outcome": delivery.outcome,
            "status": intent.status if intent else None,
            "lease_id": intent.lease_id if intent else None,
            "entry_ids": list(entry_ids),
            "note": delivery.note,
        },
    )
