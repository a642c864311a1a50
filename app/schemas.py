"""The shapes Doorstep shows the outside world (API and `--json`). Money is integer cents throughout."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PropertyPublic(Public):
    id: int
    code: str
    name: str
    city: str
    state: str
    timezone: str


class ResidentPublic(Public):
    id: int
    ref: str
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    preferred_channel: str
    language: str
    sms_consent: bool
    email_consent: bool
    do_not_contact: bool


class RecurringChargePublic(Public):
    code: str
    description: str
    amount_cents: int


class LeasePublic(Public):
    id: int
    ref: str
    property_code: str
    unit: str
    status: str
    start_on: date
    end_on: date | None
    moved_out_on: date | None
    rent_cents: int
    due_day: int
    grace_days: int
    late_fee_kind: str
    late_fee_amount_cents: int
    late_fee_percent_bp: int
    late_fee_daily_cents: int
    late_fee_cap_cents: int | None
    late_fee_rule: str
    nsf_fee_cents: int
    deposit_cents: int
    accepted_methods: list[str]
    certified_funds_only: bool
    recurring_charges: list[RecurringChargePublic]
    residents: list[str]


class EntryPublic(Public):
    id: int
    kind: str
    amount_cents: int
    effective_on: date
    posted_on: date
    description: str
    reverses_id: int | None = None


class OpenChargePublic(BaseModel):
    entry_id: int
    date: date
    kind: str
    description: str
    amount_cents: int
    open_cents: int
    days_past_due: int
    bucket: str


class PaymentPublic(Public):
    id: int
    processor_ref: str
    method: str
    amount_cents: int
    status: str
    initiated_on: date
    settled_on: date | None
    returned_on: date | None
    return_code: str | None
    failure_reason: str | None


class DueItem(BaseModel):
    description: str
    amount_cents: int


class NextDuePublic(BaseModel):
    due_on: date
    amount_cents: int
    items: list[DueItem]
    late_after: date
    late_fee_cents: int
    late_fee_max_cents: int | None


class BalancePublic(BaseModel):
    resident_ref: str
    resident_name: str
    lease_ref: str
    property_code: str
    unit: str
    as_of: date
    total_cents: int
    open_charges: list[OpenChargePublic]
    credits_applied: list[EntryPublic]
    unapplied_credit_cents: int
    deposit_held_cents: int
    aging: dict[str, int]
    next_due: NextDuePublic | None
    pending_payments: list[PaymentPublic]
    recent_activity: list[EntryPublic]
    """Every line posted in the last 90 days (returned payments and fees included), newest first."""


class ErrorPublic(BaseModel):
    """Every refusal: 401, 403, 404, 405, 409, 413."""

    detail: str
    """One line saying what was wrong and how to fix it."""


class ValidationErrorPublic(ErrorPublic):
    """422: the request was well formed but its values are not acceptable."""

    errors: list[str]
    """One line per problem, `where: what`, e.g. `body.amount_cents: must be whole cents`."""
