from __future__ import annotations

from datetime import date

from app.ledger.deposits import lowest_held

TODAY = date(2026, 11, 23)


def test_a_receipt_dated_ahead_is_not_held_until_its_day() -> None:
    lines = [(date(2026, 12, 15), 500_00), (TODAY, -500_00)]
    assert lowest_held(lines, from_day=TODAY) == (TODAY, -500_00)


def test_the_lowest_day_counts_every_line_of_that_day() -> None:
    # Received and released on the same later day: never below the 100.00 held today.
    lines = [(date(2026, 11, 1), 100_00), (date(2027, 1, 1), -100_00), (date(2027, 1, 1), 100_00)]
    assert lowest_held(lines, from_day=TODAY) == (TODAY, 100_00)
    lines.append((date(2027, 2, 1), -150_00))
    assert lowest_held(lines, from_day=TODAY) == (date(2027, 2, 1), -50_00)


def test_lines_before_today_count_only_in_what_is_held_today() -> None:
    lines = [(date(2026, 1, 1), 500_00), (date(2026, 6, 1), -500_00), (date(2026, 7, 1), 200_00)]
    assert lowest_held(lines, from_day=TODAY) == (TODAY, 200_00)
