"""outreach: rollout mode and quiet hours per property, drafts from ladder steps, every send recorded

- outreach_settings: a property's rollout mode (shadow, assist, auto) and quiet hours, and who set them.
- outreach_drafts: one message per fired message step (unique by step), its status, who decided it.
- outreach_sends: every attempt to send a draft: channel, address, when (and in which time zone), status.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = (
    "status IN ('awaiting_approval', 'ready', 'sending', 'sent', 'rejected', 'refused', 'failed', "
    "'superseded')"
)


def upgrade() -> None:
    op.create_table(
        "outreach_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("quiet_start_hour", sa.Integer(), nullable=False),
        sa.Column("quiet_end_hour", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('shadow', 'assist', 'auto')", name=op.f("ck_outreach_settings_mode")),
        sa.CheckConstraint(
            "quiet_start_hour BETWEEN 0 AND 23 AND quiet_end_hour BETWEEN 1 AND 24",
            name=op.f("ck_outreach_settings_hours"),
        ),
        sa.CheckConstraint("quiet_start_hour < quiet_end_hour", name=op.f("ck_outreach_settings_window")),
        sa.ForeignKeyConstraint(
            ["property_id"], ["properties.id"], name=op.f("fk_outreach_settings_property_id_properties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_settings")),
        sa.UniqueConstraint("property_id", name=op.f("uq_outreach_settings_property_id")),
    )
    op.create_table(
        "outreach_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("lease_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("period_on", sa.Date(), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("template", sa.String(length=120), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("needs_approval", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(STATUSES, name=op.f("ck_outreach_drafts_status")),
        sa.CheckConstraint("channel IN ('sms', 'email', 'none')", name=op.f("ck_outreach_drafts_channel")),
        sa.ForeignKeyConstraint(
            ["step_id"], ["collection_steps.id"], name=op.f("fk_outreach_drafts_step_id_collection_steps")
        ),
        sa.ForeignKeyConstraint(["lease_id"], ["leases.id"], name=op.f("fk_outreach_drafts_lease_id_leases")),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_outreach_drafts_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["property_id"], ["properties.id"], name=op.f("fk_outreach_drafts_property_id_properties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_drafts")),
        sa.UniqueConstraint("step_id", name=op.f("uq_outreach_drafts_step_id")),
    )
    op.create_index("ix_outreach_drafts_status", "outreach_drafts", ["status"])
    op.create_index(op.f("ix_outreach_drafts_lease_id"), "outreach_drafts", ["lease_id"])
    op.create_table(
        "outreach_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=True),
        sa.Column("sms_ids", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["outreach_drafts.id"], name=op.f("fk_outreach_sends_draft_id_outreach_drafts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_sends")),
    )
    op.create_index(op.f("ix_outreach_sends_draft_id"), "outreach_sends", ["draft_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outreach_sends_draft_id"), table_name="outreach_sends")
    op.drop_table("outreach_sends")
    op.drop_index(op.f("ix_outreach_drafts_lease_id"), table_name="outreach_drafts")
    op.drop_index("ix_outreach_drafts_status", table_name="outreach_drafts")
    op.drop_table("outreach_drafts")
    op.drop_table("outreach_settings")
