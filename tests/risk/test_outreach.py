"""Pre-due reminders ordered by risk: riskiest first, then the earlier due date, never the input order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.risk.outreach import order_reminders


@dataclass(frozen=True)
class Draft:
    lease_id: int
    due_on: date
    channel: str = "sms"


DEC1, DEC5 = date(2026, 12, 1), date(2026, 12, 5)


def test_riskiest_lease_first() -> None:
    drafts = [Draft(1, DEC1), Draft(2, DEC1), Draft(3, DEC1)]
    ordered = order_reminders(drafts, {1: 300, 2: 9_000, 3: 4_500})
    assert [d.lease_id for d in ordered] == [2, 3, 1]


def test_equal_risk_goes_by_due_date_then_lease() -> None:
    drafts = [Draft(9, DEC5), Draft(4, DEC1), Draft(2, DEC5)]
    ordered = order_reminders(drafts, {9: 500, 4: 500, 2: 500})
    assert [(d.lease_id, d.due_on) for d in ordered] == [(4, DEC1), (2, DEC5), (9, DEC5)]


def test_the_order_does_not_depend_on_the_input_order() -> None:
    drafts = [Draft(i, DEC1 if i % 2 else DEC5) for i in range(1, 9)]
    risk = {i: (i * 37) % 5 * 1_000 for i in range(1, 9)}
    assert order_reminders(drafts, risk) == order_reminders(list(reversed(drafts)), risk)


def test_an_unscored_lease_counts_as_the_given_default() -> None:
    drafts = [Draft(1, DEC1), Draft(2, DEC1), Draft(3, DEC1)]
    assert [d.lease_id for d in order_reminders(drafts, {1: 100, 3: 2_000}, unscored_bp=1_500)] == [3, 2, 1]
    assert [d.lease_id for d in order_reminders(drafts, {1: 100, 3: 2_000})] == [3, 1, 2]


def test_any_shape_of_reminder_through_a_key() -> None:
    rows = [("L2", 2, DEC1), ("L1", 1, DEC1)]
    ordered = order_reminders(rows, {1: 7_000, 2: 100}, key=lambda r: (r[1], r[2]))
    assert [r[0] for r in ordered] == ["L1", "L2"]
