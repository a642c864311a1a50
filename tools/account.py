"""Loading the authenticated resident's account. Every tool starts here, so scoping lives in one place."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.accounts import choose_lease, resident_leases
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
    found = None
    if ctx.lease_id is not None:
        found = resident_leases(session, ctx.resident_id, lease_id=ctx.lease_id)
    found = found or resident_leases(session, ctx.resident_id)
    if found is None:
        return None
    resident, leases = found
    lease = choose_lease(leases, as_of=ctx.today)
    return Account(resident, lease, lease.unit.property)


@dataclass(frozen=True)
class Profile:
    """What a turn needs of the resident before any tool runs: the lease the tools will read, how to address
    them, and which office to point them to."""

    lease_id: int | None = None
    first_name: str | None = None
    do_not_contact: bool = False
    property_name: str | None = None
    office_phone: str | None = None


# The same scoping join as `load_account` (leases reached through the resident only), reading the few
# columns a turn's context needs rather than four whole rows: every turn runs it before the graph does.
_PROFILE = (
    select(
        Resident.first_name,
        Resident.do_not_contact,
        Lease.id.label("lease_id"),
        Lease.start_on,
        Lease.moved_out_on,
        Property.name.label("property_name"),
        Property.office_phone,
    )
    .select_from(Resident)
    .outerjoin(LeaseResident, LeaseResident.resident_id == Resident.id)
    .outerjoin(Lease, Lease.id == LeaseResident.lease_id)
    .outerjoin(Unit, Unit.id == Lease.unit_id)
    .outerjoin(Property, Property.id == Unit.property_id)
    .where(Resident.id == bindparam("resident_id"))
    .order_by(Lease.start_on.desc(), Lease.id.desc())
)
_OFFICE = select(Property.name, Property.office_phone).where(Property.code == bindparam("code")).limit(1)


def load_profile(session: Session, ctx: ResidentContext) -> Profile:
    """The turn's resident as `Profile`: their current lease chosen as `load_account` chooses it. Without a
    lease (or a resident), the office is the property the question names (`ctx.property_code`), if any."""
    found = ctx.resident_id is not None
    rows = session.execute(_PROFILE, {"resident_id": ctx.resident_id}).all() if found else []
    leases = [row for row in rows if row.lease_id is not None]
    if leases:
        row = choose_lease(leases, as_of=ctx.today)
        return Profile(
            row.lease_id, row.first_name, bool(row.do_not_contact), row.property_name, row.office_phone
        )
    office = session.execute(_OFFICE, {"code": ctx.property_code}).first() if ctx.property_code else None
    return Profile(
        None,
        rows[0].first_name if rows else None,
        bool(rows and rows[0].do_not_contact),
        office.name if office else None,
        office.office_phone if office else None,
    )


def open_dispute(session: Session, lease_id: int) -> Dispute | None:
    return session.scalars(_OPEN_DISPUTE, {"lease_id": lease_id}).first()


def active_plan(session: Session, lease_id: int) -> PaymentPlan | None:
    return session.scalars(_ACTIVE_PLAN, {"lease_id": lease_id}).first()


def _unit_key(unit: str) -> str:
    return "".join(c for c in unit.upper() if c.isalnum()).lstrip("0")


def names_another_unit(ctx: ResidentContext, units: list[str]) -> bool:
    """Whether a message's unit mentions ("4B", "210") name a unit other than the resident's own.

    Scoping is the tools' job: the planner reads units from the message, only this compares them with the
    lease. With no account to compare against, any unit named is someone else's.
    """
    if not units:
        return False
    with ctx.sessions() as session:
        account = load_account(session, ctx)
        own = _unit_key(account.lease.unit.number) if account is not None else None
    return any(_unit_key(unit) != own for unit in units)
