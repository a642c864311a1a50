"""`staff_alerts` (migration 0011): one row per alerted event, kept to send it once and to show what is
still pending."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models import Base

ALERT_KINDS = ("legal_queue", "sla_breach")
ALERT_STATUSES = ("pending", "sending", "sent")


class StaffAlert(Base):
    """An alert to staff: `pending` until the webhook accepted it (`sent`); `sending` while claimed."""

    __tablename__ = "staff_alerts"
    __table_args__ = (
        CheckConstraint("kind IN ('legal_queue', 'sla_breach')", name="kind"),
        CheckConstraint("status IN ('pending', 'sending', 'sent')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    """The event alerted: `legal_queue:step:<collection step id>` or `sla_breach:escalation:<id>`."""
    kind: Mapped[str] = mapped_column(String(20))
    property_id: Mapped[int | None] = mapped_column(ForeignKey("properties.id"))
    lease_id: Mapped[int | None] = mapped_column(ForeignKey("leases.id"))
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The Slack message (`text` and `blocks`) exactly as it is POSTed."""
    status: Mapped[str] = mapped_column(String(10), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
