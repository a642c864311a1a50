"""Plain lease histories for the risk tests: a month's rent and how it was paid, in a few words."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, timedelta

from app.ledger.schedule import add_months
from app.ledger.types import Entry, EntryKind
from app.risk.history import LeaseHistory

RENT = 1_000_00
_ids = itertools.count(1)


def rent(due: date, cents: int = RENT) -> Entry:
    """A month's rent, posted on the 1st of its month and effective on its due date."""
    return Entry(next(_ids), EntryKind.RENT, cents, due, due.replace(day=1), "rent")


def payment(on: date, cents: int = RENT, *, posted: date | None = None, entry_id: int | None = None) -> Entry:
    return Entry(entry_id or next(_ids), EntryKind.PAYMENT, -cents, on, posted or on, "payment")


def returned(original: Entry, on: date) -> Entry:
    return Entry(next(_ids), EntryKind.REVERSAL, -original.amount_cents, on, on, "returned", original.id)


def fee(on: date, cents: int = 75_00) -> Entry:
    return Entry(next(_ids), EntryKind.LATE_FEE, cents, on, on, "late fee")


def history(
    entries: Sequence[Entry],
    *,
    start: date = date(2025, 1, 1),
    due_day: int = 1,
    grace: int = 3,
    monthly: int = RENT,
    lease_id: int = 1,
) -> LeaseHistory:
    return LeaseHistory(
        lease_id, f"L{lease_id}", "maple-court", start, due_day, grace, monthly, tuple(entries)
    )


def months_paid(first_due: date, delays: Sequence[int | None], *, cents: int = RENT) -> list[Entry]:
    """One rent a month from `first_due`, each paid `delay` days after its due date (None: not paid)."""
    out: list[Entry] = []
    for n, delay in enumerate(delays):
        due = add_months(first_due, n)
        out.append(rent(due, cents))
        if delay is not None:
            out.append(payment(due + timedelta(days=delay), cents))
    return out
