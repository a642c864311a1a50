"""Creating leases: validated terms, residents attached, audited. Terms are never edited in place."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app import audit
from app.accounts import find_resident
from app.bounds import LedgerDate, PlainText
from app.errors import Conflict, InvalidInput, NotFound
from app.ledger.types import LateFeeKind, PaymentMethod
from app.models import Lease, LeaseResident, Property, Unit

Cents = Annotated[StrictInt, Field(ge=0, le=10**9)]
MAX_RESIDENTS = 10
"""Residents named on one lease: a household, not a building."""
ResidentRef = Annotated[PlainText, Field(min_length=1, max_length=254)]


class LeaseCreate(BaseModel):
    """A new lease. Amounts are integer cents; rent is required and must be positive."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    property_code: Annotated[PlainText, Field(min_length=1, max_length=40)]
    unit: Annotated[PlainText, Field(min_length=1, max_length=20)]
    residents: Annotated[
        list[ResidentRef],
        Field(
            min_length=1,
            max_length=MAX_RESIDENTS,
            description="Resident references, emails or phones; the first is the primary resident.",
        ),
    ]
    start_on: LedgerDate
    end_on: LedgerDate | None = None
    rent_cents: Annotated[StrictInt, Field(gt=0, le=10**8, description="Monthly rent in cents; required.")]
    due_day: Annotated[StrictInt, Field(ge=1, le=28)] = 1
    grace_days: Annotated[StrictInt, Field(ge=0, le=31)] = 3
    late_fee_kind: LateFeeKind = LateFeeKind.FLAT
    late_fee_amount_cents: Cents = 0
    late_fee_percent_bp: Annotated[StrictInt, Field(ge=0, le=10_000)] = 0
    late_fee_daily_cents: Cents = 0
    late_fee_cap_cents: Cents | None = None
    nsf_fee_cents: Cents = 0
    deposit_cents: Cents = 0
    accepted_methods: Annotated[list[PaymentMethod], Field(min_length=1, max_length=len(PaymentMethod))] = [
        PaymentMethod.ACH,
        PaymentMethod.CARD,
        PaymentMethod.CHECK,
    ]

    @model_validator(mode="after")
    def _consistent(self) -> LeaseCreate:
        if self.end_on is not None and self.end_on <= self.start_on:
            raise ValueError("end_on must be after start_on")
        if self.late_fee_kind is LateFeeKind.PERCENT and not self.late_fee_percent_bp:
            raise ValueError("a percent late fee needs late_fee_percent_bp (basis points: 500 = 5%)")
        if self.late_fee_kind is LateFeeKind.DAILY and not self.late_fee_daily_cents:
            raise ValueError("a daily late fee needs late_fee_daily_cents")
        if not self.accepted_methods:
            raise ValueError("accepted_methods must name at least one payment method")
        return self


def create_lease(session: Session, data: LeaseCreate, *, actor: str, today: date) -> Lease:
    """Create a lease on an existing unit for existing residents, inside the caller's transaction."""
    unit = session.scalars(
        select(Unit).join(Property).where(Property.code == data.property_code, Unit.number == data.unit)
    ).first()
    if unit is None:
        raise NotFound(f"no unit {data.unit!r} at property {data.property_code!r}")
    residents = [find_resident(session, ref) for ref in data.residents]
    if len({r.id for r in residents}) != len(residents):
        raise InvalidInput("the same resident is named twice")
    if clash := _overlapping_lease(
        session, unit_id=unit.id, start_on=data.start_on, end_on=data.end_on, today=today
    ):
        raise Conflict(
            f"unit {data.unit} already has {clash.status} lease {clash.ref} ({_span(clash)}), "
            f"which overlaps the new lease's {data.start_on.isoformat()} to {_open_end(data.end_on)}"
        )
    next_id = (session.scalar(select(Lease.id).order_by(Lease.id.desc()).limit(1)) or 0) + 1
    lease = Lease(
        ref=f"L{20000 + next_id}",
        unit_id=unit.id,
        status="future" if data.start_on > today else "active",
        **data.model_dump(
            exclude={"property_code", "unit", "residents", "late_fee_kind", "accepted_methods"}
        ),
        late_fee_kind=data.late_fee_kind.value,
        accepted_methods=",".join(m.value for m in data.accepted_methods),
    )
    session.add(lease)
    session.flush()
    for n, resident in enumerate(residents):
        session.add(
            LeaseResident(
                lease_id=lease.id, resident_id=resident.id, role="primary" if n == 0 else "co-tenant"
            )
        )
    audit.record(
        session,
        actor=actor,
        action="lease.create",
        subject=f"lease:{lease.id}",
        data=data.model_dump(mode="json"),
    )
    session.flush()
    return lease


def _overlapping_lease(
    session: Session, *, unit_id: int, start_on: date, end_on: date | None, today: date
) -> Lease | None:
    """The first lease on the unit whose dates meet `start_on`..`end_on` (both inclusive; None: open),
    whatever its status: a future lease holds its dates as firmly as an active one. A lease runs to its
    move-out date, or to its end date when nobody has moved out, or on when it has neither. An ended
    lease is over by today at the latest, so it never holds a new lease that starts after today."""
    last_day = func.coalesce(Lease.moved_out_on, Lease.end_on)
    query = select(Lease).where(Lease.unit_id == unit_id, or_(last_day.is_(None), last_day >= start_on))
    if end_on is not None:
        query = query.where(Lease.start_on <= end_on)
    if start_on > today:
        query = query.where(Lease.status != "ended")
    return session.scalars(query.order_by(Lease.start_on, Lease.id).limit(1)).first()


def _span(lease: Lease) -> str:
    last = lease.moved_out_on or lease.end_on
    return f"{lease.start_on.isoformat()} to {_open_end(last)}"


def _open_end(day: date | None) -> str:
    return day.isoformat() if day is not None else "no end date"
