"""Ordering pre-due reminders by risk, for the outreach that sends them. Pure.

Reminders go first to the households likeliest to pay late, so that, when sending is throttled or
staff approve drafts one by one, the reminders that matter most are not the ones left waiting. The
order uses the risk score only (payment behaviour), never who the resident is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any, TypeVar

T = TypeVar("T")


def lease_and_due(reminder: Any) -> tuple[int, date]:
    """How a reminder is read by default: its `lease_id` and its `due_on`."""
    return reminder.lease_id, reminder.due_on


def order_reminders(
    reminders: Iterable[T],
    risk_bp: Mapping[int, int],
    *,
    unscored_bp: int = 0,
    key: Callable[[T], tuple[int, date]] = lease_and_due,
) -> list[T]:
    """The reminders, riskiest lease first; equal risk by the earlier due date, then by lease id (so
    the order never depends on the input's). `risk_bp` maps lease ids to risk in basis points
    (`LeaseScore.risk_bp`); a lease without a score counts as `unscored_bp` (the model's base rate is a
    fair choice). `key` reads a reminder's (lease id, due date): by default its `lease_id` and `due_on`."""

    def rank(reminder: T) -> tuple[int, date, int]:
        lease_id, due_on = key(reminder)
        return (-risk_bp.get(lease_id, unscored_bp), due_on, lease_id)

    return sorted(reminders, key=rank)
