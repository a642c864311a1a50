"""Factories for plain ledger data and for database rows."""

from __future__ import annotations

import itertools
from datetime import date

from sqlalchemy.orm import Session

from app.ledger.types import Entry, EntryKind, LateFeeKind, LateFeeRule, LeaseTerms
from app.models import Lease, LeaseResident, Property, Resident, Unit

_ids = itertools.count(1)


def make_entry(
    kind: EntryKind,
    cents: int,
    on: date,
    *,
    posted: date | None = None,
    description: str = "",
    reverses: int | None = None,
    entry_id: int | None = None,
) -> Entry:
    return Entry(entry_id or next(_ids), kind, cents, on, posted or on, description or kind.value, reverses)


def make_terms(
    *, rent: int = 1_500_00, due_day: int = 1, grace: int = 3, rule: LateFeeRule | None = None
) -> LeaseTerms:
    return LeaseTerms(
        rent_cents=rent,
        due_day=due_day,
        grace_days=grace,
        late_fee=rule or LateFeeRule(LateFeeKind.FLAT, amount_cents=75_00),
    )


def make_household(
    session: Session, *, state: str = "TX", rent: int = 1_500_00, ref: str = "R90001", code: str = "test-prop"
) -> tuple[Resident, Lease]:
    prop = Property(
        code=code,
        name="Test Property",
        address="1 Main St",
        city="Austin",
        state=state,
        postal_code="78701",
        timezone="America/Chicago",
    )
    unit = Unit(property=prop, number="101", bedrooms=1, market_rent_cents=rent)
    resident = Resident(
        ref=ref,
        first_name="Test",
        last_name="Resident",
        email=f"{ref.lower()}@example.com",
        phone="+15125550100",
    )
    lease = Lease(
        ref="L" + ref[1:],
        unit=unit,
        start_on=date(2026, 1, 1),
        end_on=date(2026, 12, 31),
        rent_cents=rent,
        due_day=1,
        grace_days=3,
        late_fee_kind="flat",
        late_fee_amount_cents=75_00,
        nsf_fee_cents=35_00,
    )
    session.add_all([prop, unit, resident, lease])
    session.flush()
    session.add(LeaseResident(lease_id=lease.id, resident_id=resident.id))
    session.flush()
    return resident, lease
