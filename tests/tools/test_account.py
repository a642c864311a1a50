from __future__ import annotations

from datetime import date

from app.models import Lease, LeaseResident, Resident
from tests.factories import make_household
from tests.support.databases import Database
from tools.account import Profile, load_account, load_profile
from tools.context import ResidentContext


def _context(
    db: Database, resident_id: int | None, today: date, property_code: str | None = None
) -> ResidentContext:
    return ResidentContext(
        resident_id=resident_id, sessions=db.sessions, today=today, property_code=property_code
    )


def _next_lease(db: Database, resident_id: int, lease_id: int, start: date) -> int:
    """A renewal of `lease_id` for the same resident and unit, starting on `start`."""
    with db.sessions.begin() as s:
        old = s.get(Lease, lease_id)
        assert old is not None
        new = Lease(
            ref=f"{old.ref}-{start.year}",
            unit_id=old.unit_id,
            start_on=start,
            end_on=date(start.year, 12, 31),
            rent_cents=old.rent_cents,
            due_day=1,
            grace_days=3,
            late_fee_kind="flat",
            late_fee_amount_cents=75_00,
            nsf_fee_cents=35_00,
        )
        s.add(new)
        s.flush()
        s.add(LeaseResident(lease_id=new.id, resident_id=resident_id))
        return new.id


def test_the_profile_names_the_lease_load_account_chooses(db: Database) -> None:
    with db.sessions.begin() as s:
        resident, lease = make_household(s)
        resident_id, lease_id = resident.id, lease.id
    renewal = _next_lease(db, resident_id, lease_id, date(2027, 1, 1))
    for today, expected in (
        (date(2026, 6, 1), lease_id),
        (date(2027, 2, 1), renewal),
        (date(2025, 6, 1), renewal),
    ):
        ctx = _context(db, resident_id, today)
        with db.sessions() as s:
            account = load_account(s, ctx)
            profile = load_profile(s, ctx)
        assert account is not None and account.lease.id == profile.lease_id == expected
        assert profile == Profile(expected, "Test", False, "Test Property", account.property.office_phone)


def test_a_resident_without_a_lease_is_pointed_to_the_property_asked_about(db: Database) -> None:
    with db.sessions.begin() as s:
        make_household(s)
        loner = Resident(
            ref="R90009", first_name="Ana", last_name="Solo", email="ana@example.com", do_not_contact=True
        )
        s.add(loner)
        s.flush()
        loner_id = loner.id
    with db.sessions() as s:
        asked = load_profile(s, _context(db, loner_id, date(2026, 6, 1), property_code="test-prop"))
        unasked = load_profile(s, _context(db, loner_id, date(2026, 6, 1)))
        anonymous = load_profile(s, _context(db, None, date(2026, 6, 1), property_code="test-prop"))
        nobody = load_profile(s, _context(db, None, date(2026, 6, 1)))
    assert asked == Profile(None, "Ana", True, "Test Property", asked.office_phone)
    assert unasked == Profile(None, "Ana", True)
    assert anonymous == Profile(None, None, False, "Test Property", asked.office_phone)
    assert nobody == Profile()
