"""Staff alerts in a Slack-compatible incoming webhook, on SQLite and PostgreSQL, against a real HTTP
server on 127.0.0.1: one message per legal-queue entry and per SLA breach, however often the commands run,
retried after a failure without blocking the run, with no resident's name or contact in it."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from app.alerts.models import StaffAlert
from app.alerts.service import AlertReport, raise_and_send
from app.cli import app
from app.db import transaction
from app.escalations import open_escalation
from app.models import AuditRecord, CollectionStep, Conversation, Lease, Message, Property, Resident, Unit
from app.money import format_cents
from app.outreach.settings import SlackSettings
from tests.collections.support import NOV_1, make_lease, pay, rent, run_days
from tests.support.databases import TEST_AUDIT_KEY, Database

PUBLIC = "https://doorstep.example.org"
NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)


class SlackServer:
    """An incoming webhook on 127.0.0.1: records each JSON body; answers `fail` 500s first, then 200 ok."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.requests = 0
        self.fail = 0
        self.delay = 0.0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                outer.requests += 1
                time.sleep(outer.delay)
                if outer.fail > 0:
                    outer.fail -= 1
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(b"server_error")
                    return
                outer.bodies.append(json.loads(raw))
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002, ARG002
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/services/T000/B000/XXXX"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    server = SlackServer()
    yield server
    server.close()


def _settings(url: str, attempts: int = 3) -> SlackSettings:
    return SlackSettings(
        DOORSTEP_SLACK_WEBHOOK_URL=url, DOORSTEP_SLACK_ATTEMPTS=attempts, DOORSTEP_SLACK_TIMEOUT_SECONDS=2
    )


def _alert(db: Database, slack: SlackServer, now: datetime = NOW, attempts: int = 3) -> AlertReport:
    return raise_and_send(
        db.sessions, _settings(slack.url, attempts), now=now, public_url=PUBLIC, backoff=0.01
    )


def _legal_queue_lease(db: Database) -> int:
    """A lease that paid half of November's rent: it enters the legal queue on Nov 16."""
    with transaction(db.sessions) as session:
        lease = make_lease(session)
        rent(session, lease)
        pay(session, lease, 700_00, date(2026, 11, 2))
        lease_id = lease.id
    run_days(db, NOV_1, date(2026, 11, 16))
    return lease_id


def _actions(db: Database, prefix: str) -> list[str]:
    with db.sessions() as session:
        return list(
            session.scalars(
                select(AuditRecord.action)
                .where(AuditRecord.action.like(f"{prefix}%"))
                .order_by(AuditRecord.id)
            )
        )


def test_an_account_entering_the_legal_queue_alerts_staff_once(db: Database, slack: SlackServer) -> None:
    lease_id = _legal_queue_lease(db)

    first = _alert(db, slack)
    again = _alert(db, slack, now=NOW + timedelta(hours=1))

    assert len(first.sent) == 1 and first.failed == {} and first.pending == 0
    assert again.raised == 0 and again.sent == []
    assert len(slack.bodies) == 1  # once, however often the commands run
    message = slack.bodies[0]
    assert set(message) == {"text", "blocks"} and message["blocks"][0]["type"] == "section"
    text = message["text"]
    with db.sessions() as session:
        step = session.scalars(
            select(CollectionStep).where(
                CollectionStep.lease_id == lease_id, CollectionStep.step == "legal_queue"
            )
        ).one()
        lease = session.get(Lease, lease_id)
        assert lease is not None
        unit = session.get(Unit, lease.unit_id)
        assert unit is not None
        prop = session.get(Property, unit.property_id)
        resident = session.scalars(select(Resident).order_by(Resident.id.desc())).first()
    assert resident is not None and prop is not None
    # The only amount is what the ladder read from the ledger: $1,500.00 owed, $700.00 cleared.
    assert step.short_cents == 800_00
    assert re.findall(r"\$[\d,]+\.\d\d", text) == [format_cents(step.short_cents)]
    assert f"unit {unit.number}" in text and prop.name in text and lease.ref in text
    assert f"{(step.fired_on - step.period_on).days} days late" in text
    assert f"{PUBLIC}/inbox" in text
    assert message["blocks"][1]["elements"][0]["url"] == f"{PUBLIC}/inbox"
    name = f"{resident.first_name} {resident.last_name}"
    for private in (name, resident.ref, resident.phone, resident.email):
        assert private and private not in json.dumps(message)
    assert _actions(db, "alerts.") == ["alerts.raised", "alerts.sent"]


def test_a_failed_alert_is_retried_with_backoff_then_later_and_sent_once(
    db: Database, slack: SlackServer
) -> None:
    _legal_queue_lease(db)
    slack.fail = 10

    down = _alert(db, slack, attempts=3)

    assert down.sent == [] and len(down.failed) == 1 and down.problem is None
    assert slack.requests == 3  # three tries with backoff, then it waits for the next run
    with db.sessions() as session:
        alert = session.scalars(select(StaffAlert)).one()
        assert (alert.status, alert.attempts) == ("pending", 1) and "HTTP 500" in (alert.last_error or "")

    slack.fail = 0
    up = _alert(db, slack, now=NOW + timedelta(minutes=5))

    assert len(up.sent) == 1 and up.pending == 0 and len(slack.bodies) == 1
    assert _actions(db, "alerts.") == ["alerts.raised", "alerts.failed", "alerts.sent"]


def test_an_unreachable_webhook_does_not_block_and_the_alert_waits(db: Database) -> None:
    _legal_queue_lease(db)
    started = datetime.now(UTC)

    report = raise_and_send(
        db.sessions,
        _settings("http://127.0.0.1:9/hook", attempts=2),
        now=NOW,
        public_url=PUBLIC,
        backoff=0.01,
    )

    assert (datetime.now(UTC) - started).total_seconds() < 10
    assert report.problem is None and len(report.failed) == 1 and report.pending == 1


def test_an_alert_claimed_by_another_process_is_not_sent_twice(db: Database, slack: SlackServer) -> None:
    _legal_queue_lease(db)
    unset = raise_and_send(db.sessions, SlackSettings(), now=NOW, public_url=PUBLIC)
    assert unset.raised == 1 and unset.pending == 1 and slack.requests == 0  # no URL: it waits
    with transaction(db.sessions) as session:  # another process claimed it and is sending it now
        session.execute(update(StaffAlert).values(status="sending", claimed_at=NOW))

    busy = _alert(db, slack, now=NOW + timedelta(minutes=1))
    # A claim that is long stale (that process died) is taken back and sent.
    later = _alert(db, slack, now=NOW + timedelta(hours=1))

    assert busy.sent == [] and slack.requests == 1 and len(later.sent) == 1


def test_two_processes_alerting_at_once_send_one_message(db: Database, slack: SlackServer) -> None:
    _legal_queue_lease(db)
    slack.delay = 0.3  # the first sender is still waiting for Slack when the second one looks
    reports: list[AlertReport] = []
    workers = [threading.Thread(target=lambda: reports.append(_alert(db, slack))) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)

    settled = _alert(db, slack, now=NOW + timedelta(minutes=1))

    assert len(reports) == 2 and sum(len(r.sent) for r in reports) == 1
    assert len(slack.bodies) == 1 and settled.raised == 0 and settled.sent == [] and settled.pending == 0
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(StaffAlert)) == 1


def _escalation(
    db: Database, *, minutes_ago: int, sla_minutes: int, answered: bool = False, resolved: bool = False
) -> int:
    with transaction(db.sessions) as session:
        lease = make_lease(session)
        unit = session.get(Unit, lease.unit_id)
        assert unit is not None
        prop = session.get(Property, unit.property_id)
        assert prop is not None
        prop.escalation_sla_minutes = sla_minutes
        resident = session.scalars(select(Resident).order_by(Resident.id.desc())).first()
        assert resident is not None
        conversation = Conversation(id=f"c-{lease.id}", resident_id=resident.id, channel="portal")
        session.add(conversation)
        session.flush()
        row = open_escalation(
            session, conversation_id=conversation.id, resident_id=resident.id, lease_id=lease.id, prop=prop,
            reason="fee_dispute", priority="high", summary="Test Resident says the fee is wrong", actor="t",
        )  # fmt: skip
        created = datetime.now(UTC) - timedelta(minutes=minutes_ago)
        row.created_at = created
        row.sla_due_at = created + timedelta(minutes=sla_minutes)
        if answered:
            session.add(
                Message(conversation_id=conversation.id, role="staff", body="On it", created_at=created)
            )
        if resolved:
            row.status = "resolved"
        return row.id


def test_an_escalation_past_its_sla_alerts_once(db: Database, slack: SlackServer) -> None:
    late = _escalation(db, minutes_ago=90, sla_minutes=30)
    _escalation(db, minutes_ago=90, sla_minutes=30, answered=True)
    _escalation(db, minutes_ago=90, sla_minutes=30, resolved=True)
    young = _escalation(db, minutes_ago=10, sla_minutes=30)

    now = datetime.now(UTC)
    first = _alert(db, slack, now=now)
    second = _alert(db, slack, now=now + timedelta(minutes=5))
    third = _alert(db, slack, now=now + timedelta(minutes=30))  # the young one's SLA has passed too

    assert len(first.sent) == 1 and second.raised == 0 and len(third.sent) == 1
    assert len(slack.bodies) == 2 and f"escalation #{young}" in slack.bodies[1]["text"]
    text = slack.bodies[0]["text"]
    assert f"escalation #{late}" in text and "fee dispute" in text and "high priority" in text
    assert "60 min past its SLA" in text and f"{PUBLIC}/inbox" in text and "unit 101" in text
    assert "Test Resident" not in json.dumps(slack.bodies[0])


def test_collections_run_alerts_staff_and_outreach_alerts_lists_them(
    cli_db: Database, slack: SlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.config import get_settings

    monkeypatch.setenv("DOORSTEP_AUDIT_KEY", TEST_AUDIT_KEY)
    monkeypatch.setenv("DOORSTEP_PUBLIC_URL", PUBLIC)
    runner = CliRunner()
    days = [date(2026, 11, 1) + timedelta(days=n) for n in range(23)]
    legal = 0
    for day in days:
        monkeypatch.setenv("DOORSTEP_TODAY", day.isoformat())
        get_settings.cache_clear()
        env = {"DOORSTEP_SLACK_WEBHOOK_URL": slack.url} if day.day % 2 else {}
        done = runner.invoke(app, ["collections", "run", "--json"], env=env)
        assert done.exit_code == 0, done.output
        legal += len(json.loads(done.stdout)["legal_queue"])
    listed = runner.invoke(app, ["outreach", "alerts", "--json"])
    resent = runner.invoke(
        app, ["outreach", "alerts", "--send", "--json"], env={"DOORSTEP_SLACK_WEBHOOK_URL": slack.url}
    )

    assert legal > 0, "the demo month should put someone in the legal queue"
    assert listed.exit_code == 0 and resent.exit_code == 0, listed.output + resent.output
    alerts = json.loads(listed.stdout)["alerts"]
    assert len(alerts) == legal and {a["kind"] for a in alerts} == {"legal_queue"}
    assert len(slack.bodies) == legal  # one each, sent by the runs that had a URL, none twice
    assert json.loads(resent.stdout)["pending"] == 0 and len(slack.bodies) == legal
    with cli_db.sessions() as session:
        assert (
            session.scalar(select(func.count()).select_from(StaffAlert).where(StaffAlert.status == "sent"))
            == legal
        )


def test_the_server_alerts_an_escalation_past_its_sla_without_any_command(
    db: Database, slack: SlackServer
) -> None:
    """The running service raises SLA alerts itself (once a minute, with its sweep): staff are not told
    only when someone happens to run `collections run`."""
    import asyncio

    from app.channels.broker import LocalBroker
    from app.channels.runtime import ChannelRuntime

    late = _escalation(db, minutes_ago=90, sla_minutes=30)
    runtime = ChannelRuntime(
        settings=db.settings, sessions=db.sessions, broker=LocalBroker(), today=lambda: NOW.date()
    )
    runtime.slack = SlackSettings(DOORSTEP_SLACK_WEBHOOK_URL=None)
    assert asyncio.run(runtime.alert_once()) is None and slack.requests == 0  # no webhook: nothing to do

    runtime.slack = _settings(slack.url)
    first, again = asyncio.run(runtime.alert_once()), asyncio.run(runtime.alert_once())

    assert first is not None and len(first.sent) == 1 and again is not None and again.sent == []
    assert len(slack.bodies) == 1 and f"escalation #{late}" in slack.bodies[0]["text"]
