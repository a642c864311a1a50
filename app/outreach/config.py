"""A property's outreach settings: its rollout mode and its quiet hours, stored per property.

- `shadow` (the default: a new property starts here): every draft waits for a staff approval.
- `assist`: routine reminders (the pre-due reminder, the reminder) go out by themselves; second and formal
  notices wait for approval.
- `auto`: every draft goes.

Messages go only inside the window (default 08:00-21:00, in the resident's own time zone when it is set,
else the property's); a draft due outside it waits until the window opens. Changing either is a
manager's (or admin's) decision, audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit
from app.errors import InvalidInput
from app.models import OUTREACH_MODES, OutreachSettings, StaffUser

Mode = Literal["shadow", "assist", "auto"]
MESSAGE_STEPS = ("pre_due", "reminder", "second_notice", "formal_notice")
"""The ladder steps that call for a message (a late fee is a ledger line; the legal queue is for staff)."""
ROUTINE_STEPS = frozenset({"pre_due", "reminder"})
"""What `assist` sends without an approval."""
DEFAULT_START, DEFAULT_END = 8, 21


@dataclass(frozen=True, slots=True)
class OutreachConfig:
    mode: Mode = "shadow"
    quiet_start_hour: int = DEFAULT_START
    quiet_end_hour: int = DEFAULT_END

    def needs_approval(self, step: str) -> bool:
        if self.mode == "auto":
            return False
        if self.mode == "assist":
            return step not in ROUTINE_STEPS
        return True

    def in_window(self, now: datetime, tz: ZoneInfo) -> bool:
        """Whether `now` falls inside quiet hours' open window (whole hours: start <= hour < end)."""
        return self.quiet_start_hour <= now.astimezone(tz).hour < self.quiet_end_hour

    def next_open(self, now: datetime, tz: ZoneInfo) -> datetime:
        """When the window next opens after `now` (UTC); `now` itself when it is open."""
        if self.in_window(now, tz):
            return now
        local = now.astimezone(tz)
        opening = datetime.combine(local.date(), time(self.quiet_start_hour), tzinfo=tz)
        if opening <= local:
            opening = datetime.combine(
                local.date() + timedelta(days=1), time(self.quiet_start_hour), tzinfo=tz
            )
        return opening.astimezone(UTC)


def config_for(session: Session, property_id: int) -> OutreachConfig:
    row = session.scalars(select(OutreachSettings).where(OutreachSettings.property_id == property_id)).first()
    if row is None:
        return OutreachConfig()
    mode: Mode = "auto" if row.mode == "auto" else "assist" if row.mode == "assist" else "shadow"
    return OutreachConfig(mode, row.quiet_start_hour, row.quiet_end_hour)


def set_config(
    session: Session,
    *,
    property_id: int,
    actor: str,
    mode: str | None = None,
    quiet_start_hour: int | None = None,
    quiet_end_hour: int | None = None,
) -> OutreachConfig:
    """Change a property's rollout mode and/or quiet hours; `actor` must be an active manager or admin."""
    staff = session.scalars(
        select(StaffUser).where(func.lower(StaffUser.email) == actor.strip().lower())
    ).first()
    if staff is None or not staff.active or staff.role not in ("manager", "admin"):
        raise InvalidInput(f"--actor must be the email of an active manager or admin (not {actor!r})")
    if mode is not None and mode not in OUTREACH_MODES:
        raise InvalidInput(f"mode must be one of {', '.join(OUTREACH_MODES)} (not {mode!r})")
    current = config_for(session, property_id)
    start = current.quiet_start_hour if quiet_start_hour is None else quiet_start_hour
    end = current.quiet_end_hour if quiet_end_hour is None else quiet_end_hour
    if not (0 <= start <= 23 and 1 <= end <= 24 and start < end):
        raise InvalidInput("quiet hours: 0 <= start <= 23, 1 <= end <= 24, start before end")
    new_mode = mode or current.mode
    row = session.scalars(select(OutreachSettings).where(OutreachSettings.property_id == property_id)).first()
    if row is None:
        row = OutreachSettings(property_id=property_id, updated_by=staff.email)
        session.add(row)
    row.mode, row.quiet_start_hour, row.quiet_end_hour = new_mode, start, end
    row.updated_by, row.updated_at = staff.email, datetime.now(UTC)
    session.flush()
    audit.record(
        session,
        actor=staff.email,
        action="outreach.config",
        subject=f"property:{property_id}",
        data={"mode": new_mode, "quiet_start_hour": start, "quiet_end_hour": end},
    )
    return config_for(session, property_id)
