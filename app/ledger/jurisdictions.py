"""State limits on late fees that Doorstep applies on top of a lease's own rule.

These encode the statutes as commonly summarised; they are a guard rail, not legal advice. Operators
must confirm them with counsel, and a lease that is stricter than the law always wins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.money import percent_of


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    state: str
    min_grace_days: int
    """Days after the due date before any late fee may be charged."""
    cap: Callable[[int], int] | None
    """Highest late fee for one month, given the monthly rent in cents."""
    note: str

    def cap_cents(self, rent_cents: int) -> int | None:
        return None if self.cap is None else self.cap(rent_cents)


JURISDICTIONS: dict[str, Jurisdiction] = {
    "NY": Jurisdiction(
        "NY",
        min_grace_days=5,
        cap=lambda rent: min(50_00, percent_of(rent, 500)),
        note="NY Real Property Law 238-a: no late fee until rent is more than 5 days late; "
        "at most $50 or 5% of monthly rent, whichever is less.",
    ),
    "CO": Jurisdiction(
        "CO",
        min_grace_days=7,
        cap=lambda rent: max(50_00, percent_of(rent, 500)),
        note="C.R.S. 38-12-105: no late fee until rent is 7 days late; at most the greater of $50 or "
        "5% of the past-due rent.",
    ),
    "TX": Jurisdiction(
        "TX",
        min_grace_days=2,
        cap=lambda rent: percent_of(rent, 1000),
        note="Tex. Prop. Code 92.019: rent must remain unpaid two full days after the due date; the fee "
        "must be reasonable (10% of rent for buildings of more than four units).",
    ),
}


def jurisdiction_for(state: str) -> Jurisdiction | None:
    return JURISDICTIONS.get(state.upper())
