"""`simulate_month`: a month of the demo portfolio replayed day by day in a throwaway database, with the
ladder run every day, and the figures that say whether it did right.

The demo portfolio is seeded (`app.demo.seed`, the same options give the same portfolio) into a staging
SQLite file as of the month's last day. Everything dated before the month is copied into the target
database as it stands (the target must be empty: a throwaway one, never an instance's). The month itself
is replayed day by day, each day in the order things happen, then `run_collections` for that day:

- the rent and the month's other charges and credits, posted on the day the demo posted them (the demo's
  own late fees are not: the ladder must post them);
- card payments as Stripe `payment_intent.succeeded` events on the day paid; ACH payments as
  `payment_intent.processing` on the day paid and `payment_intent.succeeded` on the day they clear (two
  days later: a pending ACH is not cleared money); checks and money orders posted on the day;
- from the demo history, deterministically: one ACH payment in 30 is returned by the bank two days after
  it clears (`charge.failed`, R01: the reversal and the lease's NSF fee); the first card payment of the
  month's first ten days (by a hash of its reference) gets a chargeback a week later; the delinquent
  household's lease gets a bankruptcy block on the 2nd; payment plans and disputes open on their days.

Events go through the webhook code (`app.payments`), read from Stripe-format JSON, unsigned: nothing here
is received over HTTP. After each day's run, outreach drafts that day's message steps and sends them through
its real sending path at the simulated clock, into a recording outbox (`simulate_outreach`): a send attempt
before the quiet-hours window opens every day, and a resident who opts out just before a message is due.
The figures are computed afterwards from what was recorded and what the outbox received, by checks that do
not use the ladder's or outreach's own reasoning: the final ledger says who had really paid by each day; the
clock and the opt-out registry say whether a message should have gone.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
import secrets
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from app import audit, migrate
from app.collections.config import DEFAULT, load_configs
from app.collections.facts import read_entries
from app.collections.holds import place_hold
from app.collections.ladder import Step, schedule
from app.collections.position import Period, short_on
from app.collections.readiness import FEES_ALLOWED
from app.collections.run import run_collections
from app.collections.schemas import SimulationFigures
from app.collections.simulate_outreach import OutreachReplay, Sent, measure_sends
from app.config import Settings
from app.db import make_engine, make_sessionmaker, transaction
from app.demo.bulk import insert_rows
from app.demo.seed import SeedOptions, seed_demo
from app.errors import Conflict, InvalidInput
from app.ledger.jurisdictions import jurisdiction_for
from app.ledger.late_fees import effective_rule, late_fee_on
from app.ledger.posting import EntryCreate, post_entry, reverse_entry
from app.ledger.schedule import add_months, due_date_in
from app.ledger.types import EntryKind, LateFeeKind, LateFeeRule
from app.models import (
    CollectionHold,
    CollectionRun,
    CollectionSettings,
    CollectionStep,
    Dispute,
    Lease,
    LeaseResident,
    LedgerEntry,
    Payment,
    PaymentPlan,
    PlanInstallment,
    ProcessorIntent,
    Property,
    ReadinessRecord,
    RecurringCharge,
    Resident,
    Unit,
)
from app.payments.ingest import receive
from app.payments.stripe_events import read_delivery

ACTOR = "simulate"
_COUNTED = (
    "leases",
    "card_payments",
    "ach_payments",
    "ach_cleared",
    "ach_returned",
    "office_payments",
    "lines_posted",
    "chargebacks",
    "blocks",
)
RETURN_ONE_IN = 30
"""One ACH payment in this many (by a hash of its reference) is returned by the bank."""
_COPIED = (
    Property,
    Unit,
    Resident,
    Lease,
    LeaseResident,
    RecurringCharge,
    Payment,
    LedgerEntry,
    PaymentPlan,
    PlanInstallment,
    Dispute,
)
_SEQUENCED = ("properties", "units", "residents", "leases", "recurring_charges", "payments", "ledger_entries",
              "payment_plans", "plan_installments", "disputes")  # fmt: skip


@dataclass
class SimulationDetail:
    """What the replay did, for people (not part of the JSON figures)."""

    month: date
    days: int = 0
    leases: int = 0
    card_payments: int = 0
    ach_payments: int = 0
    ach_cleared: int = 0
    ach_returned: int = 0
    office_payments: int = 0
    lines_posted: int = 0
    chargebacks: int = 0
    blocks: int = 0
    steps: dict[str, int] = field(default_factory=dict)
    fees_cents: int = 0
    readiness_days: dict[str, int] = field(default_factory=dict)
    """Account-days in each readiness class over the month."""
    missed: list[str] = field(default_factory=list)
    """Eligible fees that were not posted (lease and period)."""
    wrongful: list[str] = field(default_factory=list)
    blocked_steps: list[str] = field(default_factory=list)
    outreach: dict[str, int] = field(default_factory=dict)
    """Messages drafted, sent, held for the quiet-hours window, and refused (by reason) at send time."""
    seconds: float = 0.0


@dataclass
class Simulation:
    figures: SimulationFigures
    detail: SimulationDetail


def month_of(text_month: str) -> date:
    """`YYYY-MM` as the month's first day."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}", text_month):
            raise ValueError(text_month)
        first = datetime.strptime(text_month, "%Y-%m").date()
    except ValueError as exc:
        raise InvalidInput(f"--month {text_month!r} is not a month: write YYYY-MM") from exc
    if not date(1971, 1, 1) <= first <= date(2199, 1, 1):
        raise InvalidInput(f"--month {text_month}: months from 1971-01 to 2199-01")
    return first


def simulate_in_throwaway(
    *, month: date, units: int = 240, seed: int = 7, progress: Callable[[str], None] | None = None
) -> Simulation:
    """`simulate_month` in a SQLite database made in a temporary directory and removed afterwards: the
    instance's own database and data directory are never opened."""
    with tempfile.TemporaryDirectory(prefix="doorstep-simulate-") as root:
        settings = _throwaway_settings(Path(root), "simulation")
        engine = make_engine(settings)
        try:
            migrate.upgrade(engine)
            return simulate_month(
                make_sessionmaker(engine),
                month=month,
                data_dir=settings.data_dir,
                units=units,
                seed=seed,
                progress=progress,
            )
        finally:
            engine.dispose()


def simulate_month(
    sessions: sessionmaker[Session],
    *,
    month: date,
    data_dir: Path,
    units: int = 240,
    seed: int = 7,
    progress: Callable[[str], None] | None = None,
) -> Simulation:
    """Replay `month` of the demo portfolio into `sessions`' database (migrated and empty) and measure."""
    started = time.perf_counter()
    say = progress or (lambda _message: None)
    with sessions() as session:
        if session.scalar(select(func.count()).select_from(Property)):
            raise Conflict("the simulation needs an empty database: it never runs on an instance's own")
    start = month.replace(day=1)
    end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    say(f"seeding the demo portfolio ({units} units, seed {seed}) as of {end}")
    rows, personas = _staging_rows(start, end, units=units, seed=seed)
    replay = _Replay(rows, personas, start=start, end=end, seed=seed)
    detail = SimulationDetail(month=start)
    outreach = OutreachReplay(actor=ACTOR, seed=seed, tz=replay.tz)
    with transaction(sessions) as session:
        replay.load_base(session)
        _approve_fees_everywhere(session)
        outreach.allow_everywhere(session)
    with transaction(sessions) as session:
        replay.before_month(session)
    say(f"replaying {start:%B %Y} day by day")
    day = start
    while day <= end:
        with transaction(sessions) as session:
            replay.apply(session, day)
        with transaction(sessions) as session:
            run_collections(session, run_on=day, today=day, data_dir=data_dir, actor=ACTOR)
        outreach.day(sessions, day)
        day += timedelta(days=1)
    replay.fill(detail)
    detail.days = (end - start).days + 1
    detail.outreach = dict(sorted(outreach.counts.items()))
    with sessions() as session:
        figures = _measure(session, start=start, end=end, detail=detail, sent=outreach.outbox.sent)
    detail.seconds = round(time.perf_counter() - started, 2)
    return Simulation(figures, detail)


def _approve_fees_everywhere(session: Session) -> None:
    """The replay measures a portfolio whose managers have given the standing approval for fees
    (`post_late_fees`); an instance starts without it, and posts no fee until a manager gives it."""
    for property_id in session.scalars(select(Property.id)):
        session.add(
            CollectionSettings(
                property_id=property_id,
                config={"post_late_fees": True},
                updated_by=f"{ACTOR} (as if the property's manager had approved fees)",
            )
        )


def _throwaway_settings(root: Path, name: str) -> Settings:
    return Settings(
        DATABASE_URL=f"sqlite:///{root / name}.sqlite3",
        DOORSTEP_DATA_DIR=root / f"{name}-data",
        ENVIRONMENT="test",
        DOORSTEP_AUDIT_KEY=secrets.token_hex(32),
    )


def _staging_rows(
    start: date, end: date, *, units: int, seed: int
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str]]:
    """The demo portfolio as of the month's last day, table by table, read back from a staging file."""
    with tempfile.TemporaryDirectory(prefix="doorstep-staging-") as root:
        settings = _throwaway_settings(Path(root), "staging")
        engine = make_engine(settings)
        try:
            migrate.upgrade(engine)
            sessions = make_sessionmaker(engine)
            with transaction(sessions) as session:
                report = seed_demo(session, SeedOptions(units=units, months=12, seed=seed, as_of=end))
            with sessions() as session:
                rows = {
                    model.__tablename__: [
                        dict(r) for r in session.execute(select(model.__table__)).mappings()
                    ]
                    for model in _COPIED
                }
        finally:
            engine.dispose()
    del start
    return rows, report.personas


def _ts(day: date, hour: int, tz: ZoneInfo) -> int:
    return int(datetime.combine(day, clock(hour), tzinfo=tz).timestamp())


def _hash(*parts: object) -> int:
    return int(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:12], 16)


class _Replay:
    """The month's events, by day, built from the staging rows; applied one day at a time."""

    def __init__(
        self,
        rows: dict[str, list[dict[str, Any]]],
        personas: dict[str, str],
        *,
        start: date,
        end: date,
        seed: int,
    ) -> None:
        self.rows, self.personas, self.start, self.end, self.seed = rows, personas, start, end, seed
        self.tz = ZoneInfo(Settings.model_fields["DOORSTEP_TIMEZONE"].default)
        self.leases = {r["id"]: r for r in rows["leases"]}
        self.residents = {r["id"]: r for r in rows["residents"]}
        self.entries = {r["id"]: r for r in rows["ledger_entries"]}
        self.events: dict[date, list[tuple[int, Callable[[Session, date], None]]]] = defaultdict(list)
        self.entry_ids: dict[int, int] = {}
        """Staging entry id -> the id it has in the target (the same for copied lines)."""
        self.counts: Counter[str] = Counter()
        self.base_payments: set[int] = set()
        self._plan()

    # -- what happens when -------------------------------------------------------------------------------

    def on(self, day: date, order: int, action: Callable[[Session, date], None]) -> None:
        self.events[day].append((order, action))

    def _plan(self) -> None:
        start, end = self.start, self.end
        replayed: dict[int, dict[str, Any]] = {}
        for p in self.rows["payments"]:
            settled = p["settled_on"]
            if p["initiated_on"] < start and settled is not None and settled < start:
                self.base_payments.add(p["id"])
            else:
                replayed[p["id"]] = p
        # The payment lines of replayed payments come from the replay itself.
        returned_by_sim: dict[int, date] = {}
        for e in self.rows["ledger_entries"]:
            if e["posted_on"] < start or e["posted_on"] > end:
                continue
            kind = e["kind"]
            if kind == EntryKind.PAYMENT.value and e["payment_id"] in replayed:
                continue
            if kind == EntryKind.LATE_FEE.value:
                continue  # the demo's own late fees: the ladder must post them
            if kind == EntryKind.REVERSAL.value:
                target = self.entries.get(e["reverses_id"] or 0)
                if target and target["payment_id"] in replayed:
                    returned_by_sim[target["payment_id"]] = e["posted_on"]
                    continue
                self.on(e["posted_on"], 2, self._reverse(e))
                continue
            if kind == EntryKind.NSF_FEE.value and any(
                self.entries.get(x["reverses_id"] or 0, {}).get("payment_id") in replayed
                for x in self.rows["ledger_entries"]
                if x["kind"] == EntryKind.REVERSAL.value
                and x["lease_id"] == e["lease_id"]
                and x["posted_on"] == e["posted_on"]
            ):
                continue  # the webhook's return posts its own NSF fee
            self.on(e["posted_on"], 0 if kind == EntryKind.RENT.value else 1, self._post(e))
        cards: list[dict[str, Any]] = []
        for p in replayed.values():
            method = p["method"]
            if method == "ach":
                self.counts["ach_payments"] += 1
                self.on(p["initiated_on"], 3, self._event(p, "processing"))
                if p["settled_on"] is not None and p["settled_on"] <= end:
                    self.on(p["settled_on"], 3, self._event(p, "succeeded"))
                    returned = returned_by_sim.get(p["id"])
                    if returned is None and p["settled_on"] <= end - timedelta(days=10):
                        if _hash(self.seed, p["processor_ref"]) % RETURN_ONE_IN == 0:
                            returned = p["settled_on"] + timedelta(days=2)
                    if returned is not None:
                        self.on(returned, 4, self._event(p, "returned"))
            elif method == "card":
                self.counts["card_payments"] += 1
                self.on(p["initiated_on"], 3, self._event(p, "succeeded"))
                if start <= p["initiated_on"] <= start + timedelta(days=9):
                    cards.append(p)
            else:
                self.counts["office_payments"] += 1
                self.on(p["initiated_on"], 3, self._office_payment(p))
        if cards:
            disputed = min(cards, key=lambda p: _hash(self.seed, "chargeback", p["processor_ref"]))
            self.on(disputed["initiated_on"] + timedelta(days=7), 5, self._event(disputed, "dispute"))
        for plan in self.rows["payment_plans"]:
            if plan["created_on"] >= start:
                self.on(plan["created_on"], 6, self._plan_row(plan))
        for dispute in self.rows["disputes"]:
            if dispute["opened_on"] >= start:
                self.on(dispute["opened_on"], 6, self._dispute_row(dispute))
        delinquent = self.personas.get("delinquent")
        if delinquent:
            self.on(start + timedelta(days=1), 7, self._block(delinquent))

    # -- the base -----------------------------------------------------------------------------------------

    def load_base(self, session: Session) -> None:
        start = self.start
        base: dict[str, list[dict[str, Any]]] = {}
        for model in _COPIED:
            name = model.__tablename__
            rows = self.rows[name]
            if name == "payments":
                rows = [r for r in rows if r["id"] in self.base_payments]
            elif name == "ledger_entries":
                rows = [r for r in rows if r["posted_on"] < start]
            elif name == "payment_plans":
                rows = [r for r in rows if r["created_on"] < start]
            elif name == "plan_installments":
                plans = {r["id"] for r in self.rows["payment_plans"] if r["created_on"] < start}
                rows = [r for r in rows if r["plan_id"] in plans]
            elif name == "disputes":
                rows = [r for r in rows if r["opened_on"] < start]
            base[name] = rows
            table: Table = model.__table__  # type: ignore[assignment]
            insert_rows(session, table, rows)
        for r in base["ledger_entries"]:
            self.entry_ids[r["id"]] = r["id"]
        if session.get_bind().dialect.name == "postgresql":
            for name in _SEQUENCED:
                session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
                    )
                )
        audit.record(
            session,
            actor=ACTOR,
            action="collections.simulate.base",
            subject="portfolio",
            data={
                "month": start.isoformat(),
                "leases": len(base["leases"]),
                **audit.ledger_coverage(base["ledger_entries"]),
            },
        )
        self.counts["leases"] = len(base["leases"])

    def before_month(self, session: Session) -> None:
        """The events of the month's payments that began before it (an ACH still processing)."""
        for day in sorted(d for d in self.events if d < self.start):
            for _, action in sorted(self.events[day], key=lambda a: a[0]):
                action(session, day)

    def apply(self, session: Session, day: date) -> None:
        for _, action in sorted(self.events.get(day, []), key=lambda a: a[0]):
            action(session, day)

    # -- the actions ----------------------------------------------------------------------------------

    def _post(self, e: dict[str, Any]) -> Callable[[Session, date], None]:
        def post(session: Session, day: date) -> None:
            posted = post_entry(
                session,
                EntryCreate(
                    lease_id=e["lease_id"],
                    kind=EntryKind(e["kind"]),
                    amount_cents=e["amount_cents"],
                    effective_on=e["effective_on"],
                    description=e["description"],
                    charge_code=e["charge_code"],
                    source="demo",
                    external_id=e["external_id"],
                    created_by=ACTOR,
                ),
                today=day,
            )
            self.entry_ids[e["id"]] = posted.entry.id
            self.counts["lines_posted"] += 1

        return post

    def _reverse(self, e: dict[str, Any]) -> Callable[[Session, date], None]:
        def reverse(session: Session, day: date) -> None:
            target = self.entry_ids.get(e["reverses_id"] or 0)
            if target is not None:
                reverse_entry(
                    session, entry_id=target, reason=e["description"], today=day, source="demo",
                    external_id=e["external_id"], created_by=ACTOR,
                )  # fmt: skip
                self.counts["lines_posted"] += 1

        return reverse

    def _office_payment(self, p: dict[str, Any]) -> Callable[[Session, date], None]:
        def pay(session: Session, day: date) -> None:
            payment = Payment(
                lease_id=p["lease_id"],
                resident_id=p["resident_id"],
                processor="office",
                processor_ref=f"sim_{p['processor_ref']}",
                method=p["method"],
                amount_cents=p["amount_cents"],
                status="succeeded",
                initiated_on=p["initiated_on"],
                settled_on=day,
            )
            session.add(payment)
            session.flush()
            post_entry(
                session,
                EntryCreate(
                    lease_id=p["lease_id"],
                    kind=EntryKind.PAYMENT,
                    amount_cents=-p["amount_cents"],
                    effective_on=p["initiated_on"],
                    description=f"Payment - {'Check' if p['method'] == 'check' else 'Money order'}",
                    source="office",
                    external_id=payment.processor_ref,
                    payment_id=payment.id,
                    resident_id=p["resident_id"],
                    created_by=ACTOR,
                ),
                today=day,
            )

        return pay

    def _event(self, p: dict[str, Any], what: str) -> Callable[[Session, date], None]:
        def deliver(session: Session, day: date) -> None:
            event = self._stripe_event(p, what, day)
            receive(session, read_delivery(json.dumps(event).encode(), tz=self.tz), today=day)
            if what == "returned":
                self.counts["ach_returned"] += 1
            elif what == "succeeded" and p["method"] == "ach":
                self.counts["ach_cleared"] += 1
            elif what == "dispute":
                self.counts["chargebacks"] += 1

        return deliver

    def _stripe_event(self, p: dict[str, Any], what: str, day: date) -> dict[str, Any]:
        """A Stripe-format event for this payment (the shape Stripe sends; see tests/payments)."""
        tz, ach = self.tz, p["method"] == "ach"
        pi, ch = f"pi_sim{p['id']:07d}", f"ch_sim{p['id']:07d}"
        created = _ts(p["initiated_on"], 9, tz)
        lease = self.leases[p["lease_id"]]
        metadata = {"lease_id": lease["ref"]}
        if p["resident_id"] in self.residents:
            metadata["resident_ref"] = self.residents[p["resident_id"]]["ref"]
        method = "us_bank_account" if ach else "card"
        intent = {
            "id": pi, "object": "payment_intent", "amount": p["amount_cents"], "currency": "usd",
            "created": created, "customer": None, "metadata": metadata, "latest_charge": ch,
            "payment_method_types": [method], "last_payment_error": None,
        }  # fmt: skip
        if what in ("processing", "succeeded"):
            kind, obj, hour = (
                f"payment_intent.{what}",
                {**intent, "status": what},
                9 if what == "processing" else 10,
            )
        elif what == "returned":
            kind, hour = "charge.failed", 11
            obj = {
                "id": ch, "object": "charge", "amount": p["amount_cents"], "amount_refunded": 0,
                "currency": "usd", "created": created, "customer": None, "metadata": {},
                "payment_intent": pi, "status": "failed", "failure_code": "insufficient_funds",
                "payment_method_details": {"type": method},
            }  # fmt: skip
        else:
            kind, hour = "charge.dispute.created", 9
            obj = {
                "id": f"dp_sim{p['id']:07d}", "object": "dispute", "amount": p["amount_cents"],
                "currency": "usd", "created": _ts(day, 9, tz), "charge": ch, "payment_intent": pi,
                "reason": "fraudulent", "status": "needs_response",
            }  # fmt: skip
        return {
            "id": f"evt_sim{p['id']:07d}_{what}",
            "object": "event",
            "created": _ts(day, hour, tz),
            "livemode": False,
            "type": kind,
            "data": {"object": obj},
        }

    def _plan_row(self, plan: dict[str, Any]) -> Callable[[Session, date], None]:
        def add(session: Session, _day: date) -> None:
            installments = [r for r in self.rows["plan_installments"] if r["plan_id"] == plan["id"]]
            session.add(PaymentPlan(**{k: v for k, v in plan.items() if k != "id"}, id=plan["id"]))
            session.flush()
            for item in installments:
                session.add(PlanInstallment(**item))
            session.flush()

        return add

    def _dispute_row(self, dispute: dict[str, Any]) -> Callable[[Session, date], None]:
        def add(session: Session, _day: date) -> None:
            entry = self.entry_ids.get(dispute["entry_id"] or 0)
            session.add(Dispute(**{**dispute, "id": None, "entry_id": entry}))
            session.flush()

        return add

    def _block(self, resident_ref: str) -> Callable[[Session, date], None]:
        def block(session: Session, day: date) -> None:
            lease_id = session.scalar(
                select(LeaseResident.lease_id)
                .join(Resident, Resident.id == LeaseResident.resident_id)
                .join(Lease, Lease.id == LeaseResident.lease_id)
                .where(Resident.ref == resident_ref)
                .order_by(Lease.start_on.desc())
                .limit(1)
            )
            if lease_id is not None:
                place_hold(
                    session,
                    lease_id=lease_id,
                    kind="bankruptcy",
                    reason="Chapter 7 petition filed: automatic stay (simulated)",
                    actor=ACTOR,
                    today=day,
                )
                self.counts["blocks"] += 1

        return block

    def fill(self, detail: SimulationDetail) -> None:
        for name in _COUNTED:
            setattr(detail, name, self.counts[name])


# -- the figures ---------------------------------------------------------------------------------------------


def _measure(
    session: Session, *, start: date, end: date, detail: SimulationDetail, sent: list[Sent]
) -> SimulationFigures:
    configs = load_configs(session)
    leases = {
        lease.id: (lease, prop_id, state, tz)
        for lease, prop_id, state, tz in session.execute(
            select(Lease, Unit.property_id, Property.state, Property.timezone)
            .join(Unit, Unit.id == Lease.unit_id)
            .join(Property, Property.id == Unit.property_id)
        )
    }
    final, _ = read_entries(session, sorted(leases), as_of=end)
    runs = dict(session.execute(select(CollectionRun.id, CollectionRun.run_on)).all())
    readiness: dict[tuple[int, date], str] = {}
    days_by_class: Counter[str] = Counter()
    for run_id, lease_id, status in session.execute(
        select(ReadinessRecord.run_id, ReadinessRecord.lease_id, ReadinessRecord.status)
    ):
        readiness[(lease_id, runs[run_id])] = status
        days_by_class[status] += 1
    steps = list(
        session.scalars(
            select(CollectionStep).where(CollectionStep.fired_on >= start, CollectionStep.fired_on <= end)
        )
    )
    fees = [s for s in steps if s.step == Step.LATE_FEE.value]

    # Wrongful: a fee where the money paid by that day, as it finally cleared, covered the rent.
    wrongful = [
        s
        for s in fees
        if short_on(final.get(s.lease_id, []), due_on=s.period_on, paid_by=s.fired_on, as_of=end) == 0
    ]
    # Eligible: the lease's fee fell due (rent short of what was paid by then, as it finally cleared) on a
    # day the ladder could post it (the fee day or later in the period, readiness allowing fees).
    allowed = {r.value for r in FEES_ALLOWED}
    fired_fees = {(s.lease_id, s.period_on) for s in fees}
    eligible: set[tuple[int, date]] = set()
    for lease_id, (lease, prop_id, state, _tz) in leases.items():
        due = due_date_in(start.year, start.month, lease.due_day)
        if lease.start_on > due or (lease.moved_out_on is not None and lease.moved_out_on < due):
            continue
        config = configs.get(prop_id, DEFAULT)
        jurisdiction = jurisdiction_for(state)
        rule = LateFeeRule(
            LateFeeKind(lease.late_fee_kind),
            lease.late_fee_amount_cents,
            lease.late_fee_percent_bp,
            lease.late_fee_daily_cents,
            lease.late_fee_cap_cents,
        )
        eff = effective_rule(
            rule, grace_days=lease.grace_days, rent_cents=lease.rent_cents, jurisdiction=jurisdiction
        )
        next_due = due_date_in(*_ym(add_months(due.replace(day=1), 1)), lease.due_day)
        fee_day = schedule(
            Period(due, next_due), config=config, grace_days=eff.grace_days, rule=None, formal_notice_on=None
        )[Step.LATE_FEE]
        assert fee_day is not None
        last = min(next_due - timedelta(days=1), end)
        lines = final.get(lease_id, [])
        day = fee_day
        while day <= last:
            fee = late_fee_on(
                eff.rule, rent_cents=lease.rent_cents, due_on=due, grace_days=eff.grace_days, on=day
            )
            if (
                fee > 0
                and readiness.get((lease_id, day)) in allowed
                and short_on(lines, due_on=due, paid_by=day, as_of=end) > 0
            ):
                eligible.add((lease_id, due))
                break
            day += timedelta(days=1)
    refs = {lid: v[0].ref for lid, v in leases.items()}
    detail.missed = sorted(f"{refs[lid]} {due}" for lid, due in eligible - fired_fees)
    detail.wrongful = sorted(f"{refs[s.lease_id]} {s.period_on} fee on {s.fired_on}" for s in wrongful)

    blocked = [s for s in steps if _blocked_on(session, s.lease_id, s.fired_on)]
    detail.blocked_steps = sorted(f"{refs[s.lease_id]} {s.step} on {s.fired_on}" for s in blocked)
    detail.steps = dict(sorted(Counter(s.step for s in steps).items()))
    detail.fees_cents = sum(s.amount_cents or 0 for s in fees)
    detail.readiness_days = dict(sorted(days_by_class.items()))
    outside, opted_out = measure_sends(session, sent)
    return SimulationFigures(
        fees_posted=len(fees),
        fees_eligible=len(eligible),
        wrongful_fees=len(wrongful),
        notices_to_blocked=len(blocked),
        outside_quiet_hours=outside,
        to_opted_out=opted_out,
    )


def _ym(day: date) -> tuple[int, int]:
    return day.year, day.month


def _blocked_on(session: Session, lease_id: int, day: date) -> bool:
    """Did the lease, on `day`, have an open dispute or chargeback, an active plan, or a block? Read from
    the rows themselves, not from readiness."""
    disputes = session.scalars(select(Dispute).where(Dispute.lease_id == lease_id, Dispute.opened_on <= day))
    if any(d.status == "open" or (d.resolved_on is not None and d.resolved_on > day) for d in disputes):
        return True
    for facts in session.scalars(select(ProcessorIntent.facts).where(ProcessorIntent.lease_id == lease_id)):
        found = (facts or {}).get("disputes")
        for dispute in found.values() if isinstance(found, dict) else ():
            opened = date.fromisoformat(dispute["opened_on"])
            closed = dispute.get("closed_on")
            if opened <= day and (
                dispute["outcome"] == "open" or (closed and date.fromisoformat(closed) > day)
            ):
                return True
    plans = session.scalars(
        select(PaymentPlan).where(PaymentPlan.lease_id == lease_id, PaymentPlan.status == "active")
    )
    if any(p.created_on <= day for p in plans):
        return True
    holds = session.scalars(
        select(CollectionHold).where(
            CollectionHold.lease_id == lease_id, CollectionHold.kind.in_(("legal", "bankruptcy"))
        )
    )
    for h in holds:
        if (
            h.placed_on <= day
            and (h.released_on is None or h.released_on > day)
            and (h.until_on is None or h.until_on >= day)
        ):
            return True
    flags = session.scalars(
        select(Resident.do_not_contact)
        .join(LeaseResident, LeaseResident.resident_id == Resident.id)
        .where(LeaseResident.lease_id == lease_id)
    ).all()
    return bool(flags) and all(flags)
