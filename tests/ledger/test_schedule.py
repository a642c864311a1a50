from __future__ import annotations

from datetime import date

from app.ledger.jurisdictions import jurisdiction_for
from app.ledger.schedule import add_months, due_date_in, next_due
from app.ledger.types import LateFeeKind, LateFeeRule, LeaseTerms
from tests.factories import make_terms


def test_next_due_is_this_month_until_the_due_day_passes() -> None:
    terms = make_terms(due_day=5)
    assert next_due(terms, as_of=date(2026, 11, 5)).due_on == date(2026, 11, 5)  # type: ignore[union-attr]
    assert next_due(terms, as_of=date(2026, 11, 6)).due_on == date(2026, 12, 5)  # type: ignore[union-attr]
    assert next_due(terms, as_of=date(2026, 12, 20)).due_on == date(2027, 1, 5)  # type: ignore[union-attr]


def test_next_due_adds_recurring_charges_and_names_the_late_fee() -> None:
    terms = LeaseTerms(
        rent_cents=1_800_00,
        due_day=1,
        grace_days=5,
        late_fee=LateFeeRule(LateFeeKind.PERCENT, percent_bp=500, cap_cents=50_00),
        recurring=(("Parking", 75_00),),
    )
    due = next_due(terms, as_of=date(2026, 11, 23), jurisdiction=jurisdiction_for("NY"))
    assert due is not None
    assert due.amount_cents == 1_875_00
    assert due.late_after == date(2026, 12, 7)
    assert due.late_fee_cents == 50_00


def test_no_next_due_after_the_lease_ends() -> None:
    assert next_due(make_terms(), as_of=date(2026, 12, 15), lease_end=date(2026, 12, 31)) is None


def test_month_arithmetic_clamps_to_month_end() -> None:
    assert due_date_in(2026, 2, 31) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 1), 3) == date(2027, 2, 1)


def test_rent_due_on_the_last_day_of_the_lease_is_still_due() -> None:
    due = next_due(make_terms(due_day=1), as_of=date(2026, 11, 23), lease_end=date(2026, 12, 1))
    assert due is not None and due.due_on == date(2026, 12, 1)
    assert next_due(make_terms(due_day=1), as_of=date(2026, 11, 23), lease_end=date(2026, 11, 30)) is None
