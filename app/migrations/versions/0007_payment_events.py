"""payment events: Stripe webhooks, each payment's state, the customer mapping, the exceptions queue

- payment_events: every signed event accepted, unique by (processor, event_id): a redelivery is a no-op,
  and the row commits with whatever the event posted.
- processor_intents: one row per processor payment (a Stripe PaymentIntent), its merged facts and
  latest state, the lease it was matched to and its `payments` row.
- processor_customers: a processor's customer id to a resident and/or lease.
- payment_exceptions: the queue of payments staff must look at, unique by (processor, key).

Leases already carry the returned-payment fee (`leases.nsf_fee_cents`, 0001): nothing to add there.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CENTS = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "processor_customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("processor", sa.String(length=20), nullable=False),
        sa.Column("customer_ref", sa.String(length=255), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("lease_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lease_id"], ["leases.id"], name=op.f("fk_processor_customers_lease_id_leases")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_processor_customers_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processor_customers")),
        sa.UniqueConstraint("processor", "customer_ref", name=op.f("uq_processor_customers_processor")),
    )
    op.create_index(op.f("ix_processor_customers_lease_id"), "processor_customers", ["lease_id"])
    op.create_index(op.f("ix_processor_customers_resident_id"), "processor_customers", ["resident_id"])

    op.create_table(
        "processor_intents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("processor", sa.String(length=20), nullable=False),
        sa.Column("intent_ref", sa.String(length=255), nullable=False),
        sa.Column("charge_ref", sa.String(length=255), nullable=True),
        sa.Column("customer_ref", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("amount_cents", CENTS, nullable=True),
        sa.Column("lease_id", sa.Integer(), nullable=True),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("matched_by", sa.String(length=20), nullable=True),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('created', 'failed', 'processing', 'succeeded', 'partially_refunded', 'refunded', "
            "'disputed', 'dispute_lost', 'returned')",
            name=op.f("ck_processor_intents_status"),
        ),
        sa.ForeignKeyConstraint(
            ["lease_id"], ["leases.id"], name=op.f("fk_processor_intents_lease_id_leases")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_processor_intents_payment_id_payments")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_processor_intents_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processor_intents")),
        sa.UniqueConstraint("processor", "intent_ref", name=op.f("uq_processor_intents_processor")),
    )
    op.create_index(op.f("ix_processor_intents_charge_ref"), "processor_intents", ["charge_ref"])
    op.create_index(op.f("ix_processor_intents_customer_ref"), "processor_intents", ["customer_ref"])
    op.create_index(op.f("ix_processor_intents_lease_id"), "processor_intents", ["lease_id"])

    op.create_table(
        "payment_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("processor", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("intent_ref", sa.String(length=255), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('processed', 'ignored', 'invalid')", name=op.f("ck_payment_events_outcome")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_events")),
        sa.UniqueConstraint("processor", "event_id", name=op.f("uq_payment_events_processor")),
    )
    op.create_index(op.f("ix_payment_events_intent_ref"), "payment_events", ["intent_ref"])

    op.create_table(
        "payment_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("processor", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("intent_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.String(length=255), nullable=True),
        sa.Column("amount_cents", CENTS, nullable=True),
        sa.Column("customer_ref", sa.String(length=255), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('unmatched', 'mismatch', 'dispute', 'conflict', 'currency', 'invalid')",
            name=op.f("ck_payment_exceptions_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'resolved', 'dismissed')", name=op.f("ck_payment_exceptions_status")
        ),
        sa.ForeignKeyConstraint(
            ["intent_id"],
            ["processor_intents.id"],
            name=op.f("fk_payment_exceptions_intent_id_processor_intents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_exceptions")),
        sa.UniqueConstraint("processor", "key", name=op.f("uq_payment_exceptions_processor")),
    )
    op.create_index(op.f("ix_payment_exceptions_intent_id"), "payment_exceptions", ["intent_id"])
    op.create_index(op.f("ix_payment_exceptions_status"), "payment_exceptions", ["status"])


def downgrade() -> None:
    for index, table in (
        ("ix_payment_exceptions_status", "payment_exceptions"),
        ("ix_payment_exceptions_intent_id", "payment_exceptions"),
        ("ix_payment_events_intent_ref", "payment_events"),
        ("ix_processor_intents_lease_id", "processor_intents"),
        ("ix_processor_intents_customer_ref", "processor_intents"),
        ("ix_processor_intents_charge_ref", "processor_intents"),
        ("ix_processor_customers_resident_id", "processor_customers"),
        ("ix_processor_customers_lease_id", "processor_customers"),
    ):
        op.drop_index(op.f(index), table_name=table)
    for table in ("payment_exceptions", "payment_events", "processor_intents", "processor_customers"):
        op.drop_table(table)
