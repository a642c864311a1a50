"""Outreach on SQLite and PostgreSQL: rollout modes, quiet hours, opt-out, do-not-contact and readiness
re-checked at send time, approvals recorded with who decided, email to a real SMTP server, idempotency."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.channels.optouts import record_choice
from app.channels.sms_transport import Handed
from app.collections.simulate_outreach import Sent, measure_sends
from app.db import transaction
from app.errors import Conflict, InvalidInput
from app.models import (
    AuditRecord,
    Dispute,
    OutreachDraft,
    OutreachSend,
    Resident,
    SmsMessage,
    StaffUser,
    Unit,
)
from app.outreach.approvals import approve, reject
from app.outreach.config import OutreachConfig, set_config
from app.outreach.schemas import OutreachReport, list_drafts
from app.outreach.service import run_outreach
from app.outreach.settings import SmtpSettings
from tests.collections.support import NOV_1, make_lease, rent, run_days
from tests.support.databases import Database

MANAGER = "manager@test.example"
AGENT = "agent@test.example"
# Chicago is UTC-6 in November.
AFTERNOON = datetime(2026, 11, 4, 20, 0, tzinfo=UTC)  # 14:00 local
EARLY = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)  # 06:00 local
LATE = datetime(2026, 11, 5, 3, 30, tzinfo=UTC)  # 21:30 local on Nov 4


def _staff(db: Database) -> None:
    with transaction(db.sessions) as session:
        session.add_all(
            [
                StaffUser(email=MANAGER, name="Mara Manager", role="manager"),
                StaffUser(email=AGENT, name="Ana Agent", role="agent"),
            ]
        )


def _lease(
    db: Database, *, mode: str, channel: str = "sms", language: str = "en", sms_consent: bool = True
) -> tuple[int, int]:
    """A lease of its own property in `mode`, whose rent for Nov 1 is unpaid: (lease id, resident id)."""
    with transaction(db.sessions) as session:
        lease = make_lease(session)
        rent(session, lease, NOV_1)
        resident = session.scalars(select(Resident).order_by(Resident.id.desc())).first()
        assert resident is not None
        resident.preferred_channel, resident.language, resident.sms_consent = channel, language, sms_consent
        unit = session.get(Unit, lease.unit_id)
        assert unit is not None
        set_config(session, property_id=unit.property_id, actor=MANAGER, mode=mode)
        return lease.id, resident.id


def _ladder(db: Database, last: date = date(2026, 11, 4)) -> None:
    run_days(db, NOV_1, last)


def _run(db: Database, now: datetime, **kwargs: Any) -> OutreachReport:
    return run_outreach(db.sessions, now=now, **kwargs)


def _draft(db: Database, lease_id: int, step: str = "reminder") -> OutreachDraft:
    with db.sessions() as session:
        draft = session.scalars(
            select(OutreachDraft).where(OutreachDraft.lease_id == lease_id, OutreachDraft.step == step)
        ).one()
        session.expunge(draft)
        return draft


def _texts(db: Database) -> int:
    with db.sessions() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(SmsMessage).where(SmsMessage.direction == "outbound")
            )
            or 0
        )


def test_rollout_modes_decide_what_waits_for_approval(db: Database) -> None:
    _staff(db)
    shadow, _ = _lease(db, mode="shadow")
    assist, _ = _lease(db, mode="assist")
    auto, _ = _lease(db, mode="auto")
    _ladder(db)
    report = _run(db, AFTERNOON)
    assert len(report.drafted) == 3
    assert _draft(db, shadow).status == "awaiting_approval"
    assert _draft(db, assist).status == "sent"  # a routine reminder goes in assist
    assert _draft(db, auto).status == "sent"
    assert sorted(report.outbox) == sorted([_draft(db, assist).id, _draft(db, auto).id])
    assert report.awaiting_approval == 1
    assert _texts(db) >= 2
    reminder = _draft(db, auto)
    assert "friendly reminder" in reminder.body and "$1,500.00" in reminder.body
    assert reminder.template.startswith("reminder.sms.en.txt@")

    # The second notice (day 8, after the fee): assist waits for a person, auto sends it.
    _ladder_from = date(2026, 11, 5)
    run_days(db, _ladder_from, date(2026, 11, 9))
    _run(db, datetime(2026, 11, 9, 20, 0, tzinfo=UTC))
    assert _draft(db, assist, "second_notice").status == "awaiting_approval"
    assert _draft(db, auto, "second_notice").status == "sent"
    # The shadow reminder nobody approved is superseded by the newer message, not sent late.
    assert _draft(db, shadow).status == "superseded"
    assert _draft(db, shadow, "second_notice").status == "awaiting_approval"


def test_a_second_run_drafts_and_sends_nothing_more(db: Database) -> None:
    _staff(db)
    lease_id, _ = _lease(db, mode="auto")
    _ladder(db)
    first = _run(db, AFTERNOON)
    texts = _texts(db)
    second = _run(db, AFTERNOON)
    assert len(first.drafted) == 1 and first.outbox
    assert second.drafted == [] and second.outbox == [] and second.sent == []
    assert _texts(db) == texts
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutreachDraft)) == 1
        assert session.scalar(select(func.count()).select_from(OutreachSend)) == 1


def test_quiet_hours_queue_a_draft_until_the_window_opens(db: Database) -> None:
    _staff(db)
    lease_id, _ = _lease(db, mode="auto")
    _ladder(db)
    early = _run(db, EARLY)
    draft = _draft(db, lease_id)
    assert early.waiting_for_window == [draft.id] and draft.status == "ready"
    assert draft.not_before is not None
    assert draft.not_before.replace(tzinfo=draft.not_before.tzinfo or UTC) == datetime(
        2026, 11, 4, 14, 0, tzinfo=UTC
    )  # 08:00 in Chicago
    assert _texts(db) == 0
    late = _run(db, LATE)
    assert late.waiting_for_window == [draft.id] and _texts(db) == 0
    opened = _run(db, AFTERNOON)
    assert opened.outbox == [draft.id]
    with db.sessions() as session:
        sends = session.scalars(select(OutreachSend)).all()
        assert [(s.status, s.timezone) for s in sends] == [("outbox", "America/Chicago")]
        outside, opted = measure_sends(session, [Sent(s.channel, s.address, s.at) for s in sends])
    assert (outside, opted) == (0, 0)


def test_quiet_hours_are_configurable_per_property(db: Database) -> None:
    _staff(db)
    lease_id, _ = _lease(db, mode="auto")
    with transaction(db.sessions) as session:
        draft_prop = session.scalar(select(Unit.property_id).order_by(Unit.id.desc()).limit(1))
        assert draft_prop is not None
        set_config(session, property_id=draft_prop, actor=MANAGER, quiet_start_hour=15, quiet_end_hour=18)
        with pytest.raises(InvalidInput):
            set_config(session, property_id=draft_prop, actor=AGENT, mode="auto")
        with pytest.raises(InvalidInput):
            set_config(session, property_id=draft_prop, actor=MANAGER, quiet_start_hour=20, quiet_end_hour=9)
    _ladder(db)
    assert _run(db, AFTERNOON).waiting_for_window  # 14:00 local: before 15:00
    assert _run(db, datetime(2026, 11, 4, 21, 30, tzinfo=UTC)).outbox  # 15:30 local


def test_the_window_in_the_property_time_zone() -> None:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("America/New_York")
    config = OutreachConfig()
    assert not config.in_window(datetime(2026, 11, 4, 12, 59, tzinfo=UTC), tz)  # 07:59
    assert config.in_window(datetime(2026, 11, 4, 13, 0, tzinfo=UTC), tz)  # 08:00
    assert not config.in_window(datetime(2026, 11, 5, 2, 0, tzinfo=UTC), tz)  # 21:00
    assert config.next_open(datetime(2026, 11, 5, 2, 0, tzinfo=UTC), tz) == datetime(
        2026, 11, 5, 13, tzinfo=UTC
    )


def test_an_opt_out_after_the_draft_is_obeyed_at_send_time(db: Database) -> None:
    _staff(db)
    lease_id, resident_id = _lease(db, mode="shadow")
    _ladder(db)
    _run(db, AFTERNOON)
    draft = _draft(db, lease_id)
    with transaction(db.sessions) as session:
        approve(session, draft_id=draft.id, actor=AGENT)
        resident = session.get(Resident, resident_id)
        assert resident is not None and resident.phone
        record_choice(
            session, channel="sms", address=resident.phone, opted_out=True, keyword="STOP", actor="t"
        )
    report = _run(db, AFTERNOON)
    assert report.refused == {draft.id: "opted_out"}
    assert _texts(db) == 0
    assert _draft(db, lease_id).status == "refused"
    with db.sessions() as session:
        send = session.scalars(select(OutreachSend)).one()
        assert (send.status, send.detail) == ("refused", "opted_out")


def test_do_not_contact_and_a_dispute_are_obeyed_at_send_time(db: Database) -> None:
    _staff(db)
    dnc, dnc_resident = _lease(db, mode="shadow")
    disputed, _ = _lease(db, mode="shadow")
    _ladder(db)
    _run(db, AFTERNOON)
    with transaction(db.sessions) as session:
        for lease_id in (dnc, disputed):
            approve(session, draft_id=_draft(db, lease_id).id, actor=MANAGER)
        resident = session.get(Resident, dnc_resident)
        assert resident is not None
        resident.do_not_contact = True
        session.add(Dispute(lease_id=disputed, opened_on=date(2026, 11, 4), reason="rent was paid in cash"))
    report = _run(db, AFTERNOON)
    assert report.refused == {
        _draft(db, dnc).id: "do_not_contact",
        _draft(db, disputed).id: "readiness:disputed",
    }
    assert _texts(db) == 0


def test_approval_and_rejection_are_recorded_with_who_decided(db: Database) -> None:
    _staff(db)
    first, _ = _lease(db, mode="shadow")
    second, _ = _lease(db, mode="shadow")
    _ladder(db)
    _run(db, AFTERNOON)
    a, b = _draft(db, first), _draft(db, second)
    with transaction(db.sessions) as session:
        with pytest.raises(InvalidInput):
            approve(session, draft_id=a.id, actor="stranger@example.com")
        edited = approve(
            session, draft_id=a.id, actor=AGENT.upper(), body="Hi Test, rent is open. Reply STOP."
        )
        with pytest.raises(InvalidInput):
            reject(session, draft_id=b.id, actor=MANAGER, reason="  ")
        rejected = reject(session, draft_id=b.id, actor=MANAGER, reason="resident called, paying today")
    assert (edited.status, edited.decision, edited.decided_by) == ("ready", "edited", AGENT)
    assert (rejected.status, rejected.decision, rejected.decided_by) == ("rejected", "rejected", MANAGER)
    with transaction(db.sessions) as session, pytest.raises(Conflict):
        approve(session, draft_id=b.id, actor=MANAGER)
    with db.sessions() as session:
        lines = session.scalars(
            select(AuditRecord).where(AuditRecord.action.in_(["outreach.edited", "outreach.rejected"]))
        ).all()
        assert sorted((line.action, line.actor) for line in lines) == [
            ("outreach.edited", AGENT),
            ("outreach.rejected", MANAGER),
        ]
    report = _run(db, AFTERNOON)
    assert report.outbox == [a.id]
    with db.sessions() as session:
        bodies = session.scalars(select(SmsMessage.body).where(SmsMessage.direction == "outbound")).all()
        assert bodies == ["Hi Test, rent is open. Reply STOP."]
        assert [d.status for d in list_drafts(session, status="rejected")] == ["rejected"]


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[SmtpSettings, _Inbox]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpSettings(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="office@doorstep.test"), inbox
    finally:
        controller.stop()


def test_email_in_the_household_language_reaches_the_smtp_server(
    db: Database, smtp_server: tuple[SmtpSettings, _Inbox]
) -> None:
    smtp, inbox = smtp_server
    _staff(db)
    lease_id, resident_id = _lease(db, mode="auto", channel="email", language="es")
    _ladder(db)
    waiting = _run(db, AFTERNOON)  # no SMTP settings: the email waits, nothing is lost
    draft = _draft(db, lease_id)
    assert waiting.waiting_for_smtp == [draft.id] and draft.status == "ready"
    report = _run(db, AFTERNOON, smtp=smtp)
    assert report.sent == [draft.id]
    assert len(inbox.messages) == 1
    rcpt, raw = inbox.messages[0]
    with db.sessions() as session:
        resident = session.get(Resident, resident_id)
        assert resident is not None and resident.email
        assert rcpt == [resident.email.lower()]
        send = session.scalars(select(OutreachSend)).one()
        assert (send.channel, send.status, send.address) == ("email", "sent", resident.email.lower())
    message = email.message_from_bytes(raw)
    assert message["From"] == "office@doorstep.test"
    assert "recordatorio" in str(message["Subject"]).lower()
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes) and "renta" in body.decode()
    assert _draft(db, lease_id).template.startswith("reminder.email.es.txt@")
    assert _run(db, AFTERNOON, smtp=smtp).sent == [] and len(inbox.messages) == 1


def test_an_unreachable_smtp_server_is_recorded_as_failed(db: Database) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here
    _staff(db)
    lease_id, _ = _lease(db, mode="auto", channel="email")
    _ladder(db)
    report = _run(
        db, AFTERNOON, smtp=SmtpSettings(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT_SECONDS=2)
    )
    draft = _draft(db, lease_id)
    assert list(report.failed) == [draft.id] and draft.status == "failed"


def test_the_month_simulation_counts_outreach_email_sends(
    db: Database, smtp_server: tuple[SmtpSettings, _Inbox]
) -> None:
    smtp, _ = smtp_server
    _staff(db)
    lease_id, resident_id = _lease(db, mode="auto", channel="email")
    _ladder(db)
    _run(db, AFTERNOON, smtp=smtp)
    with transaction(db.sessions) as session:
        assert _measured(session) == (0, 0)
        send = session.scalars(select(OutreachSend)).one()
        # A send recorded at 03:00 in the property's time zone, to an address that later opted out.
        session.add(
            OutreachSend(
                draft_id=send.draft_id,
                channel="email",
                address=send.address,
                at=datetime(2026, 11, 4, 9, 0, tzinfo=UTC),
                timezone="America/Chicago",
                status="sent",
                sms_ids=[],
            )
        )
        record_choice(
            session, channel="email", address=send.address, opted_out=True, keyword="web", actor="t"
        )
        session.flush()
        assert _measured(session) == (1, 2)


def _measured(session: Session) -> tuple[int, int]:
    """The simulation's figures (outside quiet hours, to opted-out) over the email sends recorded."""
    sends = session.scalars(select(OutreachSend).where(OutreachSend.status == "sent")).all()
    return measure_sends(session, [Sent(s.channel, s.address, s.at) for s in sends])


class _Twilio:
    """A transport standing in for Twilio's REST API: accepts, or refuses, every text."""

    def __init__(self, ok: bool) -> None:
        self.ok = ok
        self.sent: list[str] = []

    def send(self, *, to: str, body: str) -> Handed:
        self.sent.append(to)
        if self.ok:
            return Handed("sent", sid=f"SM{len(self.sent):032x}")
        return Handed("failed", error_code="21610")


@pytest.mark.parametrize("ok", [True, False])
def test_texts_go_to_twilio_when_it_is_configured(db: Database, ok: bool) -> None:
    _staff(db)
    lease_id, _ = _lease(db, mode="auto")
    _ladder(db)
    twilio = _Twilio(ok)
    report = run_outreach(db.sessions, now=AFTERNOON, transport=twilio)
    draft = _draft(db, lease_id)
    with db.sessions() as session:
        send = session.scalars(select(OutreachSend)).one()
    assert len(twilio.sent) == len(send.sms_ids) >= 1  # a long text goes as one-segment parts
    if ok:
        assert report.sent == [draft.id] and draft.status == "sent" and send.status == "sent"
    else:
        assert list(report.failed) == [draft.id] and draft.status == "failed" and send.status == "failed"
