"""Shared helpers for the payment tests: households to pay into, delivering events, reading the ledger."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.ledger.balance import summarize_balance
from app.ledger.posting import EntryCreate, post_entry
from app.ledger.queries import lease_entries
from app.ledger.types import EntryKind
from app.models import (
    AuditRecord,
    CollectionSettings,
    LedgerEntry,
    Payment,
    PaymentEvent,
    ProcessorIntent,
    Unit,
)
from app.payments.ingest import Received, ingest
from app.payments.stripe_events import read_delivery
from tests.factories import make_household
from tests.support.databases import DEMO_AS_OF, Database

TODAY = DEMO_AS_OF
TZ = ZoneInfo("America/Chicago")
RENT = 1_500_00
NSF = 35_00


@dataclass(frozen=True)
class Household:
    lease_id: int
    lease_ref: str
    resident_id: int
    resident_ref: str


def make_households(
    db: Database, count: int, *, rent: int = RENT, charge_rent: bool = True, fees_approved: bool = True
) -> list[Household]:
    """`count` leases (rent 1,500.00, NSF fee 35.00), each with November's rent charged, each of its own
    property, whose manager (by default) has given the standing approval for fees."""
    made = []
    with db.sessions.begin() as s:
        for n in range(count):
            resident, lease = make_household(s, ref=f"R9{n:04d}", code=f"prop-{n}", rent=rent)
            made.append(Household(lease.id, lease.ref, resident.id, resident.ref))
            if fees_approved:
                unit = s.get(Unit, lease.unit_id)
                assert unit is not None
                s.add(
                    CollectionSettings(
                        property_id=unit.property_id,
                        config={"post_late_fees": True},
                        updated_by="manager@test",
                    )
                )
            if charge_rent:
                post_entry(
                    s,
                    EntryCreate(
                        lease_id=lease.id,
                        kind=EntryKind.RENT,
                        amount_cents=rent,
                        effective_on=date(2026, 11, 1),
                        description="Rent - November 2026",
                    ),
                    today=date(2026, 11, 1),
                )
    return made


def deliver(db: Database, evt: dict[str, Any], *, today: date = TODAY) -> Received:
    """One delivery through the service (as the webhook does after the signature check)."""
    return ingest(db.sessions, read_delivery(json.dumps(evt).encode(), tz=TZ), today=today)


def ledger(db: Database, lease_id: int) -> list[tuple[Any, ...]]:
    """The lease's Stripe lines, comparable across leases: (key, kind, cents, effective date, reverses key,
    names its payment, names its resident)."""
    with db.sessions() as s:
        rows = s.scalars(
            select(LedgerEntry).where(LedgerEntry.lease_id == lease_id, LedgerEntry.source == "stripe")
        ).all()
        keys = {r.id: (r.external_id or "").split(":", 1)[1] for r in rows}
        return sorted(
            (
                keys[r.id],
                r.kind,
                r.amount_cents,
                r.effective_on,
                keys.get(r.reverses_id) if r.reverses_id else None,
                r.payment_id is not None,
                r.resident_id is not None,
                r.posted_on,
            )
            for r in rows
        )


def balance(db: Database, lease_id: int) -> int:
    with db.sessions() as s:
        return summarize_balance(lease_entries(s, lease_id, as_of=TODAY), TODAY).total_cents


def payment_row(db: Database, lease_id: int) -> tuple[Any, ...] | None:
    with db.sessions() as s:
        p = s.scalars(select(Payment).where(Payment.lease_id == lease_id)).first()
        if p is None:
            return None
        return (
            p.status,
            p.method,
            p.amount_cents,
            p.initiated_on,
            p.settled_on,
            p.returned_on,
            p.return_code,
        )


def intent_status(db: Database, intent_ref: str) -> str | None:
    with db.sessions() as s:
        return s.scalar(select(ProcessorIntent.status).where(ProcessorIntent.intent_ref == intent_ref))


def count(db: Database, model: type[Any]) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def counts(db: Database) -> dict[str, int]:
    return {
        m.__tablename__: count(db, m)
        for m in (PaymentEvent, ProcessorIntent, Payment, LedgerEntry, AuditRecord)
    }
