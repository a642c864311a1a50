"""A resident's account: who they are, which lease they are on, and what that lease's ledger says."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol, TypeVar

import phonenumbers
from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.errors import NotFound
from app.ledger.balance import cancel_reversals, changes_since, recent_credits, summarize_balance, visible_on
from app.ledger.jurisdictions import jurisdiction_for
from app.ledger.late_fees import describe_rule, effective_rule
from app.ledger.queries import lease_entries, lease_terms
from app.ledger.schedule import next_due
from app.ledger.types import CHARGE_PRIORITY, Entry, EntryKind, PaymentStatus
from app.models import Lease, LeaseResident, Payment, Property, Resident, Unit
from app.schemas import (
    BalancePublic,
    DueItem,
    EntryPublic,
    LeasePublic,
    NextDuePublic,
    OpenChargePublic,
    PaymentPublic,
    RecurringChargePublic,
)

RECENT_CREDITS = 6
RECENT_ACTIVITY_DAYS = 90
_PENDING_PAYMENTS = (
    select(Payment)
    .where(Payment.lease_id == bindparam("lease_id"), Payment.status == PaymentStatus.PENDING.value)
    .where(Payment.initiated_on <= bindparam("as_of"))
    .order_by(Payment.initiated_on)
)


def normalize_phone(text: str, region: str = "US") -> str | None:
    """A phone number in E.164 (+15125550123), or None when it is not a valid number."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def find_resident(session: Session, ref: str) -> Resident:
    """A resident by reference (R10001), database id, email or phone. Raises NotFound with a hint."""
    text = ref.strip()
    if not text:
        raise NotFound("no resident given: pass a reference like R10001, an email or a phone number")
    conditions = [Resident.ref == text.upper(), Resident.email == text.lower()]
    if text.isdigit() and len(text) < 10:
        conditions.append(Resident.id == int(text))
    if phone := normalize_phone(text):
        conditions.append(Resident.phone == phone)
    matches = session.scalars(select(Resident).where(or_(*conditions)).order_by(Resident.id)).all()
    if not matches:
        raise NotFound(
            f"no resident matches {text!r}: use a reference like R10001, an email or a phone number"
        )
    if len(matches) > 1:
        refs = ", ".join(r.ref for r in matches)
        raise NotFound(f"{text!r} matches more than one resident ({refs}): use the reference instead")
    return matches[0]


# A resident with their leases (newest first), units and properties, selected side by side and attached
# by hand: a third cheaper than a joinedload, whose de-duplication of joined rows costs more than the
# query here. Charges load on use. Built once with bound parameters: building a statement per call cost
# as much in SQLAlchemy as running it, and every assistant turn runs this one.
_RESIDENT_LEASES = (
    select(Resident, Lease, Unit, Property)
    .join(LeaseResident, LeaseResident.resident_id == Resident.id)
    .join(Lease, Lease.id == LeaseResident.lease_id)
    .join(Unit, Unit.id == Lease.unit_id)
    .join(Property, Property.id == Unit.property_id)
    .where(Resident.id == bindparam("resident_id"))
    .order_by(Lease.start_on.desc(), Lease.id.desc())
)
_RESIDENT_LEASE = _RESIDENT_LEASES.where(Lease.id == bindparam("lease_id"))


def resident_leases(
    session: Session, resident_id: int, *, lease_id: int | None = None
) -> tuple[Resident, list[Lease]] | None:
    """The resident and their leases, newest first, each with its unit and property loaded, in one
    statement; with `lease_id`, that lease only, and only if it is theirs. None when there is none."""
    rows = (
        session.execute(_RESIDENT_LEASES, {"resident_id": resident_id})
        if lease_id is None
        else session.execute(_RESIDENT_LEASE, {"resident_id": resident_id, "lease_id": lease_id})
    ).all()
    if not rows:
        return None
    for _, lease, unit, prop in rows:
        set_committed_value(unit, "property", prop)
        set_committed_value(lease, "unit", unit)
    return rows[0][0], [row[1] for row in rows]


def current_lease(session: Session, resident: Resident, *, as_of: date) -> Lease:
    """The lease the resident is on at `as_of`; failing that, the most recent one that had started by
    then. Never a lease that starts after `as_of`: a balance or ledger as of a day is that day's lease's.
    NotFound when none had started by then."""
    found = resident_leases(session, resident.id)
    if found is None:
        raise NotFound(f"resident {resident.ref} is not on any lease")
    lease = lease_on(found[1], as_of=as_of)
    if lease is None:
        first = min(found[1], key=lambda le: le.start_on)
        raise NotFound(
            f"resident {resident.ref} had no lease on {as_of.isoformat()}: "
            f"their first starts {first.start_on.isoformat()}"
        )
    return lease


def lease_on(leases: list[Lease], *, as_of: date) -> Lease | None:
    """Of a resident's leases, newest first: the one they are on at `as_of`, else the most recent that had
    started by then, else None. Pure."""
    started = [le for le in leases if le.start_on <= as_of]
    live = [le for le in started if le.moved_out_on is None or le.moved_out_on >= as_of]
    if live:
        return live[0]
    return started[0] if started else None


class LeaseDates(Protocol):
    """What choosing a lease reads: a `Lease`, or a row holding the same two columns."""

    @property
    def start_on(self) -> date: ...

    @property
    def moved_out_on(self) -> date | None: ...


AnyLease = TypeVar("AnyLease", bound=LeaseDates)


def choose_lease(leases: Sequence[AnyLease], *, as_of: date) -> AnyLease:
    """Of a resident's leases, newest first: the one they are on at `as_of`, else the newest, which may
    not have started yet (a resident about to move in). Dated reads, a balance or a ledger as of a day,
    use `current_lease`, which never looks ahead. Pure."""
    live = [
        le for le in leases if le.start_on <= as_of and (le.moved_out_on is None or le.moved_out_on >= as_of)
    ]
    return live[0] if live else leases[0]


def lease_public(session: Session, lease: Lease) -> LeasePublic:
    names = session.scalars(
        select(Resident.ref)
        .join(LeaseResident)
        .where(LeaseResident.lease_id == lease.id)
        .order_by(Resident.ref)
    ).all()
    terms = lease_terms(lease)
    eff = effective_rule(
        terms.late_fee,
        grace_days=lease.grace_days,
        rent_cents=lease.rent_cents,
        jurisdiction=jurisdiction_for(lease.unit.property.state),
    )
    return LeasePublic(
        id=lease.id,
        ref=lease.ref,
        property_code=lease.unit.property.code,
        unit=lease.unit.number,
        status=lease.status,
        start_on=lease.start_on,
        end_on=lease.end_on,
        moved_out_on=lease.moved_out_on,
        rent_cents=lease.rent_cents,
        due_day=lease.due_day,
        grace_days=lease.grace_days,
        late_fee_kind=lease.late_fee_kind,
        late_fee_amount_cents=lease.late_fee_amount_cents,
        late_fee_percent_bp=lease.late_fee_percent_bp,
        late_fee_daily_cents=lease.late_fee_daily_cents,
        late_fee_cap_cents=lease.late_fee_cap_cents,
        late_fee_rule=describe_rule(eff.rule, grace_days=eff.grace_days, rent_cents=lease.rent_cents),
        nsf_fee_cents=lease.nsf_fee_cents,
        deposit_cents=lease.deposit_cents,
        accepted_methods=[m for m in lease.accepted_methods.split(",") if m],
        certified_funds_only=lease.certified_funds_only,
        recurring_charges=[RecurringChargePublic.model_validate(c) for c in lease.recurring_charges],
        residents=list(names),
    )


def account_balance(
    session: Session, *, resident: Resident, as_of: date, lease: Lease | None = None
) -> BalancePublic:
    """The itemized balance a resident or staff member sees: open charges, credits, aging, next due.
    `lease` is the resident's current lease when the caller has already loaded it."""
    lease = lease or current_lease(session, resident, as_of=as_of)
    entries = lease_entries(session, lease.id, as_of=as_of)
    summary = summarize_balance(entries, as_of)
    activity, _ = changes_since(entries, as_of - timedelta(days=RECENT_ACTIVITY_DAYS), as_of)
    terms = lease_terms(lease)
    due = None
    if lease.moved_out_on is None:
        due = next_due(
            terms,
            as_of=as_of,
            jurisdiction=jurisdiction_for(lease.unit.property.state),
            lease_end=term_end(lease, as_of=as_of),
        )
    pending = session.scalars(_PENDING_PAYMENTS, {"lease_id": lease.id, "as_of": as_of}).all()
    return BalancePublic(
        resident_ref=resident.ref,
        resident_name=resident.full_name,
        lease_ref=lease.ref,
        property_code=lease.unit.property.code,
        unit=lease.unit.number,
        as_of=as_of,
        total_cents=summary.total_cents,
        open_charges=[
            OpenChargePublic(
                entry_id=oc.entry.id,
                date=oc.entry.effective_on,
                kind=oc.entry.kind.value,
                description=oc.entry.description,
                amount_cents=oc.entry.amount_cents,
                open_cents=oc.open_cents,
                days_past_due=max(oc.days_past_due, 0),
                bucket=oc.bucket.value,
            )
            for oc in summary.open_charges
        ],
        credits_applied=[entry_public(e) for e in recent_credits(entries, as_of, limit=RECENT_CREDITS)],
        unapplied_credit_cents=summary.unapplied_credit_cents,
        deposit_held_cents=summary.deposit_held_cents,
        aging={bucket.value: cents for bucket, cents in summary.aging.items()},
        next_due=None
        if due is None
        else NextDuePublic(
            due_on=due.due_on,
            amount_cents=due.amount_cents,
            items=[DueItem(description=d, amount_cents=c) for d, c in due.items],
            late_after=due.late_after,
            late_fee_cents=due.late_fee_cents,
            late_fee_max_cents=due.late_fee_max_cents,
        ),
        pending_payments=[PaymentPublic.model_validate(p) for p in pending],
        recent_activity=[entry_public(e) for e in reversed(activity)],
    )


def entry_public(e: Entry) -> EntryPublic:
    return EntryPublic(
        id=e.id,
        kind=e.kind.value,
        amount_cents=e.amount_cents,
        effective_on=e.effective_on,
        posted_on=e.posted_on,
        description=e.description,
        reverses_id=e.reverses_id,
    )


def term_end(lease: Lease, *, as_of: date) -> date | None:
    """The last day rent is scheduled for: the lease's end date while it is still ahead. A lease whose
    end date has passed without a move-out runs month to month (holdover), so no end applies then."""
    if lease.end_on is not None and lease.end_on >= as_of:
        return lease.end_on
    return None


@dataclass(frozen=True, slots=True)
class Application:
    """Part of one credit (payment, concession, deposit applied) that paid part of one charge."""

    credit_id: int
    charge: Entry
    cents: int


def credit_applications(entries: list[Entry], as_of: date) -> dict[int, list[Application]]:
    """Which charges each standing credit paid on `as_of`, by credit entry id. Pure.

    The balance pools credits against charges oldest first (same-day: rent, other charges, fees); this
    attributes that pool credit by credit, so the open amounts match the balance's: payments first,
    oldest first, then other credits (concessions, applied deposits, reversals) oldest first. So a
    credit balance is told as the concession or overpayment left over, the way an office explains it.
    A reversed payment has no applications: the charges it paid are open again. Deposits are not
    credits until a credit entry applies them to the account."""
    visible = [e for e in visible_on(entries, as_of) if e.kind is not EntryKind.DEPOSIT]
    standing, _ = cancel_reversals(visible)
    charges = sorted(
        (e for e in standing if e.amount_cents > 0),
        key=lambda e: (e.effective_on, CHARGE_PRIORITY.get(e.kind, 9), e.amount_cents, e.description, e.id),
    )
    credits = sorted(
        (e for e in standing if e.amount_cents < 0),
        key=lambda e: (e.kind is not EntryKind.PAYMENT, e.effective_on, e.amount_cents, e.description, e.id),
    )
    out: dict[int, list[Application]] = {c.id: [] for c in credits}
    left = [-c.amount_cents for c in credits]
    i = 0
    for charge in charges:
        need = charge.amount_cents
        while need and i < len(credits):
            used = min(need, left[i])
            if used:
                out[credits[i].id].append(Application(credits[i].id, charge, used))
                left[i] -= used
                need -= used
            if left[i] == 0:
                i += 1
    return out
