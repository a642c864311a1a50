"""The features the model sees, their bounds, and each in plain words."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from app.risk.features import (
    FEATURE_DIRECTION,
    FEATURE_LABELS,
    FEATURES,
    MAX_ARREARS_MONTHS,
    LeaseFeatures,
    describe,
    features_at,
    months_between,
)
from tests.risk.factories import RENT, history, months_paid, payment, rent, returned

BASE = LeaseFeatures(
    months=12,
    late_months=3,
    recent_months=3,
    recent_late_months=2,
    partial_months=1,
    days_late_total=30,
    returned_payments=1,
    arrears_cents=1_500_00,
    monthly_cents=1_000_00,
    tenancy_months=30,
)


def test_features_are_read_from_the_months_before_the_day() -> None:
    entries = months_paid(date(2026, 1, 1), [0, 10, 0, None, 0])  # April never paid
    f = features_at(history(entries, start=date(2024, 6, 15)), on=date(2026, 5, 25))
    assert (f.months, f.late_months) == (5, 3)  # Feb; April; May (April's rent still owed)
    assert (f.recent_months, f.recent_late_months) == (3, 2)
    assert f.arrears_cents == RENT
    assert f.tenancy_months == 23


def test_vector_follows_the_feature_order_and_is_bounded() -> None:
    assert dict(zip(FEATURES, BASE.vector(), strict=True)) == pytest.approx(
        {
            "late_share": 0.25,
            "recent_late_share": 2 / 3,
            "mean_days_late": 2.5,
            "partial_share": 1 / 12,
            "returned_payments": 1.0,
            "arrears_months": 1.5,
            "tenancy_years": 2.5,
        }
    )
    extreme = replace(BASE, returned_payments=9, arrears_cents=50_000_00, tenancy_months=600)
    values = dict(zip(FEATURES, extreme.vector(), strict=True))
    assert values["returned_payments"] == 3.0
    assert values["arrears_months"] == MAX_ARREARS_MONTHS
    assert values["tenancy_years"] == 5.0


def test_no_history_is_all_zero_rather_than_a_division_by_zero() -> None:
    empty = LeaseFeatures(0, 0, 0, 0, 0, 0, 0, 0, 1_000_00, 0)
    assert empty.vector() == (0.0,) * len(FEATURES)


def test_every_feature_has_a_label_a_direction_and_words() -> None:
    assert set(FEATURE_LABELS) == set(FEATURE_DIRECTION) == set(FEATURES)
    for name in FEATURES:
        assert describe(name, BASE)


@pytest.mark.parametrize(
    ("name", "features", "words"),
    [
        ("late_share", BASE, "late in 3 of the last 12 months"),
        ("late_share", replace(BASE, late_months=0), "paid on time in all of the last 12 months"),
        ("recent_late_share", BASE, "late in 2 of the last 3 months"),
        ("mean_days_late", BASE, "averages 2.5 days late a month"),
        ("partial_share", BASE, "paid only part by the deadline in 1 of the last 12 months"),
        ("returned_payments", BASE, "1 payment returned by the bank in the last year"),
        ("returned_payments", replace(BASE, returned_payments=2), "2 payments returned by the bank"),
        ("arrears_months", BASE, "carries $1,500.00 past due (1.5 months of rent)"),
        ("arrears_months", replace(BASE, arrears_cents=0), "carries no past-due balance"),
        ("tenancy_years", BASE, "a tenant for 2.5 years"),
        ("tenancy_years", replace(BASE, tenancy_months=4), "a newer tenancy (4 months)"),
    ],
)
def test_reasons_read_as_plain_words(name: str, features: LeaseFeatures, words: str) -> None:
    assert words in describe(name, features)


def test_returned_payments_count_the_year_before_the_day() -> None:
    due = date(2026, 3, 1)
    first = payment(due)
    entries = [rent(due), first, returned(first, date(2026, 3, 4)), payment(date(2026, 3, 9))]
    assert features_at(history(entries), on=date(2026, 4, 1)).returned_payments == 1
    assert features_at(history(entries), on=date(2027, 3, 5)).returned_payments == 0


def test_months_between_counts_whole_months() -> None:
    assert months_between(date(2025, 1, 15), date(2026, 1, 14)) == 11
    assert months_between(date(2025, 1, 15), date(2026, 1, 15)) == 12
    assert months_between(date(2026, 5, 1), date(2026, 1, 1)) == 0


def test_a_single_month_reads_naturally() -> None:
    one = LeaseFeatures(1, 1, 1, 1, 1, 6, 0, 0, 1_000_00, 1)
    assert describe("late_share", one) == "late in its one completed month"
    assert describe("recent_late_share", one) == "late last month"
    assert describe("late_share", replace(one, late_months=0)) == "paid on time in its one completed month"
    assert describe("recent_late_share", replace(one, recent_late_months=0)) == "on time last month"
    assert describe("tenancy_years", one) == "a newer tenancy (1 month)"
