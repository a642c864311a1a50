"""The pre-due step (SQLite and PostgreSQL): a friendly reminder a few days before rent falls due, only for
households the risk score marks, never for an account outreach may not write to or one that paid ahead,
fired riskiest first; on the demo portfolio, with the ledger's own risk model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.collections.config import set_config
from app.collections.holds import place_hold
from app.collections.run import run_collections
from app.collections.schemas import RunReport
from app.collections.views import list_steps
from app.db import transaction
from app.models import CollectionStep, Dispute, Lease, LeaseResident, PaymentPlan, Resident, Unit
from tests.collections.support import NOV_1, make_lease, pay, rent
from tests.support.databases import Database

DEC_1 = date(2026, 12, 1)
NOV_27, NOV_28, NOV_29 = date(2026, 11, 27), date(2026, 11, 28), date(2026, 11, 29)


def _scores(risk: Mapping[int, int]):  # noqa: ANN202
    def score(_session: Session, lease_ids: Sequence[int], _on: date) -> Mapping[int, int]:
        return {lease: risk[lease] for lease in lease_ids if lease in risk}

    return score


def _run(db: Database, day: date, risk: Mapping[int, int]) -> RunReport:
    with transaction(db.sessions) as session:
        return run_collections(
            session, run_on=day, today=day, data_dir=db.settings.data_dir, risk=_scores(risk)
        )


def _paid_lease(session: Session) -> Lease:
    """A lease whose November rent is paid: it owes nothing until December 1."""
    lease = make_lease(session)
    rent(session, lease, NOV_1)
    pay(session, lease, lease.rent_cents, date(2026, 11, 2))
    return lease


def _pre_due(db: Database) -> list[tuple[int, date, date, int | None]]:
    """(lease, period, fired on, amount) of every pre-due step, in the order they were recorded."""
    with db.sessions() as session:
        return [
            (row.lease_id, row.period_on, row.fired_on, row.amount_cents)
            for row in session.scalars(
                select(CollectionStep).where(CollectionStep.step == "pre_due").order_by(CollectionStep.id)
            )
        ]


def test_a_risky_household_gets_a_pre_due_reminder_three_days_before_and_a_punctual_one_none(
    db: Database,
) -> None:
    with transaction(db.sessions) as session:
        risky, punctual = _paid_lease(session).id, _paid_lease(session).id
    risk = {risky: 6_500, punctual: 400}

    early = _run(db, NOV_27, risk)  # four days before: not yet
    assert early.pre_due == [] and _pre_due(db) == []

    report = _run(db, NOV_28, risk)
    assert _pre_due(db) == [(risky, DEC_1, NOV_28, 1_500_00)]
    assert [(p.period, p.rank, p.risk_bp, p.amount_cents) for p in report.pre_due] == [
        (DEC_1, 1, 6_500, 1_500_00)
    ]
    assert any(a.steps == ["pre_due"] and a.period == DEC_1 for a in report.advanced)

    _run(db, NOV_29, risk)  # once per period
    assert len(_pre_due(db)) == 1
    with db.sessions() as session:
        step = list_steps(session, lease_id=risky)[0]
    assert (step.step, step.clock, step.short_cents) == ("pre_due", "friendly", 1_500_00)


def test_the_amount_is_the_coming_charges_and_what_is_still_open(db: Database) -> None:
    with transaction(db.sessions) as session:
        lease = make_lease(session)
        rent(session, lease, NOV_1)
        pay(session, lease, 1_000_00, date(2026, 11, 2))  # $500 of November still open
    report = _run(db, NOV_28, {lease.id: 9_000})
    # December's rent, November's open $500, and the late fee this same run posted on it just before.
    assert [f.amount_cents for f in report.fees] == [75_00]
    assert [amount for *_, amount in _pre_due(db)] == [1_500_00 + 500_00 + 75_00]


def test_disputed_plan_blocked_and_paid_ahead_households_get_none(db: Database) -> None:
    with transaction(db.sessions) as session:
        leases = {name: _paid_lease(session) for name in ("dispute", "plan", "blocked", "ahead", "ok")}
        session.add(Dispute(lease_id=leases["dispute"].id, opened_on=NOV_1, reason="rent was paid in cash"))
        session.add(
            PaymentPlan(
                lease_id=leases["plan"].id,
                status="active",
                total_cents=1_500_00,
                created_on=NOV_1,
                proposed_by="resident",
                decided_by="jo@example.com",
            )
        )
        place_hold(
            session, lease_id=leases["blocked"].id, kind="legal", reason="counsel", actor="jo", today=NOV_1
        )
        # December's rent paid on Nov 20: nothing will be owed on the due date.
        pay(session, leases["ahead"], 1_500_00, date(2026, 11, 20))
        ids = {name: lease.id for name, lease in leases.items()}
    report = _run(db, NOV_28, dict.fromkeys(ids.values(), 9_000))

    assert [lease for lease, *_ in _pre_due(db)] == [ids["ok"]]
    skipped = {s.lease: s.reason for s in report.skipped if s.step == "pre_due"}
    refs = {ids[name]: name for name in ids}
    with db.sessions() as session:
        by_ref = {session.get(Lease, i).ref: refs[i] for i in ids.values()}  # type: ignore[union-attr]
    assert {by_ref[ref]: reason for ref, reason in skipped.items()} == {
        "dispute": "disputed",
        "plan": "payment_plan",
        "blocked": "blocked",
        "ahead": "paid",
    }


def test_reminders_fire_riskiest_household_first(db: Database) -> None:
    with transaction(db.sessions) as session:
        a, b, c, d = (_paid_lease(session).id for _ in range(4))
    report = _run(db, NOV_28, {a: 2_500, b: 9_100, c: 5_000, d: 1_999})  # d: under medium
    assert [lease for lease, *_ in _pre_due(db)] == [b, c, a]
    assert [(p.rank, p.risk_bp) for p in report.pre_due] == [(1, 9_100), (2, 5_000), (3, 2_500)]


def test_a_property_sets_its_own_pre_due_day_and_threshold(db: Database) -> None:
    with transaction(db.sessions) as session:
        lease = _paid_lease(session)
        unit = session.get(Unit, lease.unit_id)
        assert unit is not None
        set_config(
            session,
            property_id=unit.property_id,
            changes={"pre_due_day": 5, "pre_due_min_risk_bp": 5_000},
            actor="manager@test",
        )
        other = _paid_lease(session)
    _run(db, date(2026, 11, 26), {lease.id: 6_000, other.id: 6_000})
    assert [(lease_id, fired) for lease_id, _, fired, _ in _pre_due(db)] == [(lease.id, date(2026, 11, 26))]
    with transaction(db.sessions) as session:
        unit = session.get(Unit, lease.unit_id)
        assert unit is not None
        set_config(session, property_id=unit.property_id, changes={"pre_due_day": 0}, actor="manager@test")


def test_no_risk_model_means_no_pre_due_reminders_and_says_why(db: Database) -> None:
    with transaction(db.sessions) as session:
        _paid_lease(session)
    with transaction(db.sessions) as session:
        report = run_collections(session, run_on=NOV_28, today=NOV_28, data_dir=db.settings.data_dir)
    assert report.pre_due == [] and report.pre_due_unscored and "risk model" in report.pre_due_unscored


def _lease_of(session: Session, resident_ref: str) -> int:
    lease_id = session.scalar(
        select(Lease.id)
        .join(LeaseResident, LeaseResident.lease_id == Lease.id)
        .join(Resident, Resident.id == LeaseResident.resident_id)
        .where(Resident.ref == resident_ref)
        .order_by(Lease.start_on.desc())
        .limit(1)
    )
    assert lease_id is not None
    return lease_id


def test_the_demo_portfolio_reminds_the_delinquent_household_not_the_punctual_one(demo_db: Database) -> None:
    assert demo_db.report is not None
    with demo_db.sessions() as session:
        delinquent = _lease_of(session, demo_db.report.personas["delinquent"])
        on_time = _lease_of(session, demo_db.report.personas["on_time"])
    with transaction(demo_db.sessions) as session:
        report = run_collections(session, run_on=NOV_28, today=NOV_28, data_dir=demo_db.settings.data_dir)
    fired = _pre_due(demo_db)
    assert report.pre_due_unscored is None and fired
    leases = [lease for lease, *_ in fired]
    assert delinquent in leases and on_time not in leases
    assert all(period == DEC_1 for _, period, _, _ in fired)
    risks = [p.risk_bp for p in report.pre_due]
    assert risks == sorted(risks, reverse=True) and min(risks) >= 2_000
