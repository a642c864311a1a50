"""Raising and sending staff alerts, for the commands (`collections run`, `outreach run`, `outreach alerts`).

`raise_alerts` records one `pending` alert per new event inside the caller's transaction (unique by its
key: a second run, or another process, adds nothing). `send_pending` claims each pending alert (a row
another process claimed is skipped; a claim older than `STALE_CLAIM` is taken back, so a crash does not
lose it), POSTs it outside any transaction, then records `sent`, or the error and the attempt (it stays
pending and the next run tries again). Each outcome is written to the audit log. `raise_and_send` is both,
never raising: an alert must never block the run that caused it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from pydantic import BaseModel
from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.alerts.delivery import post_message
from app.alerts.detect import legal_queue_key, new_legal_queue, new_sla_breaches, sla_breach_key
from app.alerts.messages import legal_queue_message, sla_breach_message
from app.alerts.models import StaffAlert
from app.outreach.settings import SlackSettings

ACTOR = "alerts"
STALE_CLAIM = timedelta(minutes=10)
_log = logging.getLogger(__name__)


class AlertPublic(BaseModel):
    id: int
    key: str
    kind: str
    status: str
    attempts: int
    last_error: str | None
    text: str
    created_at: datetime
    sent_at: datetime | None


@dataclass
class AlertReport:
    raised: int = 0
    sent: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    pending: int = 0
    problem: str | None = None
    """Set when alerting itself broke (logged; the run that called it is unaffected)."""

    def summary(self) -> str | None:
        """One line for people, or None when there is nothing to say."""
        if self.problem:
            return f"staff alerts could not run: {self.problem}"
        if self.raised or self.sent or self.failed or self.pending:
            return (
                f"staff alerts: raised {self.raised}, sent {len(self.sent)}, failed {len(self.failed)}, "
                f"pending {self.pending} (`doorstep outreach alerts`)"
            )
        return None


def raise_alerts(session: Session, *, now: datetime, public_url: str) -> list[StaffAlert]:
    """Record a pending alert for every legal-queue entry and SLA breach that has none."""
    made: list[StaffAlert] = []
    for fact in new_legal_queue(session):
        made += _add(
            session,
            StaffAlert(
                key=legal_queue_key(fact.step_id),
                kind="legal_queue",
                property_id=fact.property_id,
                lease_id=fact.lease_id,
                payload=legal_queue_message(fact, public_url=public_url),
                status="pending",
                attempts=0,
                created_at=now,
            ),
        )
    for breach in new_sla_breaches(session, now=now):
        made += _add(
            session,
            StaffAlert(
                key=sla_breach_key(breach.escalation_id),
                kind="sla_breach",
                property_id=breach.property_id,
                lease_id=breach.lease_id,
                escalation_id=breach.escalation_id,
                payload=sla_breach_message(breach, now=now, public_url=public_url),
                status="pending",
                attempts=0,
                created_at=now,
            ),
        )
    return made


def _add(session: Session, alert: StaffAlert) -> list[StaffAlert]:
    try:
        with session.begin_nested():
            session.add(alert)
            session.flush()
    except IntegrityError:  # another process raised it first
        return []
    audit.record(
        session, actor=ACTOR, action="alerts.raised", subject=f"alert:{alert.id}",
        data={"key": alert.key, "kind": alert.kind},
    )  # fmt: skip
    return [alert]


def send_pending(
    sessions: sessionmaker[Session],
    settings: SlackSettings,
    *,
    now: datetime,
    backoff: float = 0.5,
    client: httpx.Client | None = None,
) -> AlertReport:
    """Send pending alerts, oldest first, `DOORSTEP_SLACK_BATCH` at most; nothing without a URL."""
    report = AlertReport()
    if settings.configured:
        with sessions() as session:
            ids = list(
                session.scalars(
                    select(StaffAlert.id)
                    .where(_claimable(now))
                    .order_by(StaffAlert.id)
                    .limit(settings.DOORSTEP_SLACK_BATCH)
                )
            )
        own = client is None
        http = client or httpx.Client(timeout=settings.DOORSTEP_SLACK_TIMEOUT_SECONDS)
        try:
            for alert_id in ids:
                _send_one(sessions, settings, alert_id, now=now, http=http, backoff=backoff, report=report)
        finally:
            if own:
                http.close()
    report.pending = count_pending(sessions)
    return report


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(
        StaffAlert.status == "pending",
        (StaffAlert.status == "sending") & (StaffAlert.claimed_at < now - STALE_CLAIM),
    )


def _send_one(
    sessions: sessionmaker[Session],
    settings: SlackSettings,
    alert_id: int,
    *,
    now: datetime,
    http: httpx.Client,
    backoff: float,
    report: AlertReport,
) -> None:
    with sessions.begin() as session:
        claimed = session.execute(
            update(StaffAlert)
            .where(StaffAlert.id == alert_id, _claimable(now))
            .values(status="sending", claimed_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        if not claimed:
            return
        payload = session.scalars(select(StaffAlert.payload).where(StaffAlert.id == alert_id)).one()
    problem = post_message(settings, payload, client=http, backoff=backoff)
    with sessions.begin() as session:
        alert = session.get(StaffAlert, alert_id)
        assert alert is not None
        alert.attempts += 1
        if problem is None:
            alert.status, alert.sent_at, alert.last_error = "sent", now, None
            report.sent.append(alert_id)
        else:
            alert.status, alert.claimed_at, alert.last_error = "pending", None, problem[:300]
            report.failed[alert_id] = problem
        audit.record(
            session,
            actor=ACTOR,
            action="alerts.sent" if problem is None else "alerts.failed",
            subject=f"alert:{alert_id}",
            data={"key": alert.key, "kind": alert.kind, "attempts": alert.attempts, "error": problem},
        )


def count_pending(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return len(session.scalars(select(StaffAlert.id).where(StaffAlert.status != "sent")).all())


def list_alerts(session: Session, *, status: str | None = None, limit: int = 200) -> list[AlertPublic]:
    query = select(StaffAlert).order_by(StaffAlert.id.desc()).limit(max(1, min(limit, 5_000)))
    if status is not None:
        query = query.where(StaffAlert.status == status)
    return [
        AlertPublic(
            id=a.id,
            key=a.key,
            kind=a.kind,
            status=a.status,
            attempts=a.attempts,
            last_error=a.last_error,
            text=str(a.payload.get("text", "")),
            created_at=a.created_at,
            sent_at=a.sent_at,
        )
        for a in session.scalars(query)
    ]


def raise_and_send(
    sessions: sessionmaker[Session],
    settings: SlackSettings,
    *,
    now: datetime,
    public_url: str,
    backoff: float = 0.5,
) -> AlertReport:
    """Raise the new alerts, then send what is pending. Never raises: a failure is logged and reported."""
    try:
        with sessions.begin() as session:
            raised = len(raise_alerts(session, now=now, public_url=public_url))
        report = send_pending(sessions, settings, now=now, backoff=backoff)
        report.raised = raised
        return report
    except Exception as exc:  # noqa: BLE001 - alerting must never break the run that called it
        _log.exception("staff alerts failed")
        return AlertReport(problem=f"{type(exc).__name__}: {exc}"[:300])
