"""Staff decisions on the payment exceptions queue: put a payment on a lease, map a processor customer to a
resident or lease (which settles that customer's waiting payments too), or dismiss an exception.

Each runs inside the caller's transaction, is recorded in the audit log with the staff member who decided,
and posts through the same path as the webhook (`app.payments.ingest.settle`), so a payment assigned by
hand ends with exactly the ledger lines it would have had if its metadata had named the lease.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.errors import Conflict, InvalidInput, NotFound
from app.models import Lease, LeaseResident, PaymentException, ProcessorCustomer, ProcessorIntent, Resident
from app.payments.exceptions import close_exception
from app.payments.ingest import lock_intent, settle
from app.payments.state import Facts
from app.payments.stripe_events import PROCESSOR

ASSIGNABLE = ("unmatched", "mismatch")


@dataclass(frozen=True)
class Assigned:
    exception_id: int
    lease_ref: str
    entry_ids: tuple[int, ...]


def _open_exception(session: Session, exception_id: int) -> PaymentException:
    row = session.get(PaymentException, exception_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no payment exception {exception_id}")
    if row.status != "open":
        raise Conflict(f"payment exception {exception_id} is {row.status} already")
    return row


def _lease(session: Session, ref: str) -> Lease:
    lease = session.scalars(select(Lease).where(Lease.ref == ref.strip().upper())).first()
    if lease is None:
        raise NotFound(f"no lease {ref!r}")
    return lease


def _resident(session: Session, ref: str) -> Resident:
    resident = session.scalars(select(Resident).where(Resident.ref == ref.strip().upper())).first()
    if resident is None:
        raise NotFound(f"no resident {ref!r}")
    return resident


def assign_payment(
    session: Session, exception_id: int, *, lease_ref: str, remember_customer: bool, actor: str, today: date
) -> Assigned:
    """Put the exception's payment on a lease and post what it calls for; with `remember_customer`, the
    payment's customer is mapped to that lease for its next payments."""
    row = _open_exception(session, exception_id)
    if row.kind not in ASSIGNABLE or row.intent_id is None:
        raise InvalidInput(
            f"a {row.kind} exception has no payment to assign: resolve it in Stripe, then dismiss it"
        )
    lease = _lease(session, lease_ref)
    ref = session.scalar(select(ProcessorIntent.intent_ref).where(ProcessorIntent.id == row.intent_id))
    assert ref is not None  # a foreign key
    intent, _ = lock_intent(session, ref)
    if intent.lease_id is not None:
        raise Conflict(f"payment {intent.intent_ref} is on a lease already")
    intent.lease_id, intent.matched_by = lease.id, actor[:20]
    entry_ids = settle(session, intent, Facts.from_json(intent.facts), today=today)
    close_exception(session, row, actor=actor, note=f"assigned to lease {lease.ref}")
    audit.record(
        session,
        actor=actor,
        action="payment.assign",
        subject=f"lease:{lease.id}",
        data={"intent": intent.intent_ref, "exception_id": row.id, "entry_ids": list(entry_ids)},
    )
    if remember_customer and intent.customer_ref:
        map_customer(session, customer_ref=intent.customer_ref, lease_ref=lease.ref, actor=actor, today=today)
    return Assigned(row.id, lease.ref, entry_ids)


def dismiss_exception(session: Session, exception_id: int, *, note: str, actor: str) -> None:
    """Close an exception with nothing posted (handled elsewhere, a test payment, a duplicate)."""
    close_exception(
        session, _open_exception(session, exception_id), actor=actor, note=note, status="dismissed"
    )


@dataclass(frozen=True)
class Mapped:
    customer_ref: str
    lease_ref: str | None
    resident_ref: str | None
    settled: int
    """Waiting payments of this customer that found their lease."""


def map_customer(
    session: Session,
    *,
    customer_ref: str,
    actor: str,
    today: date,
    lease_ref: str | None = None,
    resident_ref: str | None = None,
) -> Mapped:
    """Record that a processor customer pays for a lease (or for a resident, whose lease on each payment's
    day is used), then settle that customer's payments still waiting for a lease."""
    if not (lease_ref or resident_ref):
        raise InvalidInput("name the lease (lease_ref) or the resident (resident_ref) the customer pays for")
    lease = _lease(session, lease_ref) if lease_ref else None
    resident = _resident(session, resident_ref) if resident_ref else None
    if lease and resident and session.get(LeaseResident, (lease.id, resident.id)) is None:
        raise InvalidInput(f"resident {resident.ref} is not on lease {lease.ref}")
    mapping = session.scalars(
        select(ProcessorCustomer)
        .where(ProcessorCustomer.processor == PROCESSOR, ProcessorCustomer.customer_ref == customer_ref)
        .with_for_update()
    ).first()
    if mapping is None:
        mapping = ProcessorCustomer(processor=PROCESSOR, customer_ref=customer_ref, created_by=actor)
        session.add(mapping)
    mapping.lease_id = lease.id if lease else None
    mapping.resident_id = resident.id if resident else None
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="payment.customer.map",
        subject=f"customer:{customer_ref}",
        data={"lease_id": mapping.lease_id, "resident_id": mapping.resident_id},
    )
    waiting = session.scalars(
        select(ProcessorIntent.intent_ref).where(
            ProcessorIntent.processor == PROCESSOR,
            ProcessorIntent.customer_ref == customer_ref,
            ProcessorIntent.lease_id.is_(None),
        )
    ).all()
    settled = 0
    for intent_ref in waiting:
        intent, _ = lock_intent(session, intent_ref)
        if intent.lease_id is None:
            settle(session, intent, Facts.from_json(intent.facts), today=today)
            settled += intent.lease_id is not None
    return Mapped(customer_ref, lease.ref if lease else None, resident.ref if resident else None, settled)
