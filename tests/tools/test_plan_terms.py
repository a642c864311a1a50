"""Pure rules behind the resident-facing tools: plans fitted to the resident's terms, and which charges
each credit paid."""

from __future__ import annotations

from datetime import date

from app.accounts import credit_applications
from app.ledger.types import EntryKind
from app.payment_plans import PlanPolicy, RequestedPart, fit_requested
from tests.factories import make_entry

TODAY = date(2026, 11, 23)
POLICY = PlanPolicy(max_installments=3, min_down_bp=2_500, min_balance_cents=100_00)


def test_terms_within_policy_are_kept_as_they_are() -> None:
    fitted = fit_requested(
        1_000_00,
        [RequestedPart(300_00, TODAY), RequestedPart(None, date(2026, 12, 4))],
        policy=POLICY,
        today=TODAY,
    )
    assert fitted.broken == [] and fitted.parts == fitted.requested == [
        (TODAY, 300_00),
        (date(2026, 12, 4), 700_00),
    ]


def test_halves_share_the_balance_and_open_days_follow_two_weeks_apart() -> None:
    fitted = fit_requested(
        1_000_01, [RequestedPart(None, TODAY), RequestedPart(None, None)], policy=POLICY, today=TODAY
    )
    assert fitted.parts == [(TODAY, 500_00), (date(2026, 12, 7), 500_01)]


def test_too_many_payments_fold_into_the_last_allowed_one() -> None:
    asked = [RequestedPart(250_00, None) for _ in range(4)]
    fitted = fit_requested(1_000_00, asked, policy=POLICY, today=TODAY)
    assert fitted.broken == ["max_installments"] and len(fitted.parts) == 3
    assert [c for _, c in fitted.parts] == [250_00, 250_00, 500_00]


def test_a_first_payment_below_the_down_payment_is_raised_and_taken_from_the_last() -> None:
    asked = [RequestedPart(100_00, TODAY), RequestedPart(400_00, None), RequestedPart(None, None)]
    fitted = fit_requested(1_000_00, asked, policy=POLICY, today=TODAY)
    assert fitted.broken == ["min_down"]
    assert [c for _, c in fitted.parts] == [250_00, 400_00, 350_00]


def test_a_first_payment_too_far_off_is_moved_to_the_latest_allowed_day() -> None:
    fitted = fit_requested(
        1_000_00,
        [RequestedPart(500_00, date(2026, 12, 20)), RequestedPart(None, None)],
        policy=POLICY,
        today=TODAY,
    )
    assert fitted.broken == ["first_too_late"] and fitted.parts[0] == (date(2026, 12, 3), 500_00)


def test_named_amounts_short_of_the_balance_get_a_last_payment_for_the_rest() -> None:
    fitted = fit_requested(
        1_000_00,
        [RequestedPart(300_00, TODAY), RequestedPart(300_00, date(2026, 11, 27))],
        policy=POLICY,
        today=TODAY,
    )
    assert fitted.parts[-1] == (date(2026, 12, 11), 400_00) and fitted.broken == []


def test_payments_pay_the_oldest_charges_and_a_concession_is_what_is_left() -> None:
    entries = [
        make_entry(EntryKind.RENT, 1_000_00, date(2026, 10, 1), entry_id=1),
        make_entry(EntryKind.PAYMENT, -1_000_00, date(2026, 9, 28), entry_id=2),
        make_entry(EntryKind.CREDIT, -150_00, date(2026, 10, 30), entry_id=3),
        make_entry(EntryKind.RENT, 1_000_00, date(2026, 11, 1), entry_id=4),
        make_entry(EntryKind.PAYMENT, -1_000_00, date(2026, 11, 2), entry_id=5),
    ]
    applied = credit_applications(entries, TODAY)
    assert [(a.charge.id, a.cents) for a in applied[2]] == [(1, 1_000_00)]
    assert [(a.charge.id, a.cents) for a in applied[5]] == [(4, 1_000_00)]
    assert applied[3] == []  # the concession is the credit left over


def test_a_returned_payment_has_paid_nothing() -> None:
    entries = [
        make_entry(EntryKind.RENT, 1_000_00, date(2026, 11, 1), entry_id=1),
        make_entry(EntryKind.PAYMENT, -1_000_00, date(2026, 11, 1), entry_id=2),
        make_entry(EntryKind.REVERSAL, 1_000_00, date(2026, 11, 4), entry_id=3, reverses=2),
    ]
    assert 2 not in credit_applications(entries, TODAY)
