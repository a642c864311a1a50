"""Staff stopping the ladder on a lease: a hold (for a while, or until released), or a legal or bankruptcy
block. Placing and releasing are audited with who did it; nothing is deleted."""

from __future__ import annotations

from datetime import date
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.bounds import text_problem
from app.errors import Conflict, InvalidInput, NotFound
from app.models import CollectionHold, Lease, LeaseResident, Resident

HoldKind = Literal["hold", "legal", "bankruptcy"]


def find_lease(session: Session, ref: str) -> Lease:
    """A lease by its reference (L20001), or a resident's (R10001) newest lease."""
    text = ref.strip().upper()
    lease = session.scalars(select(Lease).where(Lease.ref == text)).first()
    if lease is None:
        lease = session.scalars(
            select(Lease)
            .join(LeaseResident, LeaseResident.lease_id == Lease.id)
            .join(Resident, Resident.id == LeaseResident.resident_id)
            .where(Resident.ref == text)
            .order_by(Lease.start_on.desc())
        ).first()
    if lease is None:
        raise NotFound(
            f"no lease or resident {ref!r}: give a lease reference like L20001 or a resident's R10001"
        )
    return lease


def place_hold(
    session: Session,
    *,
    lease_id: int,
    kind: HoldKind,
    reason: str,
    actor: str,
    today: date,
    until_on: date | None = None,
) -> CollectionHold:
    reason = reason.strip()
    if not reason or len(reason) > 500 or (problem := text_problem(reason)):
        raise InvalidInput(
            f"a hold needs a reason of 1-500 plain characters{'' if not reason else ': ' + str(problem)}"
        )
    if kind not in ("hold", "legal", "bankruptcy"):
        raise InvalidInput("kind must be hold, legal or bankruptcy")
    if until_on is not None and until_on < today:
        raise InvalidInput(f"--until {until_on} is in the past")
    hold = CollectionHold(
        lease_id=lease_id, kind=kind, reason=reason, placed_by=actor, placed_on=today, until_on=until_on
    )
    session.add(hold)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="collections.hold",
        subject=f"lease:{lease_id}",
        data={"hold_id": hold.id, "kind": kind, "reason": reason, "until_on": until_on},
    )
    return hold


def release_hold(
    session: Session, *, hold_id: int, actor: str, today: date, note: str = ""
) -> CollectionHold:
    hold = session.get(CollectionHold, hold_id, with_for_update=True)
    if hold is None:
        raise NotFound(f"no collections hold {hold_id}")
    if hold.released_on is not None:
        raise Conflict(f"hold {hold_id} was released on {hold.released_on} by {hold.released_by}")
    hold.released_on, hold.released_by = today, actor
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="collections.release",
        subject=f"lease:{hold.lease_id}",
        data={"hold_id": hold.id, "kind": hold.kind, "note": note},
    )
    return hold
