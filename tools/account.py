"""Loading the authenticated resident's account. Every tool starts here, so scoping lives in one place."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts import choose_lease
from app.models import Dispute, Lease, LeaseResident, PaymentPlan, Property, Resident, Unit
from tools.context import ResidentContext

NO_RESIDENT = (
    "I can only look at an account once you are signed in to your resident portal or texting from "
    "the phone number on your lease."
)


@dataclass(frozen=True)
class Account:
    resident: Resident
    lease: Lease
    property: Property


_ACCOUNT = (
    select(Resident, Lease, Unit, Property)
    .join(LeaseResident, LeaseResident.resident_id == Resident.id)
    .join(Lease, Lease.id == LeaseResident.lease_id)
    .join(Unit, Unit.id == Lease.unit_id)
    .join(Property, Property.id == Unit.property_id)
    .where(Resident.id == bindparam("resident_id"))
    .order_by(Lease.start_on.desc())
)
_ACCOUNT_ON_LEASE = _ACCOUNT.where(Lease.id == bindparam("lease_id"))
# Statements every turn runs are built once, with bound parameters: building one per call cost as
# much in SQLAlchemy as running it.
_OPEN_DISPUTE = (
    select(Dispute)
    .where(Dispute.lease_id == bindparam("lease_id"), Dispute.status == "open")
    .order_by(Dispute.id)
    .limit(1)
)
_ACTIVE_PLAN = (
    select(PaymentPlan)
    .where(PaymentPlan.lease_id == bindparam("lease_id"), PaymentPlan.status.in_(("active", "proposed")))
    .order_by(PaymentPlan.id.desc())
    .limit(1)
)


def load_account(session: Session, ctx: ResidentContext) -> Account | None:
    """The resident of the conversation and their current lease, or None when there is none.

    The resident id comes from the authenticated context only: no tool accepts one as an argument. One
    statement reads the resident with their leases, units and properties side by side; when the turn has
    already chosen the lease (`ctx.lease_id`) it reads that lease only, still joined through the
    resident, so a lease id can never reach another resident's account.
    """
    if ctx.resident_id is None:
        return None
    rows = (
        session.execute(_ACCOUNT_ON_LEASE, {"resident_id": ctx.resident_id, "lease_id": ctx.lease_id}).all()
        if ctx.lease_id is not None
        else []
    )
    if not rows:
        rows = session.execute(_ACCOUNT, {"resident_id": ctx.resident_id}).all()
    if not rows:
        return None
    for _, lease, unit, prop in rows:
        set_committed_value(unit, "property", prop)
        set_committed_value(lease, "unit", unit)
    lease = choose_lease([row[1] for row in rows], as_of=ctx.today)
    return Account(rows[0][0], lease, lease.unit.property)


def open_dispute(session: Session, lease_id: int) -> Dispute | None:
    return session.scalars(_OPEN_DISPUTE, {"lease_id": lease_id}).first()


def active_plan(session: Session, lease_id: int) -> PaymentPlan | None:
    return session.scalars(_ACTIVE_PLAN, {"lease_id": lease_id}).first()
