"""The payment exceptions queue: payments staff must look at, one row per `key`.

- unmatched: no lease found for the payment (its metadata names none, its customer is not mapped);
- mismatch: its metadata contradicts itself (a lease, and a resident who is not on it);
- dispute: a chargeback is open (answer it in Stripe before the evidence deadline); closes by itself
  when the processor reports the outcome;
- conflict: events disagreed, or more money would go back than came in;
- currency: a payment in a currency other than USD (not posted);
- invalid: a signed event Doorstep could not read (kept in `payment_events`).

Opening is idempotent by key, and an exception staff closed stays closed. Every open and close is in
the audit log.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, cast

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.models import Lease, PaymentException, ProcessorIntent
from app.payments.stripe_events import PROCESSOR

Kind = Literal["unmatched", "mismatch", "dispute", "conflict", "currency", "invalid"]
ExceptionStatus = Literal["open", "resolved", "dismissed"]


class PaymentExceptionPublic(BaseModel):
    """One queue row, as staff see it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: Kind
    status: ExceptionStatus
    summary: str
    intent_ref: str | None
    payment_status: str | None
    """The payment's latest state (processing, succeeded, returned...)."""
    amount_cents: int | None
    customer_ref: str | None
    lease_ref: str | None
    """The lease the payment went to, once matched."""
    event_id: str | None
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    resolution_note: str | None


def _find(session: Session, key: str) -> PaymentException | None:
    return session.scalars(
        select(PaymentException).where(PaymentException.processor == PROCESSOR, PaymentException.key == key)
    ).first()


def open_exception(
    session: Session,
    *,
    kind: Kind,
    key: str,
    summary: str,
    intent_id: int | None = None,
    event_id: str | None = None,
    amount_cents: int | None = None,
    customer_ref: str | None = None,
) -> PaymentException:
    """Queue `key` for staff, inside the caller's transaction. Already queued: the summary is brought up
    to date while it is open; once closed it stays closed."""
    found = _find(session, key)
    if found is not None:
        if found.status == "open" and (found.summary, found.kind) != (summary, kind):
            found.summary, found.kind = summary, kind
        return found
    row = PaymentException(
        processor=PROCESSOR,
        key=key,
        kind=kind,
        status="open",
        summary=summary,
        intent_id=intent_id,
        event_id=event_id,
        amount_cents=amount_cents,
        customer_ref=customer_ref,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor="stripe-webhook",
        action="payment.exception.open",
        subject=f"payment-exception:{row.id}",
        data={"kind": kind, "key": key, "summary": summary, "event_id": event_id},
    )
    return row


def close_exception(
    session: Session,
    row: PaymentException,
    *,
    actor: str,
    note: str,
    status: Literal["resolved", "dismissed"] = "resolved",
) -> bool:
    """Close an open exception (False when it was not open)."""
    if row.status != "open":
        return False
    row.status, row.resolved_at, row.resolved_by, row.resolution_note = status, datetime.now(UTC), actor, note
    audit.record(
        session,
        actor=actor,
        action=f"payment.exception.{status}",
        subject=f"payment-exception:{row.id}",
        data={"kind": row.kind, "key": row.key, "note": note},
    )
    return True


def close_key(session: Session, key: str, *, actor: str, note: str) -> bool:
    found = _find(session, key)
    return found is not None and close_exception(session, found, actor=actor, note=note)


def list_exceptions(
    session: Session,
    *,
    status: ExceptionStatus | None = "open",
    limit: int = 100,
    offset: int = 0,
    exception_id: int | None = None,
) -> list[PaymentExceptionPublic]:
    """The queue, oldest first (all statuses when `status` is None; only one with `exception_id`)."""
    query = (
        select(PaymentException, ProcessorIntent, Lease.ref)
        .outerjoin(ProcessorIntent, ProcessorIntent.id == PaymentException.intent_id)
        .outerjoin(Lease, Lease.id == ProcessorIntent.lease_id)
        .order_by(PaymentException.created_at, PaymentException.id)
        .limit(limit)
        .offset(offset)
    )
    if status is not None:
        query = query.where(PaymentException.status == status)
    if exception_id is not None:
        query = query.where(PaymentException.id == exception_id)
    return [
        PaymentExceptionPublic(
            id=row.id,
            kind=cast(Kind, row.kind),  # the table's CHECK constraints hold both to their sets
            status=cast(ExceptionStatus, row.status),
            summary=row.summary,
            intent_ref=intent.intent_ref if intent else None,
            payment_status=intent.status if intent else None,
            amount_cents=row.amount_cents
            if row.amount_cents is not None
            else (intent.amount_cents if intent else None),
            customer_ref=row.customer_ref,
            lease_ref=lease_ref,
            event_id=row.event_id,
            created_at=row.created_at,
            resolved_at=row.resolved_at,
            resolved_by=row.resolved_by,
            resolution_note=row.resolution_note,
        )
        for row, intent, lease_ref in session.execute(query)
    ]


def open_exceptions(session: Session, *, limit: int = 100) -> list[PaymentExceptionPublic]:
    """The payments waiting on staff, oldest first."""
    return list_exceptions(session, status="open", limit=limit)
