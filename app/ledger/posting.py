"""Posting to the ledger: validated, idempotent by (source, external id), audited, append-only.

A repeat of the same (source, external id) returns the entry already posted; a repeat that differs in
lease, kind, amount or date is refused, since one of the two must be wrong. Corrections are new entries:
`reverse_entry` posts the opposite of an entry and links the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import audit
from app.errors import Conflict, InvalidInput, NotFound
from app.ledger.types import CHARGE_KINDS, CREDIT_KINDS, EntryKind
from app.models import Lease, LedgerEntry
from app.money import MAX_CENTS


class EntryCreate(BaseModel):
    """A ledger line to post. Charges are positive cents; payments and credits negative."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    lease_id: StrictInt
    kind: EntryKind
    amount_cents: Annotated[StrictInt, Field(description="Integer cents; never a float.")]
    effective_on: date
    posted_on: date | None = None
    description: Annotated[str, Field(min_length=1, max_length=300)]
    charge_code: Annotated[str | None, Field(max_length=30)] = None
    source: Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[a-z0-9_\-]+$")] = "manual"
    external_id: Annotated[str | None, Field(min_length=1, max_length=120)] = None
    payment_id: StrictInt | None = None
    reverses_id: StrictInt | None = None
    resident_id: StrictInt | None = None
    created_by: Annotated[str, Field(min_length=1, max_length=100)] = "system"

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
    if kind is not EntryKind.REVERSAL and reverses_id is not None:
        return "only a reversal may name reverses_id"
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


def _existing(session: Session, source: str, external_id: str) -> LedgerEntry | None:
    return session.scalars(
        select(LedgerEntry).where(LedgerEntry.source == source, LedgerEntry.external_id == external_id)
    ).first()


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
    if new.external_id and (existing := _existing(session, new.source, new.external_id)):
        return _check_repeat(existing, new)
    if session.get(Lease, new.lease_id) is None:
        raise NotFound(f"no lease with id {new.lease_id}")
    if new.reverses_id is not None:
        _check_reversal(session, new)
    entry = LedgerEntry(
        **new.model_dump(exclude={"posted_on", "kind"}), kind=new.kind.value, posted_on=new.posted_on or today
    )
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:
        # A concurrent post of the same (source, external_id) won the race: treat it like a repeat.
        if new.external_id and (existing := _existing(session, new.source, new.external_id)):
            return _check_repeat(existing, new)
        raise
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
        },
    )
    return Posted(entry, created=True)


def _check_reversal(session: Session, new: EntryCreate) -> None:
    target = session.get(LedgerEntry, new.reverses_id)
    if target is None or target.lease_id != new.lease_id:
        raise NotFound(f"no entry {new.reverses_id} on lease {new.lease_id} to reverse")
    if target.kind == EntryKind.REVERSAL.value:
        raise InvalidInput("a reversal cannot itself be reversed: post the original entry again instead")
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
    return post_entry(
        session,
        EntryCreate(
            lease_id=target.lease_id,
            kind=EntryKind.REVERSAL,
            amount_cents=-target.amount_cents,
            effective_on=today,
            description=f"Reversal: {reason}",
            reverses_id=target.id,
            source=source,
            external_id=external_id,
            payment_id=target.payment_id,
            created_by=created_by,
        ),
        today=today,
    )
