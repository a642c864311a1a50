"""Outreach in the month simulation: each day's ladder steps drafted, and sent through outreach's real
sending path (`app.outreach.sending.send_due`: rollout mode, quiet hours, the opt-out registry,
do-not-contact and readiness re-checked just before each send) at the simulated clock, into a recording
outbox instead of Twilio and SMTP. The figures `outside_quiet_hours` and `to_opted_out` are then read from
what the outbox received, by checks of their own (the goal's 08:00-21:00 in the resident's time zone, the
property's where the resident has none; the registry and do-not-contact), not from what the sending code
decided.

Every property of the throwaway copy is in `auto` rollout mode (as if its manager had approved every
draft). Each day has two sending passes: 05:30 in the portfolio's home time zone, before the window opens
anywhere in the portfolio (whatever is ready must wait), and 13:00, inside it everywhere. On the first day
a message is ready to go, its recipient opts out (texts STOP, or unsubscribes) just before it: a resident
the sends must then skip.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as clock
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.channels.optouts import Channel, record_choice
from app.channels.sms_transport import Handed
from app.db import transaction
from app.models import (
    ContactOptOut,
    Lease,
    LeaseResident,
    OutreachDraft,
    OutreachSettings,
    Property,
    Resident,
    Unit,
)
from app.outreach.drafts import draft_steps
from app.outreach.sending import send_due
from app.outreach.settings import SmtpSettings

PASSES = (clock(5, 30), clock(13, 0))
"""When each day's sends are attempted, in the portfolio's home time zone."""
WINDOW = (clock(8), clock(21))
"""The goal: messages only from 08:00 to 21:00 in the resident's time zone (else the property's)."""
RECORDING_SMTP = SmtpSettings(SMTP_HOST="recording.invalid", SMTP_FROM="simulate@doorstep.invalid")
"""Email settings that count as configured; the recording outbox, not SMTP, receives the mail."""


@dataclass(frozen=True, slots=True)
class Sent:
    channel: str
    address: str
    at: datetime


@dataclass
class RecordingOutbox:
    """Stands in for Twilio (`SmsTransport`) and SMTP (a `Mailer`): records each message at `now`."""

    now: datetime = datetime(1970, 1, 1, tzinfo=UTC)
    sent: list[Sent] = field(default_factory=list)

    def send(self, *, to: str, body: str) -> Handed:
        del body
        self.sent.append(Sent("sms", to, self.now))
        return Handed("sent", sid=f"SMsim{len(self.sent):08d}")

    def email(self, settings: SmtpSettings, *, to: str, subject: str, body: str) -> tuple[str, str | None]:
        del settings, subject, body
        self.sent.append(Sent("email", to, self.now))
        return "sent", f"<sim{len(self.sent)}@doorstep.invalid>"


@dataclass
class OutreachReplay:
    actor: str
    seed: int
    tz: ZoneInfo
    outbox: RecordingOutbox = field(default_factory=RecordingOutbox)
    counts: Counter[str] = field(default_factory=Counter)
    opted_out: str | None = None
    """The address that opted out during the month."""

    def allow_everywhere(self, session: Session) -> None:
        """Every property in `auto` mode, with the default quiet hours."""
        for property_id in session.scalars(select(Property.id)):
            session.add(
                OutreachSettings(
                    property_id=property_id,
                    mode="auto",
                    quiet_start_hour=WINDOW[0].hour,
                    quiet_end_hour=WINDOW[1].hour,
                    updated_by=f"{self.actor} (as if the property's manager had approved every draft)",
                )
            )

    def day(self, sessions: sessionmaker[Session], day: date) -> None:
        """Draft the day's message steps, then send at each pass of the day."""
        with transaction(sessions) as session:
            self.counts["drafted"] += len(draft_steps(session, until=day, actor=self.actor))
            if self.opted_out is None:
                self._opt_out_one(session)
        for at in PASSES:
            now = datetime.combine(day, at, tzinfo=self.tz).astimezone(UTC)
            self.outbox.now = now
            report = send_due(
                sessions,
                now=now,
                actor=self.actor,
                smtp=RECORDING_SMTP,
                transport=self.outbox,
                mailer=self.outbox.email,
            )
            self.counts["sent"] += len(report.sent)
            self.counts["waited_for_window"] += len(report.waiting_for_window)
            self.counts["failed"] += len(report.failed)
            for reason in report.refused.values():
                self.counts[f"refused:{reason}"] += 1

    def _opt_out_one(self, session: Session) -> None:
        ready = session.execute(
            select(OutreachDraft.id, OutreachDraft.channel, OutreachDraft.address).where(
                OutreachDraft.status == "ready", OutreachDraft.channel.in_(("sms", "email"))
            )
        ).all()
        if not ready:
            return
        _, channel, address = min(ready, key=lambda r: _hash(self.seed, "opt-out", r[0]))
        kind: Channel = "sms" if channel == "sms" else "email"
        record_choice(
            session, channel=kind, address=address, opted_out=True, keyword="STOP", actor=self.actor
        )
        self.opted_out = address


def measure_sends(session: Session, sent: list[Sent]) -> tuple[int, int]:
    """(messages sent outside 08:00-21:00 in the recipient's time zone (the property's when unset),
    messages sent to an address in the opt-out registry or to a do-not-contact resident)."""
    outside = opted = 0
    registry = {
        (channel, address.lower())
        for channel, address in session.execute(
            select(ContactOptOut.channel, ContactOptOut.address).where(ContactOptOut.opted_out)
        )
    }
    for message in sent:
        match = Resident.phone == message.address
        if message.channel == "email":
            match = func.lower(Resident.email) == message.address.lower()
        row = session.execute(
            select(Resident.do_not_contact, Property.timezone, Resident.time_zone)
            .join(LeaseResident, LeaseResident.resident_id == Resident.id)
            .join(Lease, Lease.id == LeaseResident.lease_id)
            .join(Unit, Unit.id == Lease.unit_id)
            .join(Property, Property.id == Unit.property_id)
            .where(match)
            .limit(1)
        ).first()
        tz = ZoneInfo(row[2] or row[1]) if row else ZoneInfo("UTC")
        local = message.at.replace(tzinfo=message.at.tzinfo or UTC).astimezone(tz).time()
        if not WINDOW[0] <= local < WINDOW[1]:
            outside += 1
        if (message.channel, message.address.lower()) in registry or (row is not None and row[0]):
            opted += 1
    return outside, opted


def _hash(*parts: object) -> int:
    return int(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:12], 16)
