"""staff alerts: the Slack-compatible alerts to staff (legal queue, SLA breaches), each sent once

- staff_alerts: one row per event (unique `key`, e.g. `legal_queue:step:42`), the message as it was
  written, whether it has been delivered, how many attempts, the last error and when it went.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=True),
        sa.Column("lease_id", sa.Integer(), nullable=True),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('legal_queue', 'sla_breach')", name=op.f("ck_staff_alerts_kind")),
        sa.CheckConstraint("status IN ('pending', 'sending', 'sent')", name=op.f("ck_staff_alerts_status")),
        sa.ForeignKeyConstraint(
            ["property_id"], ["properties.id"], name=op.f("fk_staff_alerts_property_id_properties")
        ),
        sa.ForeignKeyConstraint(["lease_id"], ["leases.id"], name=op.f("fk_staff_alerts_lease_id_leases")),
        sa.ForeignKeyConstraint(
            ["escalation_id"], ["escalations.id"], name=op.f("fk_staff_alerts_escalation_id_escalations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_alerts")),
        sa.UniqueConstraint("key", name=op.f("uq_staff_alerts_key")),
    )
    op.create_index("ix_staff_alerts_status", "staff_alerts", ["status"])


def downgrade() -> None:
    op.drop_index("ix_staff_alerts_status", table_name="staff_alerts")
    op.drop_table("staff_alerts")
