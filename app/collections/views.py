"""What staff screens and outreach read: a run's readiness with what changed since the run before it, the
steps fired (for outreach to draft from), and the legal queue. Read-only; JSON-ready pydantic models."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.collections.readiness import Readiness, Reason
from app.collections.schemas import AccountReadiness, ReadinessChange, ReadinessView, StepPublic
from app.models import CollectionRun, CollectionStep, Lease, Property, ReadinessRecord, Unit


def readiness_view(
    session: Session, *, run_on: date | None = None, status: Readiness | None = None
) -> ReadinessView:
    """The classification of the run on `run_on` (default: the latest run) and what changed since the run
    before it: accounts that newly owe, that no longer owe, that changed class or reasons."""
    query = select(CollectionRun).order_by(CollectionRun.run_on.desc()).limit(1)
    if run_on is not None:
        query = select(CollectionRun).where(CollectionRun.run_on == run_on)
    run = session.scalars(query).first()
    empty = {s.value: 0 for s in Readiness}
    if run is None:
        return ReadinessView(run_on=None, previous_run_on=None, counts=empty, accounts=[], changes=[])
    previous = session.scalars(
        select(CollectionRun)
        .where(CollectionRun.run_on < run.run_on)
        .order_by(CollectionRun.run_on.desc())
        .limit(1)
    ).first()
    now = _rows(session, run.id)
    before = _rows(session, previous.id) if previous else {}
    counts = dict(empty)
    for row in now.values():
        counts[row.status.value] += 1
    changes: list[ReadinessChange] = []
    for lease_id in sorted(now.keys() | before.keys()):
        new, old = now.get(lease_id), before.get(lease_id)
        if (
            new
            and old
            and new.status == old.status
            and [r.code for r in new.reasons] == [r.code for r in old.reasons]
        ):
            continue
        kind = (
            "entered"
            if old is None
            else "left"
            if new is None
            else "status"
            if new.status != old.status
            else "reasons"
        )
        shown = new or old
        assert shown is not None
        changes.append(
            ReadinessChange(
                lease=shown.lease,
                lease_id=lease_id,
                change=kind,
                before=old.status if old else None,
                after=new.status if new else None,
                reasons=new.reasons if new else [],
            )
        )
    accounts = [a for a in now.values() if status is None or a.status is status]
    return ReadinessView(
        run_on=run.run_on,
        previous_run_on=previous.run_on if previous else None,
        counts=counts,
        accounts=accounts,
        changes=changes,
    )


def _rows(session: Session, run_id: int) -> dict[int, AccountReadiness]:
    rows = session.execute(
        select(ReadinessRecord, Lease.ref, Property.code)
        .join(Lease, Lease.id == ReadinessRecord.lease_id)
        .join(Unit, Unit.id == Lease.unit_id)
        .join(Property, Property.id == Unit.property_id)
        .where(ReadinessRecord.run_id == run_id)
        .order_by(ReadinessRecord.lease_id)
    )
    return {
        rec.lease_id: AccountReadiness(
            lease=ref,
            lease_id=rec.lease_id,
            property=code,
            status=Readiness(rec.status),
            reasons=[Reason.model_validate(r) for r in rec.reasons],
            period=rec.period_on,
            balance_cents=rec.balance_cents,
            short_cents=rec.short_cents,
            pending_cents=rec.pending_cents,
        )
        for rec, ref, code in rows
    }


def list_steps(
    session: Session,
    *,
    after_id: int = 0,
    limit: int = 500,
    step: str | None = None,
    lease_id: int | None = None,
) -> list[StepPublic]:
    """Fired steps with ids above `after_id`, oldest first: what outreach drafts messages from (it keeps
    the last id it read). `step="legal_queue"` is the legal/collections queue."""
    query = (
        select(CollectionStep, Lease.ref)
        .join(Lease, Lease.id == CollectionStep.lease_id)
        .where(CollectionStep.id > after_id)
        .order_by(CollectionStep.id)
        .limit(max(1, min(limit, 5_000)))
    )
    if step is not None:
        query = query.where(CollectionStep.step == step)
    if lease_id is not None:
        query = query.where(CollectionStep.lease_id == lease_id)
    return [
        StepPublic(
            id=s.id,
            lease=ref,
            lease_id=s.lease_id,
            period=s.period_on,
            step=s.step,
            clock="formal" if s.clock == "formal" else "friendly",
            fired_on=s.fired_on,
            readiness=s.readiness,
            owed_cents=s.owed_cents,
            cleared_cents=s.cleared_cents,
            short_cents=s.short_cents,
            pending_cents=s.pending_cents,
            amount_cents=s.amount_cents,
            ledger_entry_id=s.ledger_entry_id,
            document_path=s.document_path,
            document_sha256=s.document_sha256,
            template=s.template,
        )
        for s, ref in session.execute(query)
    ]


def legal_queue(session: Session, *, limit: int = 500) -> list[StepPublic]:
    """Accounts that entered the legal/collections queue, oldest first."""
    return list_steps(session, step="legal_queue", limit=limit)
