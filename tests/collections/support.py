"""Factories for collections tests: plain account facts, and leases with ledgers in a database."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.collections.facts import AccountFacts, ResidentFact
from app.collections.run import run_collections
from app.collections.schemas import RunReport
from app.db import transaction
from app.ledger.posting import EntryCreate, post_entry
from app.ledger.types import EntryKind, LateFeeKind, LateFeeRule
from app.models import CollectionSettings, Lease, Payment, Unit
from app.payments.ingest import receive
from app.payments.stripe_events import read_delivery
from tests.factories import make_household
from tests.support.databases import Database

NOV_1 = date(2026, 11, 1)
_refs = itertools.count(1)


def make_facts(**overrides: Any) -> AccountFacts:
    """An account that owes November's rent in full on Nov 10, with nothing in the way."""
    values: dict[str, Any] = {
        "lease_id": 1,
        "lease_ref": "L1",
        "property_id": 1,
        "property_code": "test-prop",
        "state": "TX",
        "unit": "101",
        "lease_status": "active",
        "start_on": date(2026, 1, 1),
        "moved_out_on": None,
        "rent_cents": 1_500_00,
        "due_day": 1,
        "grace_days": 3,
        "late_fee": LateFeeRule(LateFeeKind.FLAT, amount_cents=75_00),
        "as_of": date(2026, 11, 10),
        "period_on": NOV_1,
        "next_due_on": date(2026, 12, 1),
        "balance_cents": 1_500_00,
        "owed_cents": 1_500_00,
        "rent_owed_cents": 1_500_00,
        "cleared_cents": 0,
        "short_cents": 1_500_00,
        "rent_short_cents": 1_500_00,
        "late_fee_charged": False,
        "last_paid_on": None,
        "residents": (
            ResidentFact(
                ref="R1", name="Test Resident", phone="+15125550100", do_not_contact=False, language="en"
            ),
        ),  # fmt: skip
    }
    values.update(overrides)
    return AccountFacts(**values)


def make_lease(
    session: Session,
    *,
    state: str = "TX",
    rent: int = 1_500_00,
    due_day: int = 1,
    grace: int = 3,
    fee: int = 75_00,
    fees_approved: bool = True,
) -> Lease:
    """A lease of its own property (in `state`) owing nothing yet; by default its manager has given the
    standing approval for fees (`post_late_fees`)."""
    n = next(_refs)
    _, lease = make_household(session, state=state, rent=rent, ref=f"R{80000 + n}", code=f"prop-{n}")
    lease.due_day, lease.grace_days, lease.late_fee_amount_cents = due_day, grace, fee
    if fees_approved:
        unit = session.get(Unit, lease.unit_id)
        assert unit is not None
        session.add(
            CollectionSettings(
                property_id=unit.property_id, config={"post_late_fees": True}, updated_by="manager@test"
            )
        )
    session.flush()
    return lease


def post(session: Session, lease: Lease, kind: EntryKind, cents: int, on: date, **extra: Any) -> int:
    """A ledger line effective and posted on `on` (payments and credits: pass negative cents)."""
    entry = post_entry(
        session,
        EntryCreate(
            lease_id=lease.id,
            kind=kind,
            amount_cents=cents,
            effective_on=on,
            description=extra.pop("description", kind.value.replace("_", " ").title()),
            **extra,
        ),
        today=on,
    )
    return entry.entry.id


def rent(session: Session, lease: Lease, on: date = NOV_1) -> int:
    return post(session, lease, EntryKind.RENT, lease.rent_cents, on, charge_code="rent")


def pay(session: Session, lease: Lease, cents: int, on: date) -> int:
    return post(session, lease, EntryKind.PAYMENT, -cents, on)


def pending_ach(session: Session, lease: Lease, cents: int, on: date, ref: str = "py_pending") -> Payment:
    """An ACH payment initiated and still processing: a `payments` row, nothing on the ledger."""
    payment = Payment(
        lease_id=lease.id,
        processor="stripe",
        processor_ref=ref,
        method="ach",
        amount_cents=cents,
        status="pending",
        initiated_on=on,
    )
    session.add(payment)
    session.flush()
    return payment


def run(db: Database, day: date) -> RunReport:
    with transaction(db.sessions) as session:
        return run_collections(session, run_on=day, today=day, data_dir=db.settings.data_dir)


def run_days(db: Database, first: date, last: date) -> list[RunReport]:
    from datetime import timedelta

    out = []
    day = first
    while day <= last:
        out.append(run(db, day))
        day += timedelta(days=1)
    return out


TZ = ZoneInfo("America/Chicago")
ACH, CARD = "us_bank_account", "card"


def _ts(day: date, hour: int) -> int:
    return int(datetime.combine(day, time(hour), tzinfo=TZ).timestamp())


@dataclass
class StripePayment:
    """One payment through Stripe and the events of its life, in Stripe's format (metadata names the
    lease, as the portal that creates the PaymentIntent does)."""

    pi: str
    amount: int
    lease: str
    method: str = ACH
    paid_on: date = NOV_1

    @property
    def charge(self) -> str:
        return self.pi.replace("pi_", "ch_")

    def _event(self, kind: str, obj: dict[str, Any], day: date, hour: int) -> dict[str, Any]:
        return {
            "id": f"evt_{self.pi}_{kind.replace('.', '_')}",
            "object": "event",
            "created": _ts(day, hour),
            "livemode": False,
            "type": kind,
            "data": {"object": obj},
        }

    def _intent(self, status: str) -> dict[str, Any]:
        return {
            "id": self.pi,
            "object": "payment_intent",
            "amount": self.amount,
            "currency": "usd",
            "created": _ts(self.paid_on, 9),
            "customer": None,
            "metadata": {"lease_id": self.lease},
            "latest_charge": self.charge,
            "payment_method_types": [self.method],
            "status": status,
        }

    def processing(self) -> dict[str, Any]:
        return self._event("payment_intent.processing", self._intent("processing"), self.paid_on, 9)

    def succeeded(self, on: date) -> dict[str, Any]:
        return self._event("payment_intent.succeeded", self._intent("succeeded"), on, 10)

    def returned(self, on: date) -> dict[str, Any]:
        """The bank returned the debit after it had succeeded (R01)."""
        charge = {
            "id": self.charge,
            "object": "charge",
            "amount": self.amount,
            "currency": "usd",
            "created": _ts(self.paid_on, 9),
            "payment_intent": self.pi,
            "status": "failed",
            "failure_code": "insufficient_funds",
            "payment_method_details": {"type": self.method},
        }
        return self._event("charge.failed", charge, on, 11)

    def dispute_created(self, on: date) -> dict[str, Any]:
        dispute = {
            "id": self.pi.replace("pi_", "dp_"),
            "object": "dispute",
            "amount": self.amount,
            "currency": "usd",
            "created": _ts(on, 9),
            "charge": self.charge,
            "payment_intent": self.pi,
            "reason": "fraudulent",
            "status": "needs_response",
        }
        return self._event("charge.dispute.created", dispute, on, 9)


def deliver(db: Database, event: dict[str, Any], today: date) -> None:
    """Receive a Stripe-format event as the webhook does once its signature is checked."""
    with transaction(db.sessions) as session:
        receive(session, read_delivery(json.dumps(event).encode(), tz=TZ), today=today)
