from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts import account_balance, find_resident
from app.demo.portfolio import PROPERTIES
from app.demo.seed import SeedOptions, seed_demo
from app.errors import Conflict
from app.ledger.jurisdictions import jurisdiction_for
from app.ledger.late_fees import effective_rule
from app.ledger.queries import all_summaries, balances_by_sql
from app.ledger.schedule import add_months
from app.models import Dispute, Lease, LedgerEntry, Payment, PaymentPlan, Property, Resident, Unit
from tests.support.databases import DEMO_AS_OF, Database


def _personas(db: Database) -> dict[str, str]:
    assert db.report is not None
    return db.report.personas


def test_default_portfolio_has_three_states_and_a_year_of_history(demo_db: Database) -> None:
    with demo_db.sessions() as s:
        states = set(s.scalars(select(Property.state)))
        units = s.scalar(select(func.count()).select_from(Unit))
        first, last = s.execute(
            select(func.min(LedgerEntry.effective_on), func.max(LedgerEntry.posted_on)).where(
                LedgerEntry.kind == "rent"
            )
        ).one()
    assert states == {"TX", "NY", "CO"}
    assert units == 240
    assert first <= date(2025, 12, 5) and last == date(2026, 11, 1)


def test_every_hard_case_is_present(demo_db: Database) -> None:
    personas = _personas(demo_db)
    for name in (
        "on_time",
        "sometimes_late",
        "partial",
        "delinquent",
        "nsf",
        "credit",
        "plan",
        "disputed",
        "moved_out",
        "roommates",
        "duplicate",
        "changed_yesterday",
        "spanish",
    ):
        assert name in personas, name
    with demo_db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Dispute).where(Dispute.status == "open")) >= 1
        assert (
            s.scalar(select(func.count()).select_from(PaymentPlan).where(PaymentPlan.status == "active")) >= 1
        )
        assert s.scalar(select(func.count()).select_from(Payment).where(Payment.status == "returned")) >= 1


def test_personas_ledgers_tell_their_story(demo_db: Database) -> None:
    p = _personas(demo_db)
    with demo_db.sessions() as s:

        def balance(ref: str):  # noqa: ANN202
            return account_balance(s, resident=find_resident(s, ref), as_of=DEMO_AS_OF)

        assert balance(p["on_time"]).total_cents >= 0
        delinquent = balance(p["delinquent"])
        assert delinquent.aging["31-60"] > 0 and delinquent.total_cents > 0
        assert balance(p["credit"]).total_cents < 0
        disputed = balance(p["disputed"])
        assert any("Carpet cleaning" in c.description for c in disputed.open_charges)
        nsf = balance(p["nsf"])
        kinds = [e.kind for e in nsf.recent_activity]
        assert "reversal" in kinds and "nsf_fee" in kinds
        changed = balance(p["changed_yesterday"])
        assert any(e.posted_on == DEMO_AS_OF - timedelta(days=1) for e in changed.recent_activity)
        original, duplicate = (find_resident(s, r) for r in p["duplicate"].split(","))
        assert (original.first_name, original.last_name, original.phone) == (
            duplicate.first_name,
            duplicate.last_name,
            duplicate.phone,
        )
        assert find_resident(s, p["spanish"]).language == "es"


def test_demo_ledger_obeys_its_own_leases_and_state_law(demo_db: Database) -> None:
    """No late fee inside grace, none above the lease's or the state's cap, in any month."""
    with demo_db.sessions() as s:
        leases = {le.id: le for le in s.scalars(select(Lease))}
        states = dict(s.execute(select(Unit.id, Property.state).join(Property)).all())
        fees: Counter[tuple[int, int, int]] = Counter()
        for entry in s.scalars(select(LedgerEntry).where(LedgerEntry.kind == "late_fee")):
            lease = leases[entry.lease_id]
            eff = effective_rule(
                _rule(lease),
                grace_days=lease.grace_days,
                rent_cents=lease.rent_cents,
                jurisdiction=jurisdiction_for(states[lease.unit_id]),
            )
            due = entry.effective_on.replace(day=lease.due_day)
            if due > entry.effective_on:  # a fee posted before this month's due day belongs to last month
                due = add_months(due, -1)
            assert (entry.effective_on - due).days > eff.grace_days, entry.description
            fees[(lease.id, due.year, due.month)] += entry.amount_cents
            assert eff.rule.cap_cents is None or fees[(lease.id, due.year, due.month)] <= eff.rule.cap_cents
    assert fees, "the demo has late fees"


def _rule(lease: Lease):  # noqa: ANN202
    from app.ledger.queries import lease_terms

    return lease_terms(lease).late_fee


def test_property_terms_match_the_demo_definitions(demo_db: Database) -> None:
    with demo_db.sessions() as s:
        for prop in PROPERTIES:
            lease = s.scalars(
                select(Lease).join(Unit).join(Property).where(Property.code == prop.code)
            ).first()
            assert lease is not None
            assert (lease.due_day, lease.grace_days, lease.nsf_fee_cents, lease.late_fee_kind) == (
                prop.due_day,
                prop.grace_days,
                prop.nsf_fee_cents,
                prop.late_fee.kind.value,
            )


def test_itemized_balances_agree_with_the_sql_sum(demo_db: Database) -> None:
    with demo_db.sessions() as s:
        itemized = all_summaries(s, as_of=DEMO_AS_OF)
        summed = balances_by_sql(s, as_of=DEMO_AS_OF)
    assert {k: v.total_cents for k, v in itemized.items() if v.total_cents or k in summed} == summed


def _snapshot(s: Session) -> tuple[object, ...]:
    return (
        s.execute(select(Resident.ref, Resident.first_name, Resident.phone).order_by(Resident.id)).all(),
        s.execute(
            select(
                LedgerEntry.lease_id, LedgerEntry.kind, LedgerEntry.amount_cents, LedgerEntry.effective_on
            ).order_by(LedgerEntry.id)
        ).all(),
    )


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_same_seed_same_portfolio(db: Database, templates, tmp_path) -> None:  # noqa: ANN001
    other = templates.fresh("sqlite", tmp_path / "other", seeded=False)
    snapshots = []
    for database in (db, other):
        with database.sessions.begin() as s:
            seed_demo(s, SeedOptions(units=60, months=6, seed=11, as_of=DEMO_AS_OF))
        with database.sessions() as s:
            snapshots.append(_snapshot(s))
    assert snapshots[0] == snapshots[1]
    with other.sessions.begin() as s, pytest.raises(Conflict, match="already has properties"):
        seed_demo(s, SeedOptions(units=60, months=6, seed=11, as_of=DEMO_AS_OF))
    other.engine.dispose()


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_different_seed_different_portfolio(db: Database, templates, tmp_path) -> None:  # noqa: ANN001
    other = templates.fresh("sqlite", tmp_path / "other", seeded=False)
    with db.sessions.begin() as s:
        seed_demo(s, SeedOptions(units=60, months=6, seed=1, as_of=DEMO_AS_OF))
    with other.sessions.begin() as s:
        seed_demo(s, SeedOptions(units=60, months=6, seed=2, as_of=DEMO_AS_OF))
    with db.sessions() as a, other.sessions() as b:
        assert _snapshot(a) != _snapshot(b)
    other.engine.dispose()
