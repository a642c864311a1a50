"""Posting to the ledger: validated, idempotent by (source, external id), audited, append-only.

A repeat of the same (source, external id) returns the entry already posted; a repeat that differs in
lease, kind, amount or date is refused, since one of the two must be wrong. Corrections are new entries:
`reverse_entry` posts the opposite of an entry and links the two.

Deposits are held money, counted apart from what is owed: positive deposit lines are money received and
held, negative ones money released (refunded or applied). A deposit is corrected by a deposit line of the
opposite sign, never by a receivable reversal, so the same dollars are never counted on both sides; and
no release may take out more than the lease holds, today or on any later day (`app.ledger.deposits`).
The posting date is always the day of posting: a client cannot backdate a line (the effective date says
when it applies).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session, make_transient_to_detached

from app import audit
from app.bounds import DbId, LedgerDate, PlainText
from app.errors import Conflict, InvalidInput, NotFound
from app.ledger.deposits import lowest_held
from app.ledger.types import CHARGE_KINDS, CREDIT_KINDS, EntryKind
from app.models import Lease, LeaseResident, LedgerEntry, Payment, Resident
from app.money import MAX_CENTS, format_cents
from app.prepared import Prepared


class EntryCreate(BaseModel):
    """A ledger line to post. Charges are positive cents; payments and credits negative."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    lease_id: DbId
    kind: EntryKind
    amount_cents: Annotated[StrictInt, Field(description="Integer cents; never a float.")]
    effective_on: Annotated[LedgerDate, Field(description="When the line applies; it is posted today.")]
    description: Annotated[PlainText, Field(min_length=1, max_length=300)]
    charge_code: Annotated[PlainText | None, Field(max_length=30)] = None
    source: Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[a-z0-9_\-]+$")] = "manual"
    external_id: Annotated[PlainText | None, Field(min_length=1, max_length=120)] = None
    payment_id: DbId | None = None
    reverses_id: DbId | None = None
    resident_id: DbId | None = None
    created_by: Annotated[PlainText, Field(min_length=1, max_length=100)] = "system"

    @model_validator(mode="after")
    def _sign_matches_kind(self) -> EntryCreate:
        sign_error = check_sign(self.kind, self.amount_cents, reverses_id=self.reverses_id)
        if sign_error:
            raise ValueError(sign_error)
        return self


def check_sign(kind: EntryKind, amount_cents: int, *, reverses_id: int | None) -> str | None:
    """Why an amount does not fit its kind, or None when it does."""
    if amount_cents == 0:
        return "amount_cents must not be zero"
    if abs(amount_cents) > MAX_CENTS:
        return "amount_cents is larger than any ledger line Doorstep accepts"
    if kind in CHARGE_KINDS and amount_cents < 0:
        return (
            f"a {kind.value} is a charge: amount_cents must be positive (post a credit to reduce a balance)"
        )
    if kind in CREDIT_KINDS and amount_cents > 0:
        return f"a {kind.value} reduces the balance: amount_cents must be negative"
    if kind is EntryKind.REVERSAL and reverses_id is None:
        return "a reversal must name the entry it reverses (reverses_id)"
    if kind not in (EntryKind.REVERSAL, EntryKind.DEPOSIT) and reverses_id is not None:
        return "only a reversal (or a deposit line correcting a deposit) may name reverses_id"
    return None


@dataclass(frozen=True)
class Posted:
    entry: LedgerEntry
    created: bool


def _same_posting(existing: LedgerEntry, new: EntryCreate) -> bool:
    return (
        existing.lease_id == new.lease_id
        and existing.kind == new.kind.value
        and existing.amount_cents == new.amount_cents
        and existing.effective_on == new.effective_on
    )


_ENTRIES = LedgerEntry.metadata.tables[LedgerEntry.__tablename__]
_EXISTING = select(_ENTRIES.c.id).where(
    _ENTRIES.c.source == bindparam("source"), _ENTRIES.c.external_id == bindparam("external_id")
)
_LEASE = select(Lease.id).where(Lease.id == bindparam("lease_id"))
_PAYMENT_LEASE = select(Payment.lease_id).where(Payment.id == bindparam("payment_id"))
_ON_LEASE = select(LeaseResident.resident_id).where(
    LeaseResident.lease_id == bindparam("lease_id"), LeaseResident.resident_id == bindparam("resident_id")
)
# What a posting checks before it writes, read in one statement: a webhook's time goes to its statements.
# A NULL bound value (no external id, no payment, no resident) finds nothing, so its column is NULL.
_LOOKUPS = Prepared(
    select(
        _EXISTING.scalar_subquery().label("existing_id"),
        _LEASE.scalar_subquery().label("lease_id"),
        _PAYMENT_LEASE.scalar_subquery().label("payment_lease_id"),
        _ON_LEASE.scalar_subquery().label("on_lease"),
    )
)


class _Lookups(NamedTuple):
    existing_id: int | None
    """The line already posted with this (source, external id)."""
    lease_id: int | None
    """The lease's own id when it exists."""
    payment_lease_id: int | None
    """The lease of the payment the line names."""
    on_lease: int | None
    """The resident the line names, when they are on its lease."""


def _insert_statement(dialect: Any) -> Any:
    # Nothing is inserted when a unique key is taken (a concurrent post of the same external id, or a
    # second reversal of one entry): no error to abort the transaction, so no savepoint around it.
    return dialect.insert(_ENTRIES).on_conflict_do_nothing().returning(_ENTRIES.c.id)


_INSERT = {
    "postgresql": Prepared(_insert_statement(postgresql)),
    "sqlite": Prepared(_insert_statement(sqlite)),
}


def _existing(session: Session, source: str, external_id: str) -> LedgerEntry | None:
    found = session.connection().execute(_EXISTING, {"source": source, "external_id": external_id}).scalar()
    return None if found is None else session.get(LedgerEntry, found)


def _look_up(session: Session, new: EntryCreate) -> _Lookups:
    params = {
        "source": new.source,
        "external_id": new.external_id,
        "lease_id": new.lease_id,
        "payment_id": new.payment_id,
        "resident_id": new.resident_id,
    }
    found = _LOOKUPS.first(session.connection(), params)
    if found is None:  # a SELECT of scalar subqueries and no FROM gives exactly one row
        raise NoResultFound("the posting's lookups returned no row")
    return _Lookups(*found)


def _check_repeat(existing: LedgerEntry, new: EntryCreate) -> Posted:
    if _same_posting(existing, new):
        return Posted(existing, created=False)
    raise Conflict(
        f"{new.source} entry {new.external_id!r} was already posted as {existing.kind} of "
        f"{existing.amount_cents} cents on lease {existing.lease_id} (entry {existing.id}); "
        "this repeat differs, so nothing was posted"
    )


def post_entry(session: Session, new: EntryCreate, *, today: date) -> Posted:
    """Post one entry inside the caller's transaction. Idempotent by (source, external_id)."""
    # The statements below go straight to the connection: whatever the caller added through the ORM
    # must be in the database first, as the ORM's own autoflush would have made it.
    session.flush()
    found = _look_up(session, new)
    if found.existing_id is not None and (existing := session.get(LedgerEntry, found.existing_id)):
        return _check_repeat(existing, new)
    if found.lease_id is None or (new.kind is EntryKind.DEPOSIT and not _lock_lease(session, new.lease_id)):
        raise NotFound(f"no lease with id {new.lease_id}")
    _check_links(session, new, found)
    if new.reverses_id is not None:
        _check_reversal(session, new)
    if new.kind is EntryKind.DEPOSIT and new.amount_cents < 0:
        _check_deposit_release(session, new, today=today)
    values = {**new.model_dump(exclude={"kind"}), "kind": new.kind.value, "posted_on": today}
    connection = session.connection()
    dialect = "postgresql" if connection.dialect.name == "postgresql" else "sqlite"
    values["created_at"] = datetime.now(UTC)
    entry_id = _INSERT[dialect].scalar(connection, values)
    if entry_id is None:
        # A concurrent post of the same (source, external_id) won the race: treat it like a repeat.
        if new.external_id and (existing := _existing(session, new.source, new.external_id)):
            return _check_repeat(existing, new)
        # The other unique key: `_check_reversal` passed, then another transaction reversed it first.
        raise Conflict(f"entry {new.reverses_id} was already reversed")
    entry = _held(session, LedgerEntry(**values, id=entry_id))
    audit.record(
        session,
        actor=new.created_by,
        action="ledger.post",
        subject=f"lease:{new.lease_id}",
        data={
            "entry_id": entry.id,
            "kind": entry.kind,
            "amount_cents": entry.amount_cents,
            "effective_on": entry.effective_on,
            "source": entry.source,
            "external_id": entry.external_id,
            **audit.ledger_coverage([entry]),
        },
    )
    return Posted(entry, created=True)


def _lock_lease(session: Session, lease_id: int) -> bool:
    """A deposit release reads what the lease holds: lock the lease so two releases cannot both pass."""
    return session.get(Lease, lease_id, with_for_update=True) is not None


def _held(session: Session, entry: LedgerEntry) -> LedgerEntry:
    """The inserted row as a persistent object of the session, as if loaded (no second INSERT, no SELECT)."""
    make_transient_to_detached(entry)
    session.add(entry)
    return entry


def _check_links(session: Session, new: EntryCreate, found: _Lookups) -> None:
    """The payment and the resident a line names must exist and belong to its lease."""
    if new.payment_id is not None:
        if found.payment_lease_id is None:
            raise InvalidInput(f"no payment with id {new.payment_id}")
        if found.payment_lease_id != new.lease_id:
            raise InvalidInput(f"payment {new.payment_id} belongs to another lease, not lease {new.lease_id}")
    if new.resident_id is not None:
        if found.on_lease is not None:
            return
        if session.get(Resident, new.resident_id) is None:
            raise InvalidInput(f"no resident with id {new.resident_id}")
        raise InvalidInput(f"resident {new.resident_id} is not on lease {new.lease_id}")


def _check_deposit_release(session: Session, new: EntryCreate, *, today: date) -> None:
    """A release may not leave less than nothing held, today or on any later day (the lines on the
    lease's deposit may be dated ahead: a receipt dated next month is not held before then)."""
    lines = session.execute(
        select(LedgerEntry.effective_on, LedgerEntry.amount_cents).where(
            LedgerEntry.lease_id == new.lease_id, LedgerEntry.kind == EntryKind.DEPOSIT.value
        )
    )
    held_lines = [(day, int(cents)) for day, cents in lines]
    day, low = lowest_held([*held_lines, (new.effective_on, new.amount_cents)], from_day=today)
    if low < 0:
        held = low - new.amount_cents
        raise InvalidInput(
            f"lease {new.lease_id} holds {format_cents(held)} of deposit on {day.isoformat()}: a release "
            f"of {format_cents(-new.amount_cents)} would take out more than is held"
        )


def _check_reversal(session: Session, new: EntryCreate) -> None:
    target = session.get(LedgerEntry, new.reverses_id)
    if target is None or target.lease_id != new.lease_id:
        raise NotFound(f"no entry {new.reverses_id} on lease {new.lease_id} to reverse")
    if target.kind == EntryKind.REVERSAL.value or target.reverses_id is not None:
        raise InvalidInput("a reversal cannot itself be reversed: post the original entry again instead")
    is_deposit = target.kind == EntryKind.DEPOSIT.value
    if is_deposit and new.kind is not EntryKind.DEPOSIT:
        raise InvalidInput(
            f"entry {target.id} is a deposit: correct it with a deposit line of the opposite amount "
            "(kind 'deposit' naming reverses_id), so held money never moves what is owed"
        )
    if not is_deposit and new.kind is EntryKind.DEPOSIT:
        raise InvalidInput(f"entry {target.id} is not a deposit: reverse it with kind 'reversal'")
    if new.amount_cents != -target.amount_cents:
        raise InvalidInput(
            f"a reversal of entry {target.id} must be {-target.amount_cents} cents, not {new.amount_cents}"
        )
    already = session.scalars(select(LedgerEntry.id).where(LedgerEntry.reverses_id == target.id)).first()
    if already is not None:
        raise Conflict(f"entry {target.id} was already reversed by entry {already}")


def reverse_entry(
    session: Session,
    *,
    entry_id: int,
    reason: str,
    today: date,
    source: str = "manual",
    external_id: str | None = None,
    created_by: str = "system",
) -> Posted:
    """Post the opposite of an entry (a returned payment, a charge posted in error)."""
    target = session.get(LedgerEntry, entry_id)
    if target is None:
        raise NotFound(f"no ledger entry with id {entry_id}")
    # A deposit is held money: its correction is a deposit line, so what is owed never moves.
    kind = EntryKind.DEPOSIT if target.kind == EntryKind.DEPOSIT.value else EntryKind.REVERSAL
    # Never effective before what it reverses: a line dated ahead is cancelled on its own day.
    effective_on = max(today, target.effective_on)
    return post_entry(
        session,
        EntryCreate(
            lease_id=target.lease_id,
            kind=kind,
            amount_cents=-target.amount_cents,
            effective_on=effective_on,
            description=f"Reversal: {reason}",
            reverses_id=target.id,
            source=source,
            external_id=external_id,
            payment_id=target.payment_id,
            created_by=created_by,
        ),
        today=today,
    )
