"""The digest over the demo portfolio, on SQLite and PostgreSQL: figures that agree with the ledger,
plans and escalations judged as of the day, JSON for the inbox page, and the email."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.digest.email import render_email
from app.digest.service import digest_json, make_digest
from app.errors import InvalidInput, NotFound
from app.ledger.posting import EntryCreate, post_entry
from app.ledger.queries import all_summaries
from app.ledger.types import EntryKind
from app.models import (
    Conversation,
    Escalation,
    Lease,
    LeaseResident,
    Message,
    PaymentPlan,
    PlanInstallment,
    Property,
    Resident,
    Unit,
)
from app.money import format_cents
from tests.support.databases import DEMO_AS_OF, Database

# Noon on the digest's day in Austin: the escalations below are placed around it.
NOON = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def _lease_of(db: Database, persona: str) -> Lease:
    assert db.report is not None
    ref = db.report.personas[persona]
    with db.sessions() as s:
        lease = s.scalars(
            select(Lease)
            .join(LeaseResident, LeaseResident.lease_id == Lease.id)
            .join(Resident, Resident.id == LeaseResident.resident_id)
            .where(Resident.ref == ref)
            .order_by(Lease.id.desc())
        ).first()
        assert lease is not None
        s.expunge(lease)
        return lease


def _escalate(
    db: Database, lease: Lease, n: int, *, created: datetime, sla_hours: float, **more: object
) -> None:
    with db.sessions() as s, s.begin():
        resident_id = s.scalar(select(LeaseResident.resident_id).where(LeaseResident.lease_id == lease.id))
        conversation = Conversation(id=f"c-digest-{n}", resident_id=resident_id, channel="portal")
        s.add(conversation)
        s.flush()
        reply_at = more.pop("reply_at", None)
        s.add(
            Escalation(
                conversation_id=conversation.id,
                resident_id=resident_id,
                lease_id=lease.id,
                reason="dispute",
                priority="normal",
                summary="test",
                created_at=created,
                sla_due_at=created + timedelta(hours=sla_hours),
                **more,
            )
        )
        if isinstance(reply_at, datetime):
            s.add(
                Message(
                    conversation_id=conversation.id, role="staff", body="on it", created_at=reply_at, seq=1
                )
            )


def _digest(db: Database, cache: Path, **options: object):  # noqa: ANN202
    """The digest on the demo's day, seen at noon in Austin."""
    with db.sessions() as s:
        return make_digest(s, as_of=DEMO_AS_OF, cache_dir=cache, now=NOON, **options)  # type: ignore[arg-type]


def test_delinquency_agrees_with_the_ledger(demo_db: Database, tmp_path: Path) -> None:
    digest = _digest(demo_db, tmp_path)
    assert [p.code for p in digest.properties] == ["aspen-ridge", "hudson-terrace", "maple-court"]
    assert digest.portfolio is not None
    with demo_db.sessions() as s:
        owed = sum(summary.charged_cents for summary in all_summaries(s, as_of=DEMO_AS_OF).values())
    assert digest.portfolio.delinquency.total_cents == owed
    assert sum(p.delinquency.total_cents for p in digest.properties) == owed
    for p in [*digest.properties, digest.portfolio]:
        assert sum(b.cents for b in p.delinquency.buckets) == p.delinquency.total_cents
        assert [b.bucket for b in p.delinquency.buckets] == ["0-30", "31-60", "61-90", "90+"]
    assert digest.portfolio.delinquency.buckets[-1].cents > 0  # the delinquent households are months behind


def test_the_demo_plan_is_active_and_its_next_installment_is_expected(
    demo_db: Database, tmp_path: Path
) -> None:
    maple = _digest(demo_db, tmp_path, property_code="maple-court").properties[0]
    assert (maple.plans.active, maple.plans.broken) == (1, 0)
    assert maple.expected.installments == 1 and maple.expected.installments_cents > 0
    assert maple.expected.risk_weighted
    assert 0 < maple.expected.expected_rent_cents < maple.expected.rent_due_cents
    assert maple.riskiest and maple.riskiest[0].band == "high"


def test_broken_plans_fees_and_escalations_as_of_the_day(demo_db: Database, tmp_path: Path) -> None:
    delinquent = _lease_of(demo_db, "delinquent")  # maple-court, months behind
    sometimes = _lease_of(demo_db, "on_time")
    before = _digest(demo_db, tmp_path, property_code="maple-court").properties[0]
    with demo_db.sessions() as s, s.begin():
        missed = PaymentPlan(
            lease_id=delinquent.id,
            status="active",
            total_cents=900_00,
            created_on=date(2026, 10, 20),
            proposed_by="test",
        )
        gone = PaymentPlan(
            lease_id=sometimes.id,
            status="defaulted",
            total_cents=400_00,
            created_on=date(2026, 9, 1),
            proposed_by="test",
        )
        s.add_all([missed, gone])
        s.flush()
        s.add_all(
            [
                PlanInstallment(plan_id=missed.id, seq=1, due_on=date(2026, 11, 1), amount_cents=450_00),
                PlanInstallment(plan_id=missed.id, seq=2, due_on=date(2026, 12, 1), amount_cents=450_00),
                PlanInstallment(plan_id=gone.id, seq=1, due_on=date(2026, 9, 15), amount_cents=400_00),
            ]
        )
        fee = post_entry(
            s,
            EntryCreate(
                lease_id=sometimes.id,
                kind=EntryKind.LATE_FEE,
                amount_cents=75_00,
                effective_on=DEMO_AS_OF,
                description="Late fee - November rent",
                source="test",
                external_id="fee-1",
            ),
            today=DEMO_AS_OF,
        ).entry
        post_entry(
            s,
            EntryCreate(
                lease_id=sometimes.id,
                kind=EntryKind.REVERSAL,
                amount_cents=-75_00,
                effective_on=DEMO_AS_OF,
                description="Late fee waived",
                source="test",
                external_id="fee-1-waived",
                reverses_id=fee.id,
            ),
            today=DEMO_AS_OF,
        )

    _escalate(demo_db, delinquent, 1, created=NOON - timedelta(hours=5), sla_hours=2)  # breached
    _escalate(demo_db, delinquent, 2, created=NOON - timedelta(hours=1), sla_hours=2)  # waiting
    _escalate(
        demo_db,
        delinquent,
        3,
        created=NOON - timedelta(hours=6),
        sla_hours=2,
        reply_at=NOON - timedelta(hours=5),
    )
    _escalate(
        demo_db,
        delinquent,
        4,
        created=NOON - timedelta(days=2),
        sla_hours=2,
        status="resolved",
        resolved_at=NOON - timedelta(days=1),
    )
    _escalate(  # resolved long before the period: not counted
        demo_db,
        delinquent,
        5,
        created=NOON - timedelta(days=30),
        sla_hours=2,
        status="resolved",
        resolved_at=NOON - timedelta(days=29),
    )
    _escalate(demo_db, delinquent, 6, created=NOON + timedelta(days=1), sla_hours=2)  # after the day

    maple = _digest(demo_db, tmp_path, property_code="maple-court").properties[0]
    assert (maple.plans.active, maple.plans.broken) == (1, 2)
    assert {b.lease_ref for b in maple.plans.broken_plans} == {delinquent.ref, sometimes.ref}
    assert maple.fees.late_fees == before.fees.late_fees + 1
    assert (maple.fees.reversed, maple.fees.reversed_cents) == (1, 75_00)
    sla = maple.escalations
    assert (sla.open, sla.breached, sla.waiting, sla.opened, sla.resolved) == (3, 1, 1, 4, 1)
    # Read two days later, the same day is judged at its end: the waiting one had breached by then, and
    # the escalation opened the next day is still not in it.
    with demo_db.sessions() as s:
        later = make_digest(
            s, as_of=DEMO_AS_OF, cache_dir=tmp_path, property_code="maple-court", now=NOON + timedelta(days=2)
        )
    sla = later.properties[0].escalations
    assert (sla.open, sla.breached, sla.waiting, sla.opened) == (3, 2, 0, 4)
    assert maple.expected.installments_cents == before.expected.installments_cents + 450_00


def test_the_digest_json_is_plain_json_for_the_inbox_page(demo_db: Database, tmp_path: Path) -> None:
    body = digest_json(
        demo_db.sessions(), as_of=DEMO_AS_OF, cache_dir=tmp_path, property_code="hudson-terrace"
    )
    again = json.loads(json.dumps(body))
    assert again == body
    assert body["as_of"] == "2026-11-23" and body["portfolio"] is None
    (section,) = body["properties"]
    assert section["code"] == "hudson-terrace"
    assert set(section) >= {"delinquency", "fees", "plans", "escalations", "expected", "riskiest"}
    assert isinstance(section["delinquency"]["total_cents"], int)
    assert body["risk"]["available"] and body["risk"]["holdout_auc"] >= 0.85


def test_bad_options_are_refused(demo_db: Database, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no property 'nowhere'"):
        _digest(demo_db, tmp_path, property_code="nowhere")
    with pytest.raises(InvalidInput, match="period"):
        _digest(demo_db, tmp_path, period_days=0)


def test_without_history_the_digest_counts_rent_in_full(db: Database, tmp_path: Path) -> None:
    with db.sessions() as s, s.begin():
        prop = Property(
            code="new-place",
            name="New Place",
            address="1 Main",
            city="Austin",
            state="TX",
            postal_code="78701",
            timezone="America/Chicago",
        )
        s.add(prop)
        s.flush()
        unit = Unit(property_id=prop.id, number="101", market_rent_cents=1_200_00)
        s.add(unit)
        s.flush()
        s.add(Lease(ref="L1", unit_id=unit.id, start_on=date(2026, 11, 1), rent_cents=1_200_00))
    digest = _digest(db, tmp_path)
    assert not digest.risk.available and "cannot train the risk model" in digest.risk.note
    expected = digest.properties[0].expected
    assert (expected.leases_due, expected.expected_rent_cents, expected.risk_weighted) == (1, 1_200_00, False)


def test_the_email_carries_the_same_figures_and_escapes_names(demo_db: Database, tmp_path: Path) -> None:
    top = _digest(demo_db, tmp_path, property_code="maple-court").properties[0].delinquency.largest[0]
    with demo_db.sessions() as s, s.begin():
        resident = s.scalars(select(Resident).where(Resident.ref == top.resident_ref)).one()
        resident.first_name = "<b>Robert"
    digest = _digest(demo_db, tmp_path, property_code="maple-court")
    maple = digest.properties[0]
    email = render_email(digest)
    assert "Maple Court Apartments" in email.subject and "Nov 17 to Nov 23, 2026" in email.subject
    for body in (email.text, email.html):
        assert format_cents(maple.delinquency.total_cents) in body
        assert format_cents(maple.expected.expected_total_cents) in body
        assert "held-out AUC" in body
    assert "<b>Robert" in email.text
    assert "&lt;b&gt;Robert" in email.html and "<b>Robert" not in email.html
    assert email.html.startswith("<!doctype html>") and "$" + "{" not in email.html
