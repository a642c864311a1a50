"""Reading leases and their ledgers out of the database into the plain histories the risk functions take."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.ledger.jurisdictions import jurisdiction_for
from app.ledger.types import Entry, EntryKind
from app.models import Lease, LeaseResident, LedgerEntry, Property, RecurringCharge, Resident, Unit
from app.risk.history import LeaseHistory
from app.risk.scoring import LeaseRow

_KINDS = {k.value: k for k in EntryKind}


def read_histories(
    session: Session, *, as_of: date, lease_ids: Collection[int] | None = None
) -> list[LeaseHistory]:
    """Every lease (or those in `lease_ids`) with its ledger as it stood on `as_of`, in lease id order."""
    entries = select(
        LedgerEntry.lease_id,
        LedgerEntry.id,
        LedgerEntry.kind,
        LedgerEntry.amount_cents,
        LedgerEntry.effective_on,
        LedgerEntry.posted_on,
        LedgerEntry.reverses_id,
    ).where(LedgerEntry.posted_on <= as_of, LedgerEntry.effective_on <= as_of)
    if lease_ids is not None:
        entries = entries.where(LedgerEntry.lease_id.in_(sorted(set(lease_ids))))
    by_lease: dict[int, list[Entry]] = {}
    kinds = _KINDS
    for lease_id, entry_id, kind, cents, effective, posted, reverses in session.execute(
        entries.order_by(LedgerEntry.lease_id, LedgerEntry.id)
    ):
        by_lease.setdefault(lease_id, []).append(
            Entry(entry_id, kinds[kind], cents, effective, posted, reverses_id=reverses)
        )
    return [
        LeaseHistory(*facts, entries=tuple(by_lease.get(facts[0], ())))
        for facts in _lease_facts(session, lease_ids)
    ]


def ledger_fingerprint(session: Session, *, as_of: date) -> str:
    """A digest of the ledger as it stood on `as_of` and of the lease terms the features read, cheap
    enough to compute on every use: the ledger is append-only (the database refuses updates and
    deletes), so the count, highest id and sum of the entries visible on a day name them exactly."""
    count, highest, total = session.execute(
        select(func.count(), func.max(LedgerEntry.id), func.sum(LedgerEntry.amount_cents)).where(
            LedgerEntry.posted_on <= as_of, LedgerEntry.effective_on <= as_of
        )
    ).one()
    digest = hashlib.sha256(f"{as_of};{count};{highest};{total};".encode())
    for facts in _lease_facts(session, None):
        digest.update(repr(facts).encode())
    return digest.hexdigest()


_LeaseFacts = tuple[int, str, str, date, int, int, int]
"""(lease id, ref, property code, start, due day, effective grace, monthly cents): `LeaseHistory`'s
fields before its entries."""


def _lease_facts(session: Session, lease_ids: Collection[int] | None) -> list[_LeaseFacts]:
    query = (
        select(
            Lease.id,
            Lease.ref,
            Property.code,
            Lease.start_on,
            Lease.due_day,
            Lease.grace_days,
            Property.state,
            Lease.rent_cents,
        )
        .join(Unit, Unit.id == Lease.unit_id)
        .join(Property, Property.id == Unit.property_id)
        .order_by(Lease.id)
    )
    if lease_ids is not None:
        query = query.where(Lease.id.in_(sorted(set(lease_ids))))
    recurring = _recurring_totals(session)
    return [
        (
            lease_id,
            ref,
            code,
            start,
            due_day,
            effective_grace(grace, state),
            rent + recurring.get(lease_id, 0),
        )
        for lease_id, ref, code, start, due_day, grace, state, rent in session.execute(query)
    ]


def effective_grace(grace_days: int, state: str) -> int:
    """The longer of the lease's grace and the state's minimum, as `effective_rule` decides it."""
    jurisdiction = jurisdiction_for(state)
    return max(grace_days, jurisdiction.min_grace_days) if jurisdiction else grace_days


def _recurring_totals(session: Session) -> dict[int, int]:
    query = select(RecurringCharge.lease_id, func.sum(RecurringCharge.amount_cents)).group_by(
        RecurringCharge.lease_id
    )
    return {lease_id: int(total) for lease_id, total in session.execute(query)}


def read_leases(session: Session, *, property_code: str | None = None) -> list[LeaseRow]:
    """Every lease (at one property, with a code), with its primary resident, in lease id order."""
    primary = (
        select(LeaseResident.lease_id, func.min(LeaseResident.resident_id).label("resident_id"))
        .where(LeaseResident.role == "primary")
        .group_by(LeaseResident.lease_id)
        .subquery()
    )
    query = (
        select(
            Lease.id,
            Lease.ref,
            Lease.status,
            Property.code,
            Lease.start_on,
            Lease.end_on,
            Lease.moved_out_on,
            Lease.due_day,
            Lease.grace_days,
            Property.state,
            Lease.rent_cents,
            Resident.ref,
            Resident.first_name,
            Resident.last_name,
        )
        .join(Unit, Unit.id == Lease.unit_id)
        .join(Property, Property.id == Unit.property_id)
        .outerjoin(primary, primary.c.lease_id == Lease.id)
        .outerjoin(Resident, Resident.id == primary.c.resident_id)
        .order_by(Lease.id)
    )
    if property_code is not None:
        query = query.where(Property.code == property_code)
    recurring = _recurring_totals(session)
    return [
        LeaseRow(
            lease_id=row[0],
            ref=row[1],
            status=row[2],
            property_code=row[3],
            start_on=row[4],
            end_on=row[5],
            moved_out_on=row[6],
            due_day=row[7],
            grace_days=effective_grace(row[8], row[9]),
            monthly_cents=row[10] + recurring.get(row[0], 0),
            resident_ref=row[11],
            resident_name=f"{row[12]} {row[13]}" if row[11] else None,
        )
        for row in session.execute(query)
    ]
