from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.ledger.jurisdictions import jurisdiction_for
from app.ledger.late_fees import describe_rule, effective_rule, first_late_day, late_fee_on
from app.ledger.types import LateFeeKind, LateFeeRule

DUE = date(2026, 11, 1)


def fee(rule: LateFeeRule, on: date, *, rent: int = 1_500_00, grace: int = 3) -> int:
    return late_fee_on(rule, rent_cents=rent, due_on=DUE, grace_days=grace, on=on)


def test_no_fee_through_the_last_grace_day() -> None:
    flat = LateFeeRule(LateFeeKind.FLAT, amount_cents=75_00)
    assert fee(flat, date(2026, 11, 4)) == 0
    assert first_late_day(DUE, 3) == date(2026, 11, 5)
    assert fee(flat, date(2026, 11, 5)) == 75_00


def test_percent_of_rent_rounds_half_up_to_the_cent() -> None:
    rule = LateFeeRule(LateFeeKind.PERCENT, percent_bp=500)
    assert fee(rule, date(2026, 11, 10), rent=1_234_50) == 61_73


def test_daily_fee_accrues_from_the_first_late_day_and_stops_at_the_cap() -> None:
    rule = LateFeeRule(LateFeeKind.DAILY, amount_cents=25_00, daily_cents=10_00, cap_cents=75_00)
    assert fee(rule, date(2026, 11, 5)) == 35_00
    assert fee(rule, date(2026, 11, 7)) == 55_00
    assert fee(rule, date(2026, 11, 30)) == 75_00


def test_new_york_caps_the_fee_and_lengthens_a_short_grace_period() -> None:
    lease_rule = LateFeeRule(LateFeeKind.FLAT, amount_cents=100_00)
    eff = effective_rule(lease_rule, grace_days=2, rent_cents=1_800_00, jurisdiction=jurisdiction_for("NY"))
    assert eff.grace_days == 5
    assert eff.rule.cap_cents == 50_00  # $50 is less than 5% of $1,800
    assert (
        late_fee_on(
            eff.rule, rent_cents=1_800_00, due_on=DUE, grace_days=eff.grace_days, on=date(2026, 11, 6)
        )
        == 0
    )
    assert (
        late_fee_on(
            eff.rule, rent_cents=1_800_00, due_on=DUE, grace_days=eff.grace_days, on=date(2026, 11, 7)
        )
        == 50_00
    )


def test_a_lease_stricter_than_the_law_keeps_its_own_terms() -> None:
    lease_rule = LateFeeRule(LateFeeKind.FLAT, amount_cents=40_00)
    eff = effective_rule(lease_rule, grace_days=10, rent_cents=1_000_00, jurisdiction=jurisdiction_for("CO"))
    assert eff.grace_days == 10
    assert (
        late_fee_on(eff.rule, rent_cents=1_000_00, due_on=DUE, grace_days=10, on=date(2026, 11, 20)) == 40_00
    )


def test_rule_is_described_from_the_same_numbers() -> None:
    text = describe_rule(
        LateFeeRule(LateFeeKind.DAILY, amount_cents=25_00, daily_cents=10_00, cap_cents=75_00),
        grace_days=7,
        rent_cents=2_000_00,
    )
    assert text == (
        "a late fee of $25.00 plus $10.00 per late day is charged if rent is not paid within "
        "7 days of the due date, up to $75.00 per month"
    )


rules = st.builds(
    LateFeeRule,
    kind=st.sampled_from(list(LateFeeKind)),
    amount_cents=st.integers(0, 500_00),
    percent_bp=st.integers(0, 2_000),
    daily_cents=st.integers(0, 100_00),
    cap_cents=st.one_of(st.none(), st.integers(0, 500_00)),
)


@given(
    rules,
    st.integers(1, 1_000_000),
    st.integers(0, 15),
    st.integers(-5, 120),
    st.sampled_from([None, "NY", "CO", "TX", "CA"]),
)
def test_fee_never_exceeds_its_cap_nor_starts_inside_grace(
    rule: LateFeeRule, rent: int, grace: int, offset: int, state: str | None
) -> None:
    jurisdiction = jurisdiction_for(state) if state else None
    eff = effective_rule(rule, grace_days=grace, rent_cents=rent, jurisdiction=jurisdiction)
    on = DUE + timedelta(days=offset)
    charged = late_fee_on(eff.rule, rent_cents=rent, due_on=DUE, grace_days=eff.grace_days, on=on)
    assert charged >= 0
    if on <= DUE + timedelta(days=eff.grace_days):
        assert charged == 0
    if rule.cap_cents is not None:
        assert charged <= rule.cap_cents
    if jurisdiction and (statutory := jurisdiction.cap_cents(rent)) is not None:
        assert charged <= statutory
    assert eff.grace_days >= grace
