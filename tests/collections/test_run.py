"""`run_collections` on a database (SQLite and PostgreSQL): cleared money decides, grace is honoured, a day
runs once, a resident who paid never gets a fee, disputed, plan and blocked accounts get nothing."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app import audit
from app.collections import run as run_module
from app.collections.config import set_config
from app.collections.holds import find_lease, place_hold, release_hold
from app.collections.views import legal_queue, list_steps, readiness_view
from app.db import transaction
from app.errors import InvalidInput
from app.escalations import open_escalation
from app.ledger.types import EntryKind
from app.models import (
    AuditRecord,
    CollectionStep,
    Conversation,
    Dispute,
    ImportBatch,
    ImportFlag,
    LeaseResident,
    LedgerEntry,
    PaymentPlan,
    Property,
    ReadinessRecord,
    Resident,
    StaffUser,
    Unit,
)
from tests.collections.support import (
    ACH,
    CARD,
    NOV_1,
    StripePayment,
    deliver,
    make_lease,
    pay,
    pending_ach,
    post,
    rent,
    run,
    run_days,
)
from tests.support.databases import Database


def _day(n: int) -> date:
    return NOV_1 + timedelta(days=n)


def _steps(db: Database, lease_id: int) -> dict[str, date]:
    with db.sessions() as session:
        rows = session.execute(
            select(CollectionStep.step, CollectionStep.fired_on).where(CollectionStep.lease_id == lease_id)
        )
        return dict(rows.all())


def _fees(db: Database, lease_id: int) -> list[int]:
    with db.sessions() as session:
        return list(
            session.scalars(
                select(LedgerEntry.amount_cents).where(
                    LedgerEntry.lease_id == lease_id, LedgerEntry.kind == EntryKind.LATE_FEE.value
                )
            )
        )


def _readiness(db: Database, day: date) -> dict[int, tuple[str, list[str]]]:
    view = _view(db, day)
    return {a.lease_id: (a.status.value, [r.code for r in a.reasons]) for a in view.accounts}


def _view(db: Database, day: date):  # noqa: ANN202
    with db.sessions() as session:
        return readiness_view(session, run_on=day)


def test_a_pending_ach_is_not_cleared_money_and_a_fee_waits_for_it(db: Database) -> None:
    with transaction(db.sessions) as session:
        lease = make_lease(session)
        rent(session, lease)
        ref = lease.ref
    ach = StripePayment("pi_cleared", 1_500_00, lease=ref, method=ACH, paid_on=_day(4))
    deliver(db, ach.processing(), _day(4))
    run_days(db, NOV_1, _day(6))  # the fee day: the money is on its way, not in
    status, reasons = _readiness(db, _day(6))[lease.id]
    assert status == "hold" and reasons[0] == "pending_payment_covers"
    assert _fees(db, lease.id) == []
    assert "late_fee" not in _steps(db, lease.id)
    deliver(db, ach.succeeded(_day(7)), _day(7))
    run_days(db, _day(7), _day(29))
    assert _fees(db, lease.id) == []  # it cleared: the resident had paid on the 4th
    assert set(_steps(db, lease.id)) == {"reminder"}


def test_a_returned_ach_leaves_the_rent_unpaid_and_the_fee_follows(db: Database) -> None:
    with transaction(db.sessions) as session:
        lease = make_lease(session)
        rent(session, lease)
        ref = lease.ref
    ach = StripePayment("pi_returned", 1_500_00, lease=ref, method=ACH, paid_on=_day(1))
    deliver(db, ach.processing(), _day(1))
    deliver(db, ach.succeeded(_day(3)), _day(3))
    run_days(db, NOV_1, _day(7))
    assert _fees(db, lease.id) == []
    deliver(db, ach.returned(_day(8)), _day(8))  # R01: the reversal and the NSF fee
    run_days(db, _day(8), _day(9))
    assert _readiness(db, _day(8))[lease.id][0] == "review"  # the balance just changed
    assert _fees(db, lease.id) == []
    run_days(db, _day(10), _day(10))
    assert _fees(db, lease.id) == [75_00]
    assert _steps(db, lease.id)["late_fee"] == _day(10)


def test_half_the_rent_is_not_the_rent(db: Database) -> None:
    with transaction(db.sessions) as session:
        lease = make_lease(session)
        rent(session, lease)
        pay(session, lease, 750_00, _day(1))
    reports = run_days(db, NOV_1, _day(15))
    steps = _steps(db, lease.id)
    assert steps == {
        "reminder": _day(4),  # the 4th, not the 3rd: a payment on the 2nd is recent for three days
        "late_fee": _day(6),
        "second_notice": _day(8),
        "formal_notice": _day(11),
        "legal_queue": _day(15),
    }
    assert _fees(db, lease.id) == [75_00]
    formal = next(n for r in reports for n in r.notices if n.kind == "formal_notice")
    text = PdfReader(db.settings.data_dir / formal.path).pages[0].extract_text()
    assert "Notice to Vacate" in text and "$750.00" in text and "Tex. Prop. Code 24.005" in text
    assert reports[15].legal_queue[0].rent_short_cents == 750_00


@pytest.mark.parametrize(
    ("state", "due_day", "grace", "fee_day"),
    [("TX", 1, 3, 6), ("TX", 1, 10, 11), ("CO", 5, 3, 8), ("NY", 1, 5, 6)],
)
def test_the_fee_honours_the_lease_grace_and_the_state_minimum(
    db: Database, state: str, due_day: int, grace: int, fee_day: int
) -> None:
    due = date(2026, 11, due_day)
    with transaction(db.sessions) as session:
        lease = make_lease(session, state=state, due_day=due_day, grace=grace)
        rent(session, lease, due)
    run_days(db, NOV_1, due + timedelta(days=fee_day - 1))
    assert _fees(db, lease.id) == []
    run_days(db, due + timedelta(days=fee_day), due + timedelta(days=fee_day))
    expected = {"TX": 75_00, "CO": 75_00, "NY": 50_00}[state]  # NY: at most $50 or 5% of rent
    assert _fees(db, lease.id) == [expected]


def test_a_day_runs_once_and_runs_go_forward(db: Database) -> None:
    with transaction(db.sessions) as session:
        lease = make_lease(session)
        rent(session, lease)
    first = run(db, _day(6))
    assert not first.already_ran and [f.amount_cents for f in first.fees] == [75_00]
    with db.sessions() as session:
        entries = session.scalar(select(func.count()).select_from(LedgerEntry))
        steps = session.scalar(select(func.count()).select_from(CollectionStep))
    again = run(db, _day(6))
    assert again.already_ran and again.model_dump(exclude={"already_ran"}) == first.model_dump(
        exclude={"already_ran"}
    )
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == entries
        assert session.scalar(select(func.count()).select_from(CollectionStep)) == steps
        assert audit.verify_chain(session).problem is None
    with pytest.raises(InvalidInput, match="cannot go back"):
        run(db, _day(5))
    with transaction(db.sessions) as session, pytest.raises(InvalidInput, match="has not come"):
        run_module.run_collections(session, run_on=_day(9), today=_day(8), data_dir=db.settings.data_dir)
    nxt = run(db, _day(7))
    assert nxt.fees == [] and _fees(db, lease.id) == [75_00]  # unique per lease, period and step


def test_a_resident_who_paid_never_gets_a_fee(db: Database) -> None:
    with transaction(db.sessions) as session:
        on_time = make_lease(session)
        rent(session, on_time)
        pay(session, on_time, 1_500_00, NOV_1)
        by_card_late = make_lease(session)
        rent(session, by_card_late)
        pay(session, by_card_late, 1_500_00, _day(5))  # inside the fee day: before it fires
    reports = run_days(db, NOV_1, _day(29))
    assert _steps(db, on_time.id) == {}
    assert _fees(db, on_time.id) == [] and _fees(db, by_card_late.id) == []
    assert all(f.lease != on_time.ref for r in reports for f in r.fees)


def test_each_step_reads_the_money_again_just_before_it_fires(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(db.sessions) as session:
        lease = make_lease(session)
        rent(session, lease)
    real = run_module.gather

    def stale(session, **kwargs):  # noqa: ANN001, ANN003, ANN202
        accounts = real(session, **kwargs)
        pay(session, lease, 1_500_00, _day(6))  # a payment lands after the facts were read
        return accounts

    monkeypatch.setattr(run_module, "gather", stale)
    report = run(db, _day(6))
    assert report.fees == [] and _fees(db, lease.id) == []
    assert {(s.step, s.reason) for s in report.skipped} >= {("late_fee", "paid")}


def test_disputed_plan_and_blocked_accounts_get_no_notices(db: Database) -> None:
    with transaction(db.sessions) as session:
        leases = {
            name: make_lease(session) for name in ("dispute", "plan", "bankruptcy", "dnc", "chargeback", "ok")
        }
        for lease in leases.values():
            rent(session, lease)
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
            session,
            lease_id=leases["bankruptcy"].id,
            kind="bankruptcy",
            reason="Chapter 13",
            actor="jo",
            today=NOV_1,
        )
        resident = session.scalars(
            select(Resident).where(Resident.ref == "R" + leases["dnc"].ref.removeprefix("L"))
        ).one()
        resident.do_not_contact = True
        chargeback_ref = leases["chargeback"].ref
    card = StripePayment("pi_disputed", 500_00, lease=chargeback_ref, method=CARD, paid_on=_day(1))
    deliver(db, card.succeeded(_day(1)), _day(1))
    deliver(db, card.dispute_created(_day(8)), _day(8))
    run_days(db, NOV_1, _day(29))
    expected = {
        "dispute": "disputed",
        "plan": "payment_plan",
        "bankruptcy": "blocked",
        "dnc": "blocked",
        "chargeback": "disputed",
    }
    final = _readiness(db, _day(29))
    for name, status in expected.items():
        assert _steps(db, leases[name].id) == {}, name
        assert final[leases[name].id][0] == status, name
    assert set(_steps(db, leases["ok"].id)) == {
        "reminder",
        "late_fee",
        "second_notice",
        "formal_notice",
        "legal_queue",
    }


def test_a_released_hold_lets_the_ladder_catch_up(db: Database) -> None:
    with transaction(db.sessions) as session:
        lease = make_lease(session)
        rent(session, lease)
        hold = place_hold(
            session, lease_id=lease.id, kind="hold", reason="resident in hospital", actor="jo", today=NOV_1
        )
        hold_id = hold.id
    run_days(db, NOV_1, _day(9))
    assert _steps(db, lease.id) == {}
    with transaction(db.sessions) as session:
        release_hold(session, hold_id=hold_id, actor="jo", today=_day(10))
    report = run(db, _day(10))
    assert [a.steps for a in report.advanced] == [["late_fee", "second_notice"]]  # the reminder is superseded


def test_a_property_moves_its_own_days(db: Database) -> None:
    with transaction(db.sessions) as session:
        lease = make_lease(session)
        rent(session, lease)
        unit = session.get(Unit, lease.unit_id)
        assert unit is not None
        set_config(
            session, property_id=unit.property_id, changes={"reminder_day": 1, "late_fee_day": 4}, actor="m"
        )
    run_days(db, NOV_1, _day(5))
    assert _steps(db, lease.id) == {"reminder": _day(1), "late_fee": _day(4)}  # TX: late from the 5th, day 4


def test_readiness_is_kept_per_run_with_what_changed(db: Database) -> None:
    with transaction(db.sessions) as session:
        paying, waiting, new = make_lease(session), make_lease(session), make_lease(session)
        rent(session, paying)
        rent(session, waiting)
    run(db, _day(2))
    with transaction(db.sessions) as session:
        pay(session, paying, 1_500_00, _day(3))
        pending_ach(session, waiting, 1_500_00, _day(3))
        rent(session, new, _day(3))
        post(session, new, EntryKind.CHARGE, 45_00, _day(3), description="Key fob")
    run(db, _day(3))
    view = _view(db, _day(3))
    assert view.previous_run_on == _day(2)
    changes = {c.lease_id: (c.change, c.before, c.after) for c in view.changes}
    assert changes[paying.id] == ("left", "ready", None)
    assert changes[waiting.id] == ("status", "ready", "hold")
    assert changes[new.id][0] == "entered" and changes[new.id][2] == "review"
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ReadinessRecord)) == 2 + 2


def test_notices_are_pdfs_on_disk_recorded_with_template_and_audited(db: Database) -> None:
    with transaction(db.sessions) as session:
        lease = make_lease(session)
        rent(session, lease)
    reports = run_days(db, NOV_1, _day(11))
    made = [n for r in reports for n in r.notices]
    assert [n.kind for n in made] == ["second_notice", "formal_notice"]
    with db.sessions() as session:
        steps = list_steps(session, lease_id=lease.id)
        assert [s.step for s in steps] == ["reminder", "late_fee", "second_notice", "formal_notice"]
        for step in steps:
            if step.document_path:
                content = (db.settings.data_dir / step.document_path).read_bytes()
                assert (
                    content.startswith(b"%PDF")
                    and hashlib.sha256(content).hexdigest() == step.document_sha256
                )
                assert step.template and step.template.startswith(step.step + ".en.txt@")
        assert steps[1].ledger_entry_id is not None and steps[1].amount_cents == 75_00
        assert legal_queue(session) == []
        assert audit.verify_chain(session).problem is None
        runs = list(session.scalars(select(AuditRecord.data).where(AuditRecord.action == "collections.run")))
        assert len(runs) == 12
        fired = [step for data in runs for step in data["fired"]]
        assert [s["step"] for s in fired] == ["reminder", "late_fee", "second_notice", "formal_notice"]
        assert {s["document_sha256"] for s in fired} - {None} == {s.document_sha256 for s in steps} - {None}
    text = PdfReader(db.settings.data_dir / made[0].path).pages[0].extract_text()
    assert "SECOND NOTICE" in text and "$1,500.00" in text and "Late fee" in text


def test_the_demo_portfolio_classifies_its_hard_cases(demo_db: Database) -> None:
    assert demo_db.report is not None
    personas = demo_db.report.personas
    with transaction(demo_db.sessions) as session:  # the demo's manager approves fees everywhere
        manager = session.scalars(select(StaffUser).where(StaffUser.role == "manager")).first()
        assert manager is not None
        for property_id in session.scalars(select(Property.id)):
            set_config(
                session, property_id=property_id, changes={"post_late_fees": True}, actor=manager.email
            )
    report = run(demo_db, date(2026, 11, 23))
    with demo_db.sessions() as session:
        lease_of = {
            name: find_lease(session, personas[name]).ref
            for name in ("disputed", "plan", "changed_yesterday")
        }
    by_lease = {a.lease: a for a in _view(demo_db, date(2026, 11, 23)).accounts}
    assert by_lease[lease_of["disputed"]].status.value == "disputed"
    assert by_lease[lease_of["plan"]].status.value == "payment_plan"
    assert by_lease[lease_of["changed_yesterday"]].status.value == "review"
    assert not {a.lease for a in report.advanced} & {lease_of["disputed"], lease_of["plan"]}
    # The demo's own November late fees are on the ledger already: none is charged twice.
    assert report.fees == [] and report.skipped_counts["already_charged"] > 0


def test_readiness_reads_every_source_from_the_database(db: Database) -> None:
    """Escalations, conversations with staff, proposed plans, PM-import flags, duplicate residents and
    credits: each gathered at the edge (one statement for all accounts) and classified."""
    with transaction(db.sessions) as session:
        names = ("escalated", "talking", "proposed", "imported", "duplicate", "credited", "mismatch")
        leases = {name: make_lease(session) for name in names}
        for lease in leases.values():
            rent(session, lease)
        resident_of = {
            name: session.scalars(
                select(Resident).where(Resident.ref == "R" + lease.ref.removeprefix("L"))
            ).one()
            for name, lease in leases.items()
        }
        open_escalation(
            session,
            conversation_id=None,
            resident_id=resident_of["escalated"].id,
            lease_id=None,
            prop=None,
            reason="dispute",
            priority="normal",
            summary="says the rent was paid",
            actor="assistant",
        )
        session.add(
            Conversation(
                id="c-talking", resident_id=resident_of["talking"].id, channel="sms", status="waiting_staff"
            )
        )
        session.add(
            PaymentPlan(
                lease_id=leases["proposed"].id,
                status="proposed",
                total_cents=1_500_00,
                created_on=NOV_1,
                proposed_by="assistant",
            )
        )
        batch = ImportBatch(
            source="appfolio",
            kind="aged-receivables",
            file_name="ar.csv",
            file_sha256="0" * 64,
            as_of=_day(2),
            rows=2,
            created=2,
            unchanged=0,
            not_applied=0,
            skipped=0,
            entries_posted=0,
            flag_counts={"credit": 1, "balance_mismatch": 1},
            created_by="cli",
        )
        session.add(batch)
        session.flush()
        session.add_all(
            [
                ImportFlag(batch_id=batch.id, row_number=2, kind="credit", detail="prepaid -$50.00",
                           lease_id=leases["imported"].id),
                ImportFlag(batch_id=batch.id, row_number=3, kind="balance_mismatch", detail="PM says $0.00",
                           lease_id=leases["mismatch"].id),
            ]
        )  # fmt: skip
        twin = Resident(ref="R89999", first_name="Test", last_name="Resident", phone="+15125550100")
        session.add(twin)
        session.flush()
        session.add(LeaseResident(lease_id=leases["duplicate"].id, resident_id=twin.id, role="occupant"))
        post(session, leases["credited"], EntryKind.CREDIT, -100_00, _day(2), description="Concession")
    run(db, _day(5))
    found = _readiness(db, _day(5))
    expected = {
        "escalated": ("hold", "open_escalation"),
        "talking": ("hold", "conversation_with_staff"),
        "proposed": ("hold", "plan_pending"),
        "imported": ("deposit_credit_ambiguity", "import_credit"),
        "duplicate": ("review", "duplicate_resident"),
        "credited": ("deposit_credit_ambiguity", "credit_applied"),
        "mismatch": ("review", "import_balance_mismatch"),
    }
    assert {name: (found[lease.id][0], found[lease.id][1][0]) for name, lease in leases.items()} == expected
    assert all(_steps(db, lease.id) == {} for lease in leases.values())


def test_a_legal_queue_that_falls_in_the_next_period_still_comes(db: Database) -> None:
    """New York: the formal notice went out late (a hold until the 19th), so its 14 days run into
    December; the November period's legal queue fires then, while December's own ladder starts."""
    with transaction(db.sessions) as session:
        lease = make_lease(session, state="NY", grace=5)
        rent(session, lease)
        place_hold(
            session, lease_id=lease.id, kind="hold", reason="waiting on a subsidy", actor="jo", today=NOV_1,
            until_on=_day(18),
        )  # fmt: skip
    run_days(db, NOV_1, _day(29))
    with transaction(db.sessions) as session:
        rent(session, lease, date(2026, 12, 1))
    run_days(db, date(2026, 12, 1), date(2026, 12, 6))
    with db.sessions() as session:
        steps = {(s.period, s.step): s.fired_on for s in list_steps(session, lease_id=lease.id)}
    assert steps[(NOV_1, "formal_notice")] == _day(19)
    assert steps[(NOV_1, "legal_queue")] == _day(19) + timedelta(days=15)  # Dec 5
    assert steps[(date(2026, 12, 1), "reminder")] == date(2026, 12, 4)


def test_fees_wait_for_a_managers_standing_approval(demo_db: Database) -> None:
    """Nothing that changes money happens without a staff approval: an instance posts no fee until a
    manager turns fees on for the property, and only a manager or admin can."""
    with transaction(demo_db.sessions) as session:
        agent = session.scalars(select(StaffUser).where(StaffUser.role == "agent")).first()
        property_id = session.scalars(select(Property.id)).first()
        assert agent is not None and property_id is not None
        with pytest.raises(InvalidInput, match="manager or admin"):
            set_config(session, property_id=property_id, changes={"post_late_fees": True}, actor=agent.email)
        with pytest.raises(InvalidInput, match="manager or admin"):
            set_config(session, property_id=property_id, changes={"post_late_fees": True}, actor="cli")

    report = run(demo_db, date(2026, 11, 23))

    assert report.fees == []
    assert report.skipped_counts["fees_not_approved"] > 0
