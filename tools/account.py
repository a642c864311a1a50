"""Loading the authenticated resident's account. Every tool starts here, so scoping lives in one place."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import current_lease
from app.errors import NotFound
from app.models import Dispute, Lease, PaymentPlan, Property, Resident
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


def load_account(session: Session, ctx: ResidentContext) -> Account | None:
    """The resident of the conversation and their current lease, or None when there is none.

    The resident id comes from the authenticated context only: no tool accepts one as an argument.
    """
    if ctx.resident_id is None:
        return None
    resident = session.get(Resident, ctx.resident_id)
    if resident is None:
        return None
    try:
        lease = current_lease(session, resident, as_of=ctx.today)
    except NotFound:
        return None
    return Account(resident, lease, lease.unit.property)


def open_dispute(session: Session, lease_id: int) -> Dispute | None:
    return session.scalars(
        select(Dispute).where(Dispute.lease_id == lease_id, Dispute.status == "open").order_by(Dispute.id)
    ).first()


def active_plan(session: Session, lease_id: int) -> PaymentPlan | None:
    return session.scalars(
        select(PaymentPlan)
        .where(PaymentPlan.lease_id == lease_id, PaymentPlan.status.in_(("active", "proposed")))
        .order_by(PaymentPlan.id.desc())
    ).first()
