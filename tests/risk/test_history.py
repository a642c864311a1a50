"""A lease's months read from its ledger: on time, late, partial, returned, as of a day."""

from __future__ import annotations

from datetime import date, timedelta

from app.risk.history import MAX_DAYS_LATE, history_on, month_is_late
from tests.risk.factories import RENT, history, months_paid, payment, rent, returned

DUE = date(2026, 3, 1)


def _only_month(entries, *, on: date = date(2026, 3, 20), grace: int = 3):  # noqa: ANN001, ANN202
    seen = history_on(history(entries, grace=grace), on=on)
    assert len(seen.months) == 1
    return seen.months[0]


def test_paid_before_the_due_date_is_on_time() -> None:
    month = _only_month([rent(DUE), payment(DUE - timedelta(days=3))])
    assert (month.late, month.partial, month.days_late, month.short_cents) == (False, False, 0, 0)


def test_paid_on_the_last_day_of_grace_is_on_time_and_a_day_later_is_late() -> None:
    assert not _only_month([rent(DUE), payment(DUE + timedelta(days=3))]).late
    month = _only_month([rent(DUE), payment(DUE + timedelta(days=4))])
    assert month.late and month.days_late == 4 and month.short_cents == RENT


def test_grace_is_the_lease_and_state_grace_it_is_given() -> None:
    entries = [rent(DUE), payment(DUE + timedelta(days=5))]
    assert _only_month(entries, grace=3).late
    assert not _only_month(entries, grace=5).late


def test_part_paid_by_the_deadline_is_late_and_partial() -> None:
    month = _only_month([rent(DUE), payment(DUE, 600_00), payment(DUE + timedelta(days=9), 400_00)])
    assert month.late and month.partial
    assert month.short_cents == 400_00
    assert month.days_late == 9


def test_a_payment_counts_from_the_day_it_was_made_not_the_day_it_cleared() -> None:
    ach = payment(DUE + timedelta(days=2), posted=DUE + timedelta(days=4))
    assert not _only_month([rent(DUE), ach]).late


def test_a_returned_payment_makes_its_month_late_until_it_is_made_good() -> None:
    first = payment(DUE - timedelta(days=1))
    entries = [rent(DUE), first, returned(first, DUE + timedelta(days=3)), payment(DUE + timedelta(days=10))]
    seen = history_on(history(entries), on=date(2026, 3, 20))
    month = seen.months[0]
    assert month.late and not month.partial  # what was paid came back
    assert month.days_late == 10  # covered for good only when paid again
    assert seen.returned_payments == 1


def test_a_month_still_open_counts_the_days_so_far_up_to_a_month() -> None:
    assert _only_month([rent(DUE)], on=date(2026, 3, 20)).days_late == 19
    assert history_on(history([rent(DUE)]), on=date(2026, 6, 20)).months[0].days_late == MAX_DAYS_LATE


def test_a_month_inside_its_grace_period_is_not_yet_counted() -> None:
    entries = months_paid(date(2026, 1, 1), [0, 0, None])
    assert [m.due_on for m in history_on(history(entries), on=date(2026, 3, 4)).months] == [
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    assert len(history_on(history(entries), on=date(2026, 3, 5)).months) == 3


def test_the_history_on_a_day_ignores_what_was_posted_later() -> None:
    """No look-ahead: a payment made in time but posted after the day asked about is not seen yet."""
    entries = [rent(DUE), payment(DUE, posted=date(2026, 3, 25))]
    assert history_on(history(entries), on=date(2026, 3, 20)).months[0].late
    assert not history_on(history(entries), on=date(2026, 3, 25)).months[0].late


def test_arrears_are_what_is_past_due_and_unpaid_never_a_credit() -> None:
    entries = months_paid(date(2026, 1, 1), [0, None, None])
    assert history_on(history(entries), on=date(2026, 3, 20)).arrears_cents == 2 * RENT
    prepaid = [*months_paid(date(2026, 1, 1), [0]), payment(date(2026, 1, 20), 5 * RENT)]
    assert history_on(history(prepaid), on=date(2026, 1, 25)).arrears_cents == 0


def test_old_arrears_make_every_month_late_until_they_are_paid() -> None:
    entries = months_paid(date(2026, 1, 1), [None, 0, 0])  # January never paid; rent paid each month after
    months = history_on(history(entries), on=date(2026, 3, 20)).months
    assert [m.late for m in months] == [True, True, True]
    assert all(m.short_cents == RENT for m in months)


def test_lookback_keeps_the_latest_months() -> None:
    entries = months_paid(date(2025, 1, 1), [0] * 20)
    seen = history_on(history(entries), on=date(2026, 9, 1), lookback=12)
    assert len(seen.months) == 12 and seen.months[-1].due_on == date(2026, 8, 1)


def test_month_is_late_reads_one_month() -> None:
    entries = months_paid(date(2026, 1, 1), [0, 8, 1])
    h = history(entries)
    assert [month_is_late(h, due_on=date(2026, m, 1), known_on=date(2026, 4, 1)) for m in (1, 2, 3)] == [
        False,
        True,
        False,
    ]
