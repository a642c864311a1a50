"""`doorstep demo seed`: a deterministic demo portfolio an accounts-receivable manager would recognise.

The same (seed, units, months, as-of date) always gives the same database. Most households pay on
time; some are usually a few days late, pay in parts, split rent between roommates, or fall behind;
a few carry the cases that make collections hard: a returned ACH payment, a disputed charge, a payment
plan, a credit balance, a move-out with its deposit, a duplicate resident record, a balance that
changed yesterday. `SeedReport.personas` names one resident of each kind, for demos, tests and evals.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from app import audit
from app.demo.bulk import load
from app.demo.households import Behaviour, Household, HouseholdSpec, SimEntry, simulate
from app.demo.portfolio import FIRST_NAMES, LAST_NAMES, PROPERTIES, STAFF, DemoProperty
from app.errors import Conflict, InvalidInput
from app.ledger.jurisdictions import jurisdiction_for
from app.ledger.schedule import add_months
from app.ledger.types import EntryKind, LeaseTerms
from app.models import (
    Dispute,
    Lease,
    LeaseResident,
    LedgerEntry,
    Payment,
    PaymentPlan,
    PlanInstallment,
    Property,
    RecurringCharge,
    Resident,
    StaffUser,
    Unit,
)

BEHAVIOUR_WEIGHTS = {
    Behaviour.ON_TIME: 0.64,
    Behaviour.SOMETIMES_LATE: 0.17,
    Behaviour.PARTIAL: 0.07,
    Behaviour.DELINQUENT: 0.05,
    Behaviour.NSF: 0.015,
    Behaviour.CREDIT: 0.02,
}
#: Cases every demo portfolio has at least once (more in larger ones, one per 240 units).
SPECIALS = (Behaviour.PLAN, Behaviour.DISPUTED, Behaviour.NSF, Behaviour.CREDIT, Behaviour.MOVED_OUT)
VACANCY = 0.04
_KIND_VALUES = {kind: kind.value for kind in EntryKind}
MOVED_IN_DURING_WINDOW = 0.12


class SeedOptions(BaseModel):
    units: int = 240
    months: int = 12
    seed: int = 7
    as_of: date

    def model_post_init(self, _context: Any) -> None:
        if not 3 <= self.units <= 100_000:
            raise InvalidInput("--units must be between 3 and 100,000")
        if not 1 <= self.months <= 60:
            raise InvalidInput("--months must be between 1 and 60")


class SeedReport(BaseModel):
    properties: int
    units: int
    residents: int
    leases: int
    entries: int
    payments: int
    seconds: float
    as_of: date
    personas: dict[str, str]


@dataclass
class _Rows:
    properties: list[dict[str, Any]] = field(default_factory=list)
    units: list[dict[str, Any]] = field(default_factory=list)
    residents: list[dict[str, Any]] = field(default_factory=list)
    leases: list[dict[str, Any]] = field(default_factory=list)
    lease_residents: list[dict[str, Any]] = field(default_factory=list)
    recurring: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    plans: list[dict[str, Any]] = field(default_factory=list)
    installments: list[dict[str, Any]] = field(default_factory=list)
    disputes: list[dict[str, Any]] = field(default_factory=list)
    personas: dict[str, str] = field(default_factory=dict)

    def persona(self, name: str, ref: str) -> None:
        self.personas.setdefault(name, ref)


def database_is_empty(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(Property)) == 0


def seed_demo(session: Session, options: SeedOptions) -> SeedReport:
    """Write the demo portfolio into an empty database, inside the caller's transaction."""
    if not database_is_empty(session):
        raise Conflict("the database already has properties: seed into a fresh DOORSTEP_DATA_DIR or database")
    started = time.perf_counter()
    rows = _Builder(options).build()
    load(session, _tables(rows))
    _staff(session)
    _advance_sequences(session)
    report = SeedReport(
        properties=len(rows.properties),
        units=len(rows.units),
        residents=len(rows.residents),
        leases=len(rows.leases),
        entries=len(rows.entries),
        payments=len(rows.payments),
        seconds=round(time.perf_counter() - started, 3),
        as_of=options.as_of,
        personas=rows.personas,
    )
    audit.record(
        session,
        actor="cli",
        action="demo.seed",
        subject="portfolio",
        # The ledger's bulk-loaded lines enter the audit chain here, as digests of runs of entries.
        data={**report.model_dump(mode="json", exclude={"seconds"}), **audit.ledger_coverage(rows.entries)},
    )
    return report


def _tables(rows: _Rows) -> Iterator[tuple[Table, list[dict[str, Any]]]]:
    for model, batch in (
        (Property, rows.properties),
        (Unit, rows.units),
        (Resident, rows.residents),
        (Lease, rows.leases),
        (LeaseResident, rows.lease_residents),
        (RecurringCharge, rows.recurring),
        (Payment, rows.payments),
        (LedgerEntry, rows.entries),
        (PaymentPlan, rows.plans),
        (PlanInstallment, rows.installments),
        (Dispute, rows.disputes),
    ):
        yield model.__table__, batch  # type: ignore[misc]


def _staff(session: Session) -> None:
    for email, name, role in STAFF:
        session.add(StaffUser(email=email, name=name, role=role))
    session.flush()


DEMO_STAFF_PASSWORD = "doorstep-demo-inbox"
"""The demo staff's password, printed by `doorstep demo seed` and in the README: a demo convenience that
is refused in production (`ensure_demo_logins`)."""


def ensure_demo_logins(session: Session, *, environment: str) -> list[tuple[str, str, str]]:
    """Give the demo staff accounts (`portfolio.STAFF`) that have no password the documented demo
    password, so the inbox can be tried at once; (email, name, role) of every demo account that signs in
    with it. Refused in production, where every account gets its own password (`doorstep staff add`)."""
    if environment == "production":
        raise Conflict(
            "the demo staff password is never set in production: create accounts with `doorstep staff add`"
        )
    from app.staff import hash_password

    emails = [email for email, _, _ in STAFF]
    users = session.scalars(select(StaffUser).where(StaffUser.email.in_(emails))).all()
    missing = [u for u in users if not u.password_hash]
    if missing:
        digest = hash_password(DEMO_STAFF_PASSWORD)  # one hash (one salt) for all: a demo, not a secret
        for user in missing:
            user.password_hash = digest
        audit.record(
            session,
            actor="cli",
            action="demo.staff_passwords",
            subject="staff",
            data={"emails": sorted(u.email for u in missing)},
        )
        session.flush()
    from app.staff import verify_password

    works = {
        h: verify_password(h, DEMO_STAFF_PASSWORD)
        for h in {u.password_hash for u in users if u.password_hash}
    }
    return [
        (u.email, u.name, u.role)
        for u in sorted(users, key=lambda u: emails.index(u.email))
        if u.active and u.password_hash and works[u.password_hash]
    ]


def _advance_sequences(session: Session) -> None:
    """Ids were assigned here; PostgreSQL's sequences must continue after them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in (
        "properties",
        "units",
        "residents",
        "leases",
        "recurring_charges",
        "payments",
        "ledger_entries",
        "payment_plans",
        "plan_installments",
        "disputes",
    ):
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )
        )


class _Builder:
    def __init__(self, options: SeedOptions) -> None:
        self.o = options
        self.rng = random.Random(options.seed)
        self.rows = _Rows()
        self.window_start = add_months(options.as_of.replace(day=1), -(options.months - 1))
        self.created_at = options.as_of
        self.phone_counter = 0

    def build(self) -> _Rows:
        counts = _split_units(self.o.units, [p.share for p in PROPERTIES])
        for prop_id, (prop, count) in enumerate(zip(PROPERTIES, counts, strict=True), start=1):
            self.rows.properties.append(_property_row(prop_id, prop))
            for number in _unit_numbers(prop, count):
                self._unit(prop_id, prop, number)
        self._place_specials()
        for lease in self._pending:
            self._household(*lease)
        return self.rows

    # -- units and leases -------------------------------------------------------------------------
    _pending: list[tuple[DemoProperty, dict[str, Any], Behaviour, bool, int]]

    def _unit(self, prop_id: int, prop: DemoProperty, number: str) -> None:
        if not hasattr(self, "_pending"):
            self._pending = []
        rng = self.rng
        bedrooms = rng.choices((1, 2, 3), weights=(45, 40, 15))[0]
        rent = prop.rent_by_bedrooms[bedrooms] * rng.randint(96, 104) // 100 // 500 * 500
        unit = {
            "id": len(self.rows.units) + 1,
            "property_id": prop_id,
            "number": number,
            "bedrooms": bedrooms,
            "market_rent_cents": rent,
        }
        self.rows.units.append(unit)
        if rng.random() < VACANCY:
            return
        behaviour = rng.choices(list(BEHAVIOUR_WEIGHTS), weights=list(BEHAVIOUR_WEIGHTS.values()))[0]
        moved_in = rng.random() < MOVED_IN_DURING_WINDOW and self.o.months > 2
        members = rng.choices((1, 2, 3), weights=(68, 26, 6))[0]
        self._pending.append((prop, unit, behaviour, moved_in, members))

    def _place_specials(self) -> None:
        """Make sure each hard case appears (one per 240 units), on households with a full history."""
        full = [i for i, p in enumerate(self._pending) if not p[3]]
        per = max(1, round(self.o.units / 240))
        picks = self.rng.sample(full, min(len(full), per * len(SPECIALS)))
        for n, index in enumerate(picks):
            prop, unit, _, moved_in, members = self._pending[index]
            self._pending[index] = (prop, unit, SPECIALS[n % len(SPECIALS)], moved_in, members)

    def _household(
        self, prop: DemoProperty, unit: dict[str, Any], behaviour: Behaviour, moved_in: bool, members: int
    ) -> None:
        rng, as_of = self.rng, self.o.as_of
        if behaviour is Behaviour.MOVED_OUT:
            move_in = add_months(self.window_start, self.o.months // 2)
            previous_end = move_in - timedelta(days=1)
            self._lease(
                prop,
                unit,
                Behaviour.MOVED_OUT,
                start=add_months(previous_end, -23).replace(day=1),
                first_month=self.window_start,
                moved_in=False,
                members=1,
                moved_out_on=previous_end,
            )
            self._lease(
                prop,
                unit,
                Behaviour.ON_TIME,
                start=move_in,
                first_month=move_in,
                moved_in=True,
                members=members,
            )
            return
        if moved_in:
            start = add_months(self.window_start, rng.randint(1, self.o.months - 1))
            self._lease(prop, unit, behaviour, start=start, first_month=start, moved_in=True, members=members)
        else:
            start = add_months(self.window_start, -rng.randint(1, 30))
            self._lease(
                prop,
                unit,
                behaviour,
                start=start,
                first_month=self.window_start,
                moved_in=False,
                members=members,
            )
        del as_of

    def _lease(
        self,
        prop: DemoProperty,
        unit: dict[str, Any],
        behaviour: Behaviour,
        *,
        start: date,
        first_month: date,
        moved_in: bool,
        members: int,
        moved_out_on: date | None = None,
    ) -> None:
        rng, rows = self.rng, self.rows
        lease_id = len(rows.leases) + 1
        end = add_months(start, 12) - timedelta(days=1)
        while end < self.o.as_of and moved_out_on is None:
            end = add_months(end + timedelta(days=1), 12) - timedelta(days=1)
        if moved_out_on is not None:
            end = moved_out_on
        rent = unit["market_rent_cents"]
        deposit = 500_00 if prop.state == "TX" else rent // 5_000 * 5_000
        recurring = self._recurring(lease_id, prop)
        terms = LeaseTerms(
            rent_cents=rent,
            due_day=prop.due_day,
            grace_days=prop.grace_days,
            late_fee=prop.late_fee,
            nsf_fee_cents=prop.nsf_fee_cents,
            recurring=tuple((r["description"], r["amount_cents"]) for r in recurring),
        )
        methods = prop.accepted_methods if len(prop.accepted_methods) < 4 else prop.accepted_methods[:3]
        household = simulate(
            HouseholdSpec(
                terms=terms,
                jurisdiction=jurisdiction_for(prop.state),
                behaviour=behaviour,
                members=members,
                methods=methods,
                first_month=first_month,
                as_of=self.o.as_of,
                deposit_cents=deposit,
                moved_in=moved_in,
                moved_out_on=moved_out_on,
            ),
            rng,
        )
        rows.leases.append(
            {
                "id": lease_id,
                "ref": f"L{20000 + lease_id}",
                "unit_id": unit["id"],
                "status": "ended" if moved_out_on else "active",
                "start_on": start,
                "end_on": end,
                "moved_out_on": moved_out_on,
                "rent_cents": rent,
                "due_day": prop.due_day,
                "grace_days": prop.grace_days,
                "late_fee_kind": prop.late_fee.kind.value,
                "late_fee_amount_cents": prop.late_fee.amount_cents,
                "late_fee_percent_bp": prop.late_fee.percent_bp,
                "late_fee_daily_cents": prop.late_fee.daily_cents,
                "late_fee_cap_cents": prop.late_fee.cap_cents,
                "nsf_fee_cents": prop.nsf_fee_cents,
                "deposit_cents": deposit,
                "accepted_methods": ",".join(prop.accepted_methods),
                "certified_funds_only": False,
                "created_at": start,
            }
        )
        rows.recurring.extend(recurring)
        resident_ids = [
            self._resident(prop, lease_id, role="primary" if i == 0 else "co-tenant") for i in range(members)
        ]
        # The household whose balance changed yesterday is not the one shown as always on time.
        first_on_time_seen = "on_time" in rows.personas
        if (
            behaviour is Behaviour.ON_TIME
            and not moved_in
            and first_on_time_seen
            and "changed_yesterday" not in rows.personas
        ):
            yesterday = self.o.as_of - timedelta(days=1)
            household.entries.append(
                SimEntry(
                    EntryKind.CHARGE,
                    45_00,
                    yesterday,
                    yesterday,
                    "Key fob replacement (work order 5120)",
                    charge_code="key",
                )
            )
            rows.persona("changed_yesterday", rows.residents[resident_ids[0] - 1]["ref"])
        self._write_household(lease_id, household, resident_ids)
        self._personas(behaviour, members, resident_ids, household, prop, lease_id)

    def _recurring(self, lease_id: int, prop: DemoProperty) -> list[dict[str, Any]]:
        out: list[tuple[str, str, int]] = []
        if prop.utility_cents:
            out.append(("utility", "Water, sewer and trash", prop.utility_cents))
        if self.rng.random() < 0.35:
            out.append(("parking", "Parking, reserved space", prop.parking_cents))
        if self.rng.random() < 0.2:
            out.append(("pet", "Pet rent", prop.pet_rent_cents))
        start = len(self.rows.recurring)
        return [
            {"id": start + n + 1, "lease_id": lease_id, "code": code, "description": desc, "amount_cents": c}
            for n, (code, desc, c) in enumerate(out)
        ]

    def _resident(self, prop: DemoProperty, lease_id: int, *, role: str) -> int:
        rng, rows = self.rng, self.rows
        resident_id = len(rows.residents) + 1
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        spanish = rng.random() < 0.14
        self.phone_counter += 1
        exchange, line = 555 + self.phone_counter // 9000, 1000 + self.phone_counter % 9000
        channel = rng.choices(("sms", "email", "portal"), weights=(55 if spanish else 40, 30, 30))[0]
        rows.residents.append(
            {
                "id": resident_id,
                "ref": f"R{10000 + resident_id}",
                "first_name": first,
                "last_name": last,
                "email": f"{first}.{last}{resident_id}@example.com".lower(),
                "phone": f"+1{prop.area_code}{exchange}{line:04d}",
                "preferred_channel": channel,
                "language": "es" if spanish else "en",
                "sms_consent": rng.random() < 0.75,
                "email_consent": rng.random() < 0.95,
                "do_not_contact": rng.random() < 0.01,
                "created_at": self.window_start,
            }
        )
        rows.lease_residents.append({"lease_id": lease_id, "resident_id": resident_id, "role": role})
        return resident_id

    def _write_household(self, lease_id: int, household: Household, resident_ids: list[int]) -> None:
        rows, as_of = self.rows, self.o.as_of
        payment_ids: dict[int, int] = {}
        for p in household.payments:
            if p.initiated_on > as_of:
                continue
            payment_id = len(rows.payments) + 1
            payment_ids[p.key] = payment_id
            pending = p.settled_on > as_of
            returned = p.returned_on is not None and p.returned_on <= as_of
            processor = "office" if p.method in ("check", "money_order", "cash") else "stripe"
            prefix = {"ach": "py_", "card": "ch_"}.get(p.method, "chk_")
            rows.payments.append(
                {
                    "id": payment_id,
                    "lease_id": lease_id,
                    "resident_id": resident_ids[p.payer],
                    "processor": processor,
                    "processor_ref": f"{prefix}{self.rng.getrandbits(64):016x}",
                    "method": p.method,
                    "amount_cents": p.amount_cents,
                    "status": "pending" if pending else ("returned" if returned else "succeeded"),
                    "initiated_on": p.initiated_on,
                    "settled_on": None if pending else p.settled_on,
                    "returned_on": p.returned_on if returned else None,
                    "return_code": p.return_code if returned else None,
                    "failure_reason": None,
                    "updated_at": p.settled_on,
                }
            )
        entry_ids: dict[int, int] = {}
        first_id, kind_values = len(rows.entries) + 1, _KIND_VALUES
        for index, e in enumerate(household.entries):
            entry_id = first_id + index
            entry_ids[index] = entry_id
            paid_by = payment_ids.get(e.payment_key) if e.payment_key is not None else None
            external = (
                f"{rows.payments[paid_by - 1]['processor_ref']}"
                if paid_by and e.kind is EntryKind.PAYMENT
                else f"demo-{entry_id}"
            )
            if e.kind is EntryKind.REVERSAL:
                external = f"{external}-return"
            rows.entries.append(
                {
                    "id": entry_id,
                    "lease_id": lease_id,
                    "kind": kind_values[e.kind],
                    "amount_cents": e.amount_cents,
                    "effective_on": e.effective_on,
                    "posted_on": e.posted_on,
                    "description": e.description,
                    "charge_code": e.charge_code,
                    "source": "demo",
                    "external_id": external,
                    "payment_id": paid_by,
                    "reverses_id": entry_ids[e.reverses] if e.reverses is not None else None,
                    "resident_id": resident_ids[e.payer] if e.payer is not None else None,
                    "created_by": "demo-seed",
                    "created_at": e.posted_on,
                }
            )
        if household.plan:
            plan_id = len(rows.plans) + 1
            plan = household.plan
            rows.plans.append(
                {
                    "id": plan_id,
                    "lease_id": lease_id,
                    "status": "active",
                    "total_cents": plan.total_cents,
                    "created_on": plan.created_on,
                    "proposed_by": "resident request",
                    "decided_by": "collections@doorstep.example.com",
                    "decided_at": plan.created_on,
                    "note": "Hardship: reduced hours at work. Three installments; current rent paid on time.",
                }
            )
            for seq, (due_on, amount, status) in enumerate(plan.installments, start=1):
                rows.installments.append(
                    {
                        "id": len(rows.installments) + 1,
                        "plan_id": plan_id,
                        "seq": seq,
                        "due_on": due_on,
                        "amount_cents": amount,
                        "status": status,
                    }
                )
        if household.disputed_entry is not None:
            entry_id = entry_ids[household.disputed_entry]
            rows.disputes.append(
                {
                    "id": len(rows.disputes) + 1,
                    "lease_id": lease_id,
                    "entry_id": entry_id,
                    "resident_id": resident_ids[0],
                    "opened_on": rows.entries[entry_id - 1]["posted_on"] + timedelta(days=2),
                    "reason": "Resident says the stain was already there (noted on the move-in checklist).",
                    "status": "open",
                    "resolved_on": None,
                    "resolution": None,
                }
            )

    def _personas(
        self,
        behaviour: Behaviour,
        members: int,
        resident_ids: list[int],
        household: Household,
        prop: DemoProperty,
        lease_id: int,
    ) -> None:
        rows = self.rows
        refs = [rows.residents[i - 1]["ref"] for i in resident_ids]
        rows.persona(behaviour.value, refs[0])
        rows.persona(f"{behaviour.value}:{prop.code}", refs[0])
        if members > 1:
            rows.persona("roommates", refs[0])
        first = rows.residents[resident_ids[0] - 1]
        if first["language"] == "es":
            rows.persona("spanish", refs[0])
        if first["do_not_contact"]:
            rows.persona("do_not_contact", refs[0])
        if any(rows.payments[p - 1]["status"] == "pending" for p in self._lease_payment_ids(lease_id)):
            rows.persona("pending_payment", refs[0])
        if behaviour is Behaviour.SOMETIMES_LATE and members == 1 and "duplicate" not in rows.personas:
            original = rows.residents[resident_ids[0] - 1]
            duplicate_id = len(rows.residents) + 1
            rows.residents.append(
                {
                    **original,
                    "id": duplicate_id,
                    "ref": f"R{10000 + duplicate_id}",
                    "email": original["email"].replace("@", ".2@"),
                    "created_at": self.o.as_of - timedelta(days=40),
                }
            )
            rows.lease_residents.append(
                {"lease_id": lease_id, "resident_id": duplicate_id, "role": "occupant"}
            )
            rows.persona("duplicate", f"{original['ref']},{rows.residents[-1]['ref']}")
        del household

    def _lease_payment_ids(self, lease_id: int) -> Iterator[int]:
        for payment in reversed(self.rows.payments):
            if payment["lease_id"] != lease_id:
                return
            yield payment["id"]


def _property_row(prop_id: int, p: DemoProperty) -> dict[str, Any]:
    return {
        "id": prop_id,
        "code": p.code,
        "name": p.name,
        "address": p.address,
        "city": p.city,
        "state": p.state,
        "postal_code": p.postal_code,
        "timezone": p.timezone,
        "office_phone": p.office_phone,
        "office_email": p.office_email,
        "manager_name": p.manager_name,
        "card_fee_bp": p.card_fee_bp,
        "plan_max_installments": p.plan_max_installments,
        "plan_min_down_bp": p.plan_min_down_bp,
        "plan_min_balance_cents": p.plan_min_balance_cents,
    }


def _split_units(total: int, shares: list[float]) -> list[int]:
    counts = [int(total * s) for s in shares]
    counts[0] += total - sum(counts)
    return counts


def _unit_numbers(prop: DemoProperty, count: int) -> list[str]:
    if prop.unit_scheme == "building":
        per_building = 24
        return [
            f"{chr(65 + i // per_building % 26)}{'' if i < per_building * 26 else i // (per_building * 26)}-"
            f"{(i % per_building) // 8 + 1}{(i % 8) + 1:02d}"
            for i in range(count)
        ]
    if prop.unit_scheme == "floor":
        return [f"{i // 6 + 1}{'ABCDEF'[i % 6]}" for i in range(count)]
    return [f"{i // 10 + 2}{(i % 10) + 1:02d}" for i in range(count)]
