"""Plain data the ledger functions work on. No database, no I/O: easy to build in tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class EntryKind(StrEnum):
    RENT = "rent"
    LATE_FEE = "late_fee"
    NSF_FEE = "nsf_fee"
    CHARGE = "charge"
    PAYMENT = "payment"
    CREDIT = "credit"
    REVERSAL = "reversal"
    DEPOSIT = "deposit"


#: Kinds that add to what the household owes (stored as positive cents).
CHARGE_KINDS = frozenset({EntryKind.RENT, EntryKind.LATE_FEE, EntryKind.NSF_FEE, EntryKind.CHARGE})
#: Kinds that reduce what the household owes (stored as negative cents).
CREDIT_KINDS = frozenset({EntryKind.PAYMENT, EntryKind.CREDIT})

#: Order in which same-day charges are paid off: rent before fees, so a payment covers rent first.
CHARGE_PRIORITY = {EntryKind.RENT: 0, EntryKind.CHARGE: 1, EntryKind.NSF_FEE: 2, EntryKind.LATE_FEE: 3}


class LateFeeKind(StrEnum):
    FLAT = "flat"
    PERCENT = "percent"
    DAILY = "daily"


class PaymentMethod(StrEnum):
    ACH = "ach"
    CARD = "card"
    CHECK = "check"
    CASH = "cash"
    MONEY_ORDER = "money_order"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    RETURNED = "returned"


class AgingBucket(StrEnum):
    CURRENT = "current"
    DAYS_1_30 = "1-30"
    DAYS_31_60 = "31-60"
    DAYS_61_90 = "61-90"
    DAYS_90_PLUS = "90+"


@dataclass(frozen=True, slots=True)
class Entry:
    """One ledger line as the pure functions see it. Charges are positive cents, credits negative."""

    id: int
    kind: EntryKind
    amount_cents: int
    effective_on: date
    posted_on: date
    description: str = ""
    reverses_id: int | None = None
    charge_code: str | None = None


@dataclass(frozen=True, slots=True)
class LateFeeRule:
    """A lease's late-fee clause.

    flat: `amount_cents` once; percent: `percent_bp` basis points of monthly rent once;
    daily: `amount_cents` on the first late day plus `daily_cents` for every late day, the first included.
    `cap_cents`, when set, limits the total late fee for one month's rent.
    """

    kind: LateFeeKind
    amount_cents: int = 0
    percent_bp: int = 0
    daily_cents: int = 0
    cap_cents: int | None = None


@dataclass(frozen=True, slots=True)
class LeaseTerms:
    """What the ledger functions need to know of a lease."""

    rent_cents: int
    due_day: int
    grace_days: int
    late_fee: LateFeeRule
    nsf_fee_cents: int = 0
    recurring: tuple[tuple[str, int], ...] = field(default=())
    """Other monthly charges as (description, cents): parking, pet rent, utilities."""
