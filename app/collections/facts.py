"""What readiness and the ladder decide on, gathered at the edge into one pydantic model per account.

`gather` reads, for every lease whose cleared balance is above zero on the run's day: the lease and its
property, its ledger lines (cleared money only), pending payments (`payments` rows still `pending`: a
processing ACH), open disputes and open chargebacks, payment plans, staff holds and blocks, residents
(do-not-contact, duplicates), open escalations and conversations waiting on staff, the PM-import flags of
recent reports, and open payment exceptions. Each is one statement over all those leases (in chunks), so a
run over 10,000 leases is a few dozen queries. Everything after this is pure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from app.collections.config import LadderConfig
from app.collections.position import (
    Change,
    Period,
    credits_applied,
    period_for,
    position,
    recent_changes,
)
from app.ledger.queries import balances_by_sql
from app.ledger.types import Entry, EntryKind, LateFeeKind, LateFeeRule
from app.models import (
    CollectionHold,
    Conversation,
    Dispute,
    Escalation,
    ImportBatch,
    ImportFlag,
    Lease,
    LeaseResident,
    LedgerEntry,
    Payment,
    PaymentException,
    PaymentPlan,
    ProcessorIntent,
    Property,
    RecurringCharge,
    Resident,
    Unit,
)
from app.money import format_cents

CHUNK = 2_000
"""Leases per IN (...) list: far inside SQLite's and PostgreSQL's limits on bound parameters."""
LADDER_SOURCE = "collections"
"""The ledger `source` of the ladder's own late fees."""
REVIEW_FLAGS = frozenset({"balance_mismatch", "changed", "duplicate_resident", "lease_mismatch"})
AMBIGUITY_FLAGS = frozenset({"credit", "deposit"})
ROUTINE_CODES = frozenset({"rent", "late_fee", "nsf"})
"""Charge codes that are never a "recent change" (besides each lease's recurring charges)."""


class Fact(BaseModel):
    model_config = ConfigDict(frozen=True)


class HoldFact(Fact):
    id: int
    kind: Literal["hold", "legal", "bankruptcy"]
    reason: str
    placed_by: str
    until_on: date | None


class ResidentFact(Fact):
    ref: str
    name: str
    phone: str | None
    do_not_contact: bool
    language: str


class FlagFact(Fact):
    kind: str
    detail: str
    batch_id: int


class AccountFacts(Fact):
    """One account (lease) on one day: the money, and everything that may stand in the ladder's way."""

    # the lease
    lease_id: int
    lease_ref: str
    property_id: int
    property_code: str
    state: str
    unit: str
    lease_status: str
    start_on: date
    moved_out_on: date | None
    rent_cents: int
    due_day: int
    grace_days: int
    late_fee: LateFeeRule
    # the money, on `as_of`, against the period of `period_on`
    as_of: date
    period_on: date
    next_due_on: date
    balance_cents: int
    owed_cents: int
    rent_owed_cents: int
    cleared_cents: int
    short_cents: int
    rent_short_cents: int
    late_fee_charged: bool
    last_paid_on: date | None
    pending_cents: int = 0
    pending_payments: int = 0
    deposit_held_cents: int = 0
    # what may stand in the way
    open_disputes: tuple[str, ...] = ()
    open_chargebacks: tuple[str, ...] = ()
    plan_status: Literal["active", "proposed", "offered"] | None = None
    plan_id: int | None = None
    holds: tuple[HoldFact, ...] = ()
    residents: tuple[ResidentFact, ...] = ()
    open_escalations: tuple[str, ...] = ()
    staff_conversations: int = 0
    recent_changes: tuple[str, ...] = ()
    recent_returns: tuple[str, ...] = ()
    credits_applied: tuple[str, ...] = ()
    import_flags: tuple[FlagFact, ...] = ()
    payment_exceptions: tuple[str, ...] = ()

    @property
    def period(self) -> Period:
        return Period(self.period_on, self.next_due_on)


@dataclass(frozen=True)
class Account:
    """An account's facts and the ledger lines they were read from (for notices and re-checks)."""

    facts: AccountFacts
    entries: list[Entry]
    own_fee_ids: frozenset[int]
    routine_codes: frozenset[str]
    """Charge codes of the lease's recurring charges (parking, pet rent...): routine, never a change."""


T = TypeVar("T")


def _chunks(ids: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _in(session: Session, make: Callable[[Sequence[int]], Any], ids: Sequence[int]) -> Iterator[Any]:
    for chunk in _chunks(ids):
        yield from session.execute(make(chunk))


_KINDS = {k.value: k for k in EntryKind}


def read_entries(
    session: Session, lease_ids: Sequence[int], *, as_of: date
) -> tuple[dict[int, list[Entry]], set[int]]:
    """Each lease's ledger lines visible on `as_of`, and the ids of the ladder's own fees among them."""
    entries: dict[int, list[Entry]] = defaultdict(list)
    own: set[int] = set()
    kinds = _KINDS

    def query(chunk: Sequence[int]) -> Any:
        return (
            select(*_LINE_COLUMNS)
            .where(LedgerEntry.lease_id.in_(chunk))
            .where(LedgerEntry.posted_on <= as_of, LedgerEntry.effective_on <= as_of)
            .order_by(LedgerEntry.lease_id, LedgerEntry.id)
        )

    # Plain columns, read through the connection: the ORM's row handling cost more than the query.
    connection = session.connection()
    rows: Iterable[Any] = (
        connection.execute(_ONE_LEASE_LINES, {"lease_id": lease_ids[0], "as_of": as_of})
        if len(lease_ids) == 1
        else (row for chunk in _chunks(lease_ids) for row in connection.execute(query(chunk)))
    )
    for r in rows:
        entries[r[0]].append(Entry(r[1], kinds[r[2]], r[3], r[4], r[5], r[6], r[7], r[8]))
        if r[9] == LADDER_SOURCE:
            own.add(r[1])
    return entries, own


_LINE_COLUMNS = (
    LedgerEntry.lease_id,
    LedgerEntry.id,
    LedgerEntry.kind,
    LedgerEntry.amount_cents,
    LedgerEntry.effective_on,
    LedgerEntry.posted_on,
    LedgerEntry.description,
    LedgerEntry.reverses_id,
    LedgerEntry.charge_code,
    LedgerEntry.source,
)
# The re-check reads one lease at a time, just before a step fires: statements built once, values bound at
# each execution (building one per call cost as much in SQLAlchemy as running it).
_ONE_LEASE_LINES = (
    select(*_LINE_COLUMNS)
    .where(LedgerEntry.lease_id == bindparam("lease_id"))
    .where(LedgerEntry.posted_on <= bindparam("as_of"), LedgerEntry.effective_on <= bindparam("as_of"))
    .order_by(LedgerEntry.id)
)
_VISIBLE_LINES = (
    LedgerEntry.lease_id == bindparam("lease_id"),
    LedgerEntry.posted_on <= bindparam("as_of"),
    LedgerEntry.effective_on <= bindparam("as_of"),
)
_PENDING_PAYMENTS = (
    Payment.lease_id == bindparam("lease_id"),
    Payment.status == "pending",
    Payment.initiated_on <= bindparam("as_of"),
)
_ONE_LEASE_NOW = select(
    select(func.count()).where(*_VISIBLE_LINES).scalar_subquery(),
    select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(*_VISIBLE_LINES).scalar_subquery(),
    select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(*_PENDING_PAYMENTS).scalar_subquery(),
    select(func.count()).select_from(Payment).where(*_PENDING_PAYMENTS).scalar_subquery(),
)
"""How many visible lines the lease has and their sum, and its pending payments: one round trip."""


def owing_leases(session: Session, *, as_of: date) -> tuple[list[int], dict[int, int]]:
    """Leases whose cleared balance on `as_of` is above zero (one GROUP BY), and every lease's balance."""
    totals = balances_by_sql(session, as_of=as_of)
    return sorted(lease for lease, total in totals.items() if total > 0), totals


def gather(
    session: Session,
    *,
    as_of: date,
    configs: dict[int, LadderConfig],
    default: LadderConfig,
    lease_ids: Sequence[int] | None = None,
) -> dict[int, Account]:
    """The accounts to classify on `as_of` (every lease that owes, or just `lease_ids`), by lease id."""
    ids = owing_leases(session, as_of=as_of)[0] if lease_ids is None else sorted(lease_ids)
    if not ids:
        return {}
    leases = {
        row[0].id: row
        for row in _in(
            session,
            lambda chunk: (
                select(Lease, Unit.property_id, Property.code, Property.state, Unit.number)
                .join(Unit, Unit.id == Lease.unit_id)
                .join(Property, Property.id == Unit.property_id)
                .where(Lease.id.in_(chunk))
            ),
            ids,
        )
    }
    ids = [i for i in ids if i in leases]
    entries, own = read_entries(session, ids, as_of=as_of)
    context = _Context.read(session, ids, as_of=as_of, configs=configs, default=default, leases=leases)
    accounts: dict[int, Account] = {}
    for lease_id in ids:
        lease, property_id, code, state, unit = leases[lease_id]
        config = configs.get(property_id, default)
        lines = entries.get(lease_id, [])
        mine = frozenset(e.id for e in lines if e.id in own)
        routine = context.recurring.get(lease_id, frozenset())
        facts = _facts(
            lease, property_id, code, state, unit, lines, mine, as_of=as_of, config=config, context=context
        )
        accounts[lease_id] = Account(facts, lines, mine, routine)
    return accounts


def refresh(session: Session, account: Account, *, as_of: date, config: LadderConfig) -> Account:
    """The same account with its money read again from the database: the ledger and pending payments
    right now (what every step re-checks just before it fires). The rest of its facts stand."""
    lease_id = account.facts.lease_id
    connection = session.connection()
    lines, mine = account.entries, account.own_fee_ids
    # The ledger is append-only: if the lease's visible lines are as many (and sum as much) as when they
    # were read, they are the same lines. Otherwise read them all again.
    count, total, cents, pending_count = connection.execute(
        _ONE_LEASE_NOW, {"lease_id": lease_id, "as_of": as_of}
    ).one()
    if (int(count), int(total or 0)) != (len(lines), sum(e.amount_cents for e in lines)):
        entries, own = read_entries(session, [lease_id], as_of=as_of)
        lines = entries.get(lease_id, [])
        mine = frozenset(e.id for e in lines if e.id in own)
    pending = (int(cents or 0), int(pending_count))
    money = _money(
        lines, mine, period=account.facts.period, as_of=as_of, config=config, routine=account.routine_codes
    )
    facts = account.facts.model_copy(
        update={**money, "pending_cents": pending[0], "pending_payments": pending[1]}
    )
    return Account(facts, lines, mine, account.routine_codes)


def with_period(account: Account, period: Period, *, config: LadderConfig) -> AccountFacts:
    """The account's facts against another period's rent (the previous one, for its legal queue)."""
    money = _money(
        account.entries,
        account.own_fee_ids,
        period=period,
        as_of=account.facts.as_of,
        config=config,
        routine=account.routine_codes,
    )
    return account.facts.model_copy(
        update={**money, "period_on": period.due_on, "next_due_on": period.next_due_on}
    )


# -- the pieces ------------------------------------------------------------------------------------------


def _money(
    lines: list[Entry],
    own: frozenset[int],
    *,
    period: Period,
    as_of: date,
    config: LadderConfig,
    routine: frozenset[str],
) -> dict[str, Any]:
    pos = position(lines, period=period, as_of=as_of)
    changes = recent_changes(
        lines, as_of=as_of, days=config.recent_change_days, routine=ROUTINE_CODES | routine, own=own
    )
    return {
        "balance_cents": pos.balance_cents,
        "owed_cents": pos.owed_cents,
        "rent_owed_cents": pos.rent_owed_cents,
        "cleared_cents": pos.cleared_cents,
        "short_cents": pos.short_cents,
        "rent_short_cents": pos.rent_short_cents,
        "late_fee_charged": pos.late_fee_charged,
        "last_paid_on": pos.last_paid_on,
        "deposit_held_cents": sum(e.amount_cents for e in lines if e.kind is EntryKind.DEPOSIT),
        "recent_changes": tuple(_said(c) for c in changes if c.kind is not EntryKind.REVERSAL),
        "recent_returns": tuple(_said(c) for c in changes if c.kind is EntryKind.REVERSAL),
        "credits_applied": tuple(
            _said(c) for c in credits_applied(lines, as_of=as_of, days=config.credit_lookback_days)
        ),
    }


def _said(change: Change) -> str:
    return (
        f"{change.description} ({format_cents(change.amount_cents, signed=True)}, posted {change.posted_on})"
    )


def _facts(
    lease: Lease,
    property_id: int,
    code: str,
    state: str,
    unit: str,
    lines: list[Entry],
    own: frozenset[int],
    *,
    as_of: date,
    config: LadderConfig,
    context: _Context,
) -> AccountFacts:
    period = period_for(lease.due_day, as_of)
    routine = context.recurring.get(lease.id, frozenset())
    money = _money(lines, own, period=period, as_of=as_of, config=config, routine=routine)
    pending = context.pending.get(lease.id, (0, 0))
    flag_since = as_of - timedelta(days=config.import_flag_days)
    return AccountFacts(
        lease_id=lease.id,
        lease_ref=lease.ref,
        property_id=property_id,
        property_code=code,
        state=state,
        unit=unit,
        lease_status=lease.status,
        start_on=lease.start_on,
        moved_out_on=lease.moved_out_on,
        rent_cents=lease.rent_cents,
        due_day=lease.due_day,
        grace_days=lease.grace_days,
        late_fee=LateFeeRule(
            kind=LateFeeKind(lease.late_fee_kind),
            amount_cents=lease.late_fee_amount_cents,
            percent_bp=lease.late_fee_percent_bp,
            daily_cents=lease.late_fee_daily_cents,
            cap_cents=lease.late_fee_cap_cents,
        ),
        as_of=as_of,
        period_on=period.due_on,
        next_due_on=period.next_due_on,
        **money,
        pending_cents=pending[0],
        pending_payments=pending[1],
        open_disputes=tuple(context.disputes.get(lease.id, ())),
        open_chargebacks=tuple(context.chargebacks.get(lease.id, ())),
        plan_status=context.plans[lease.id][0] if lease.id in context.plans else None,
        plan_id=context.plans[lease.id][1] if lease.id in context.plans else None,
        holds=tuple(context.holds.get(lease.id, ())),
        residents=tuple(context.residents.get(lease.id, ())),
        open_escalations=tuple(context.escalations.get(lease.id, ())),
        staff_conversations=context.conversations.get(lease.id, 0),
        import_flags=tuple(f for f, on in context.flags.get(lease.id, ()) if on >= flag_since),
        payment_exceptions=tuple(context.exceptions.get(lease.id, ())),
    )


def _pending(session: Session, ids: Sequence[int], *, as_of: date) -> dict[int, tuple[int, int]]:
    out: dict[int, tuple[int, int]] = {}
    rows = _in(
        session,
        lambda chunk: (
            select(Payment.lease_id, func.sum(Payment.amount_cents), func.count())
            .where(Payment.lease_id.in_(chunk), Payment.status == "pending", Payment.initiated_on <= as_of)
            .group_by(Payment.lease_id)
        ),
        ids,
    )
    for lease_id, cents, count in rows:
        out[lease_id] = (int(cents or 0), int(count))
    return out


@dataclass
class _Context:
    """Everything but the ledger, for all the accounts at once, by lease id."""

    recurring: dict[int, frozenset[str]]
    pending: dict[int, tuple[int, int]]
    disputes: dict[int, list[str]]
    chargebacks: dict[int, list[str]]
    plans: dict[int, tuple[Literal["active", "proposed", "offered"], int]]
    holds: dict[int, list[HoldFact]]
    residents: dict[int, list[ResidentFact]]
    escalations: dict[int, list[str]]
    conversations: dict[int, int]
    flags: dict[int, list[tuple[FlagFact, date]]]
    exceptions: dict[int, list[str]]

    @classmethod
    def read(
        cls,
        session: Session,
        ids: Sequence[int],
        *,
        as_of: date,
        configs: dict[int, LadderConfig],
        default: LadderConfig,
        leases: dict[int, Any],
    ) -> _Context:
        recurring: dict[int, set[str]] = defaultdict(set)
        for lease_id, code in _in(
            session,
            lambda c: select(RecurringCharge.lease_id, RecurringCharge.code).where(
                RecurringCharge.lease_id.in_(c)
            ),
            ids,
        ):
            recurring[lease_id].add(code)

        disputes: dict[int, list[str]] = defaultdict(list)
        for lease_id, dispute_id, opened_on, reason in _in(
            session,
            lambda c: (
                select(Dispute.lease_id, Dispute.id, Dispute.opened_on, Dispute.reason)
                .where(Dispute.lease_id.in_(c), Dispute.status == "open", Dispute.opened_on <= as_of)
                .order_by(Dispute.id)
            ),
            ids,
        ):
            disputes[lease_id].append(f"dispute {dispute_id} opened {opened_on}: {reason[:120]}")

        chargebacks: dict[int, list[str]] = defaultdict(list)
        for lease_id, intent_ref, amount in _in(
            session,
            lambda c: (
                select(ProcessorIntent.lease_id, ProcessorIntent.intent_ref, ProcessorIntent.amount_cents)
                .where(ProcessorIntent.lease_id.in_(c), ProcessorIntent.status == "disputed")
                .order_by(ProcessorIntent.id)
            ),
            ids,
        ):
            chargebacks[lease_id].append(
                f"chargeback open on payment {intent_ref} ({format_cents(amount or 0)})"
            )

        plans: dict[int, tuple[Literal["active", "proposed", "offered"], int]] = {}
        rank = {"active": 0, "offered": 1, "proposed": 2}
        for lease_id, plan_id, status in _in(
            session,
            lambda c: (
                select(PaymentPlan.lease_id, PaymentPlan.id, PaymentPlan.status)
                .where(PaymentPlan.lease_id.in_(c), PaymentPlan.status.in_(tuple(rank)))
                .where(PaymentPlan.created_on <= as_of)
                .order_by(PaymentPlan.id)
            ),
            ids,
        ):
            if lease_id not in plans or rank[status] < rank[plans[lease_id][0]]:
                plans[lease_id] = (status, plan_id)

        holds: dict[int, list[HoldFact]] = defaultdict(list)
        for hold in _in(
            session,
            lambda c: (
                select(CollectionHold)
                .where(CollectionHold.lease_id.in_(c), CollectionHold.placed_on <= as_of)
                .where(or_(CollectionHold.released_on.is_(None), CollectionHold.released_on > as_of))
                .where(or_(CollectionHold.until_on.is_(None), CollectionHold.until_on >= as_of))
                .order_by(CollectionHold.id)
            ),
            ids,
        ):
            row = hold[0]
            holds[row.lease_id].append(
                HoldFact(
                    id=row.id,
                    kind=row.kind,
                    reason=row.reason,
                    placed_by=row.placed_by,
                    until_on=row.until_on,
                )
            )

        residents: dict[int, list[ResidentFact]] = defaultdict(list)
        resident_leases: dict[int, list[int]] = defaultdict(list)
        for lease_id, r in _in(
            session,
            lambda c: (
                select(LeaseResident.lease_id, Resident)
                .join(Resident, Resident.id == LeaseResident.resident_id)
                .where(LeaseResident.lease_id.in_(c))
                .order_by(LeaseResident.lease_id, Resident.id)
            ),
            ids,
        ):
            residents[lease_id].append(
                ResidentFact(
                    ref=r.ref,
                    name=r.full_name,
                    phone=r.phone,
                    do_not_contact=r.do_not_contact,
                    language=r.language,
                )
            )
            resident_leases[r.id].append(lease_id)

        escalations: dict[int, list[str]] = defaultdict(list)
        people = sorted(resident_leases)
        seen: set[int] = set()
        for row in (
            *_in(
                session,
                lambda c: select(Escalation).where(
                    Escalation.lease_id.in_(c), Escalation.status != "resolved"
                ),
                ids,
            ),
            *_in(
                session,
                lambda c: select(Escalation).where(
                    Escalation.resident_id.in_(c), Escalation.status != "resolved"
                ),
                people,
            ),
        ):
            esc = row[0]
            if esc.id in seen:
                continue
            seen.add(esc.id)
            targets = (
                {esc.lease_id}
                if esc.lease_id in leases
                else set(resident_leases.get(esc.resident_id or 0, ()))
            )
            for lease_id in targets:
                escalations[lease_id].append(f"escalation {esc.id} ({esc.reason}, {esc.status})")

        conversations: dict[int, int] = defaultdict(int)
        for resident_id, count in _in(
            session,
            lambda c: (
                select(Conversation.resident_id, func.count())
                .where(Conversation.resident_id.in_(c))
                .where(or_(Conversation.owner == "staff", Conversation.status == "waiting_staff"))
                .group_by(Conversation.resident_id)
            ),
            people,
        ):
            for lease_id in resident_leases.get(resident_id, ()):
                conversations[lease_id] += int(count)

        flags = _flags(session, ids, as_of=as_of, configs=configs, default=default)

        exceptions: dict[int, list[str]] = defaultdict(list)
        for lease_id, kind, summary in _in(
            session,
            lambda c: (
                select(ProcessorIntent.lease_id, PaymentException.kind, PaymentException.summary)
                .join(ProcessorIntent, ProcessorIntent.id == PaymentException.intent_id)
                .where(ProcessorIntent.lease_id.in_(c), PaymentException.status == "open")
                .where(PaymentException.kind.in_(("conflict", "mismatch", "invalid", "currency")))
                .order_by(PaymentException.id)
            ),
            ids,
        ):
            exceptions[lease_id].append(f"{kind}: {summary[:160]}")

        return cls(
            recurring={k: frozenset(v) for k, v in recurring.items()},
            pending=_pending(session, ids, as_of=as_of),
            disputes=disputes,
            chargebacks=chargebacks,
            plans=plans,
            holds=holds,
            residents=residents,
            escalations=escalations,
            conversations=conversations,
            flags=flags,
            exceptions=exceptions,
        )


def _flags(
    session: Session,
    ids: Sequence[int],
    *,
    as_of: date,
    configs: dict[int, LadderConfig],
    default: LadderConfig,
) -> dict[int, list[tuple[FlagFact, date]]]:
    """The flags of the latest import of each (source, kind) made by `as_of`, with the report's date: a
    newer report of the same kind replaces what an older one flagged (it says what the PM shows now)."""
    longest = max([default.import_flag_days, *(c.import_flag_days for c in configs.values())])
    latest = (
        select(func.max(ImportBatch.id))
        .where(ImportBatch.as_of <= as_of, ImportBatch.as_of > as_of - timedelta(days=longest + 1))
        .group_by(ImportBatch.source, ImportBatch.kind)
    )
    batches = {
        bid: on
        for bid, on in session.execute(
            select(ImportBatch.id, ImportBatch.as_of).where(ImportBatch.id.in_(latest))
        )
    }
    out: dict[int, list[tuple[FlagFact, date]]] = defaultdict(list)
    if not batches:
        return out
    for lease_id, kind, detail, batch_id in _in(
        session,
        lambda c: (
            select(ImportFlag.lease_id, ImportFlag.kind, ImportFlag.detail, ImportFlag.batch_id)
            .where(ImportFlag.lease_id.in_(c), ImportFlag.batch_id.in_(tuple(batches)))
            .order_by(ImportFlag.id)
        ),
        ids,
    ):
        out[lease_id].append((FlagFact(kind=kind, detail=detail[:200], batch_id=batch_id), batches[batch_id]))
    return out
