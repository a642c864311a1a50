"""Which lease a processor payment belongs to.

1. The payment's metadata, as the portal that created it wrote it: `lease_id` (a Doorstep lease id or
   reference, also read from `lease_ref`) and/or `resident_ref` (or `resident_id`). A lease and a resident
   that are not on it contradict each other: nothing is guessed, staff decide.
2. The customer mapping (`processor_customers`): the processor's customer id to a resident, or to one
   lease of theirs.
3. Otherwise the payment is unmatched, and waits in the exceptions queue for staff.

A resident without a lease named is matched to their lease on the day they paid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal, NamedTuple

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from app.accounts import choose_lease, resident_leases
from app.models import Lease, LeaseResident, ProcessorCustomer, Resident

LEASE_KEYS = ("lease_id", "lease_ref", "lease")
RESIDENT_KEYS = ("resident_ref", "resident_id", "resident")
MAX_ID_DIGITS = 18


@dataclass(frozen=True, slots=True)
class Match:
    lease_id: int | None
    resident_id: int | None = None
    by: str | None = None
    """metadata or customer; None when unmatched."""
    kind: Literal["unmatched", "mismatch"] | None = None
    problem: str = ""
    """Why there is no lease, in a sentence for staff."""


def _first(metadata: Mapping[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = (metadata.get(key) or "").strip()
        if value:
            return value
    return None


class _Named(NamedTuple):
    """A lease or resident a payment's metadata names: its id, and the reference staff know it by."""

    id: int
    ref: str


# Plain statements, read on every webhook that meets a payment for the first time.
_LEASE_BY_REF = select(Lease.id, Lease.ref).where(Lease.ref == bindparam("value"))
_LEASE_BY_ID = select(Lease.id, Lease.ref).where(Lease.id == bindparam("value"))
_RESIDENT_BY_REF = select(Resident.id, Resident.ref).where(Resident.ref == bindparam("value"))
_RESIDENT_BY_ID = select(Resident.id, Resident.ref).where(Resident.id == bindparam("value"))


def _named(session: Session, by_ref: Select[int, str], by_id: Select[int, str], value: str) -> _Named | None:
    """A row by its reference, or else by its id when the value is a number."""
    connection = session.connection()
    found = connection.execute(by_ref, {"value": value.upper()}).first()
    if found is None and value.isdigit() and len(value) <= MAX_ID_DIGITS:
        found = connection.execute(by_id, {"value": int(value)}).first()
    return None if found is None else _Named(*found)


def _lease(session: Session, value: str) -> _Named | None:
    return _named(session, _LEASE_BY_REF, _LEASE_BY_ID, value)


def _resident(session: Session, value: str) -> _Named | None:
    return _named(session, _RESIDENT_BY_REF, _RESIDENT_BY_ID, value)


def _lease_of(session: Session, resident_id: int, on: date) -> int | None:
    found = resident_leases(session, resident_id)
    return None if found is None else choose_lease(found[1], as_of=on).id


def match_payment(
    session: Session, *, processor: str, metadata: Mapping[str, str], customer_ref: str | None, paid_on: date
) -> Match:
    """The lease (and paying resident, when known) for a payment, or why there is none."""
    lease_value, resident_value = _first(metadata, LEASE_KEYS), _first(metadata, RESIDENT_KEYS)
    resident = _resident(session, resident_value) if resident_value else None
    if resident_value and resident is None:
        return Match(
            None, kind="unmatched", problem=f"its metadata names resident {resident_value!r}, unknown here"
        )
    if lease_value:
        lease = _lease(session, lease_value)
        if lease is None:
            return Match(
                None, kind="unmatched", problem=f"its metadata names lease {lease_value!r}, unknown here"
            )
        if resident is not None and session.get(LeaseResident, (lease.id, resident.id)) is None:
            return Match(
                None,
                kind="mismatch",
                problem=f"its metadata names lease {lease.ref} and resident {resident.ref}, who is not on it",
            )
        return Match(lease.id, resident.id if resident else None, by="metadata")
    if resident is not None:
        lease_id = _lease_of(session, resident.id, paid_on)
        if lease_id is None:
            return Match(None, kind="unmatched", problem=f"resident {resident.ref} is on no lease")
        return Match(lease_id, resident.id, by="metadata")
    if customer_ref:
        mapped = session.scalars(
            select(ProcessorCustomer).where(
                ProcessorCustomer.processor == processor, ProcessorCustomer.customer_ref == customer_ref
            )
        ).first()
        if mapped is not None:
            if mapped.lease_id is not None:
                return Match(mapped.lease_id, mapped.resident_id, by="customer")
            if mapped.resident_id is not None and (
                lease_id := _lease_of(session, mapped.resident_id, paid_on)
            ):
                return Match(lease_id, mapped.resident_id, by="customer")
        return Match(
            None,
            kind="unmatched",
            problem=f"its metadata names no lease or resident, and customer {customer_ref} is mapped to none",
        )
    return Match(
        None, kind="unmatched", problem="its metadata names no lease or resident, and it has no customer"
    )
