"""collections: the delinquency ladder's settings, holds, runs, readiness and steps

- collection_settings: a property's ladder settings that differ from the defaults (JSON), and who set them.
- collection_holds: staff holds and legal or bankruptcy blocks on a lease, until a date or released.
- collection_runs: one row per day the ladder ran (unique by day: a second run that day does nothing),
  with the reconciliation it printed.
- collection_readiness: every account with a balance, classified in a run, with its reasons: what
  changed since the last run is read from two runs' rows.
- collection_steps: each step fired, unique per (lease, period, step): the late fee's ledger line, a
  notice's PDF (path and SHA-256) and template, the amounts it checked just before it fired.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CENTS = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATUSES = (
    "status IN ('ready', 'hold', 'review', 'disputed', 'recent_payment', 'payment_plan', "
    "'deposit_credit_ambiguity', 'blocked')"
)
STEPS = "step IN ('reminder', 'late_fee', 'second_notice', 'formal_notice', 'legal_queue')"


def upgrade() -> None:
    op.create_table(
        "collection_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["property_id"], ["properties.id"], name=op.f("fk_collection_settings_property_id_properties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_settings")),
        sa.UniqueConstraint("property_id", name=op.f("uq_collection_settings_property_id")),
    )

    op.create_table(
        "collection_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lease_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_by", sa.String(length=100), nullable=False),
        sa.Column("placed_on", sa.Date(), nullable=False),
        sa.Column("until_on", sa.Date(), nullable=True),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("released_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('hold', 'legal', 'bankruptcy')", name=op.f("ck_collection_holds_kind")),
        sa.ForeignKeyConstraint(
            ["lease_id"], ["leases.id"], name=op.f("fk_collection_holds_lease_id_leases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_holds")),
    )
    op.create_index(op.f("ix_collection_holds_lease_id"), "collection_holds", ["lease_id"])

    op.create_table(
        "collection_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_on", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_runs")),
        sa.UniqueConstraint("run_on", name=op.f("uq_collection_runs_run_on")),
    )

    op.create_table(
        "collection_readiness",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("lease_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("period_on", sa.Date(), nullable=True),
        sa.Column("balance_cents", CENTS, nullable=False),
        sa.Column("short_cents", CENTS, nullable=False),
        sa.Column("pending_cents", CENTS, nullable=False),
        sa.CheckConstraint(STATUSES, name=op.f("ck_collection_readiness_status")),
        sa.ForeignKeyConstraint(
            ["run_id"], ["collection_runs.id"], name=op.f("fk_collection_readiness_run_id_collection_runs")
        ),
        sa.ForeignKeyConstraint(
            ["lease_id"], ["leases.id"], name=op.f("fk_collection_readiness_lease_id_leases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_readiness")),
        sa.UniqueConstraint("run_id", "lease_id", name=op.f("uq_collection_readiness_run_id")),
    )
    op.create_index(op.f("ix_collection_readiness_lease_id"), "collection_readiness", ["lease_id"])

    op.create_table(
        "collection_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("lease_id", sa.Integer(), nullable=False),
        sa.Column("period_on", sa.Date(), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("clock", sa.String(length=10), nullable=False),
        sa.Column("fired_on", sa.Date(), nullable=False),
        sa.Column("readiness", sa.String(length=30), nullable=False),
        sa.Column("owed_cents", CENTS, nullable=False),
        sa.Column("cleared_cents", CENTS, nullable=False),
        sa.Column("short_cents", CENTS, nullable=False),
        sa.Column("pending_cents", CENTS, nullable=False),
        sa.Column("amount_cents", CENTS, nullable=True),
        sa.Column("ledger_entry_id", sa.Integer(), nullable=True),
        sa.Column("document_path", sa.String(length=300), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("template", sa.String(length=100), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(STEPS, name=op.f("ck_collection_steps_step")),
        sa.CheckConstraint("clock IN ('friendly', 'formal')", name=op.f("ck_collection_steps_clock")),
        sa.ForeignKeyConstraint(
            ["run_id"], ["collection_runs.id"], name=op.f("fk_collection_steps_run_id_collection_runs")
        ),
        sa.ForeignKeyConstraint(
            ["lease_id"], ["leases.id"], name=op.f("fk_collection_steps_lease_id_leases")
        ),
        sa.ForeignKeyConstraint(
            ["ledger_entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_collection_steps_ledger_entry_id_ledger_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_steps")),
        sa.UniqueConstraint("lease_id", "period_on", "step", name=op.f("uq_collection_steps_lease_id")),
    )
    op.create_index("ix_collection_steps_run_id", "collection_steps", ["run_id"])
    op.create_index(op.f("ix_collection_steps_fired_on"), "collection_steps", ["fired_on"])


def downgrade() -> None:
    op.drop_index(op.f("ix_collection_steps_fired_on"), table_name="collection_steps")
    op.drop_index("ix_collection_steps_run_id", table_name="collection_steps")
    op.drop_index(op.f("ix_collection_readiness_lease_id"), table_name="collection_readiness")
    op.drop_index(op.f("ix_collection_holds_lease_id"), table_name="collection_holds")
    for table in (
        "collection_steps",
        "collection_readiness",
        "collection_runs",
        "collection_holds",
        "collection_settings",
    ):
        op.drop_table(table)
