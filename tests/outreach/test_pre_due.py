"""Pre-due reminders through outreach (SQLite and PostgreSQL): drafted like the other messages, sent under
`assist`, held under `shadow`, refused as paid when the resident paid ahead, and quiet hours counted in the
resident's own time zone when the resident has one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.collections.run import run_collections
from app.collections.simulate_outreach import Sent, measure_sends
from app.db import transaction
from app.errors import InvalidInput
from app.models import Lease, OutreachDraft, OutreachSend, Resident, StaffUser, Unit
from app.outreach.config import set_config
from app.outreach.service import run_outreach
from tests.collections.support import NOV_1, make_lease, pay, rent
from tests.support.databases import Database

MANAGER = "manager@test.example"
NOV_28 = date(2026, 11, 28)
# Chicago (the property) is UTC-6 in November; Anchorage is UTC-9, three hours behind it.
CHICAGO_0830 = datetime(2026, 11, 28, 14, 30, tzinfo=UTC)  # 05:30 in Anchorage
ANCHORAGE_0805 = datetime(2026, 11, 28, 17, 5, tzinfo=UTC)  # 11:05 in Chicago
ANCHORAGE_OPENS = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)


def _household(
    db: Database, *, mode: str, language: str = "en", time_zone: str | None = None
) -> tuple[int, int]:
    """A lease whose November rent is paid, its property in `mode`: (lease id, resident id)."""
    with transaction(db.sessions) as session:
        if session.scalar(select(StaffUser.id).where(StaffUser.email == MANAGER)) is None:
            session.add(StaffUser(email=MANAGER, name="Mara Manager", role="manager"))
            session.flush()
        lease = make_lease(session)
        rent(session, lease, NOV_1)
        pay(session, lease, lease.rent_cents, date(2026, 11, 2))
        resident = session.scalars(select(Resident).order_by(Resident.id.desc())).first()
        assert resident is not None
        resident.preferred_channel, resident.language, resident.sms_consent = "sms", language, True
        resident.time_zone = time_zone
        unit = session.get(Unit, lease.unit_id)
        assert unit is not None
        set_config(session, property_id=unit.property_id, actor=MANAGER, mode=mode)
        return lease.id, resident.id


def _ladder(db: Database, risk: Mapping[int, int], day: date = NOV_28) -> None:
    def score(_session: Session, lease_ids: Sequence[int], _on: date) -> Mapping[int, int]:
        return {lease: risk[lease] for lease in lease_ids if lease in risk}

    with transaction(db.sessions) as session:
        run_collections(session, run_on=day, today=day, data_dir=db.settings.data_dir, risk=score)


def _draft(db: Database, lease_id: int) -> OutreachDraft:
    with db.sessions() as session:
        draft = session.scalars(select(OutreachDraft).where(OutreachDraft.lease_id == lease_id)).one()
        session.expunge(draft)
        return draft


AFTERNOON = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)  # 14:00 in Chicago


def test_assist_sends_the_pre_due_reminder_and_shadow_holds_it(db: Database) -> None:
    assist, _ = _household(db, mode="assist")
    shadow, _ = _household(db, mode="shadow")
    spanish, _ = _household(db, mode="assist", language="es")
    low, _ = _household(db, mode="assist")
    _ladder(db, {assist: 7_000, shadow: 7_000, spanish: 7_000, low: 300})

    report = run_outreach(db.sessions, now=AFTERNOON)

    assert sorted(d.id for d in report.drafted) == sorted(_draft(db, i).id for i in (assist, shadow, spanish))
    sent = _draft(db, assist)
    assert (sent.step, sent.status, sent.needs_approval) == ("pre_due", "sent", False)
    assert sent.template.startswith("pre_due.sms.en.txt@")
    assert "friendly reminder" in sent.body and "$1,500.00 is due Dec 1, 2026" in sent.body
    assert "portal" in sent.body and "STOP" in sent.body
    assert _draft(db, shadow).status == "awaiting_approval"
    es = _draft(db, spanish)
    assert es.status == "sent" and "$1,500.00 vence el 1 de diciembre de 2026" in es.body
    with db.sessions() as session:
        assert session.scalars(select(OutreachDraft).where(OutreachDraft.lease_id == low)).first() is None


def test_a_resident_who_paid_ahead_is_refused_as_paid(db: Database) -> None:
    lease_id, _ = _household(db, mode="shadow")
    _ladder(db, {lease_id: 8_000})
    run_outreach(db.sessions, now=AFTERNOON)
    assert _draft(db, lease_id).status == "awaiting_approval"
    with transaction(db.sessions) as session:
        lease = session.get(Lease, lease_id)
        assert lease is not None
        pay(session, lease, lease.rent_cents, NOV_28)  # December paid the same day, before approval
        draft = session.scalars(select(OutreachDraft).where(OutreachDraft.lease_id == lease_id)).one()
        draft.status = "ready"  # approved by staff

    report = run_outreach(db.sessions, now=AFTERNOON)

    assert report.refused == {_draft(db, lease_id).id: "paid"}
    assert _draft(db, lease_id).status == "refused"


def test_quiet_hours_follow_the_residents_own_time_zone(db: Database) -> None:
    away, away_resident = _household(db, mode="auto", time_zone="America/Anchorage")
    home, _ = _household(db, mode="auto")
    _ladder(db, {away: 9_000, home: 9_000})

    early = run_outreach(db.sessions, now=CHICAGO_0830)  # 08:30 at the property, 05:30 for the resident

    assert _draft(db, home).id in early.outbox
    assert early.waiting_for_window == [_draft(db, away).id]
    waiting = _draft(db, away)
    assert waiting.status == "ready" and waiting.not_before is not None
    assert (
        waiting.not_before.replace(tzinfo=waiting.not_before.tzinfo or UTC) == ANCHORAGE_OPENS
    )  # 08:00 there

    later = run_outreach(db.sessions, now=ANCHORAGE_0805)

    assert later.outbox == [_draft(db, away).id] and _draft(db, away).status == "sent"
    with db.sessions() as session:
        send = session.scalars(select(OutreachSend).where(OutreachSend.draft_id == _draft(db, away).id)).one()
        assert send.timezone == "America/Anchorage"
        resident = session.get(Resident, away_resident)
        assert resident is not None and resident.phone is not None
        # The simulation's own check reads the resident's zone too: 08:05 there is inside, 05:30 is not.
        assert measure_sends(session, [Sent("sms", resident.phone, ANCHORAGE_0805)]) == (0, 0)
        assert measure_sends(session, [Sent("sms", resident.phone, CHICAGO_0830)])[0] == 1


def test_an_unknown_time_zone_is_refused_and_none_means_the_propertys(db: Database) -> None:
    with transaction(db.sessions) as session:
        make_lease(session)
        resident = session.scalars(select(Resident).order_by(Resident.id.desc())).first()
        assert resident is not None
        with pytest.raises(InvalidInput, match="unknown time zone"):
            resident.time_zone = "America/Chicagoo"
        resident.time_zone = " America/Denver "
        assert resident.time_zone == "America/Denver"
        resident.time_zone = ""
        assert resident.time_zone is None
