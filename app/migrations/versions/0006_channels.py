"""channels: numbered conversation events, staff sessions and inbox fields, the SMS bridge's tables

- conversations.last_seq and messages.seq / client_id: every message of a thread is an event with a
  gapless per-conversation number (allocated by an UPDATE ... RETURNING of last_seq), and a client's id
  for a resident message, unique per conversation, makes a resend the same message. Existing messages
  are numbered in id order.
- conversations.owner_staff_id; escalations: assignment, SLA due time, who resolved and the note;
  properties.escalation_sla_minutes; staff roles become agent / manager / admin; staff_sessions and
  canned_replies for the inbox.
- contact_optouts (the opt-out registry), sms_verifications (identity checks), sms_messages (inbound
  by MessageSid, the outbox, delivery status).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("CURRENT_TIMESTAMP")


def upgrade() -> None:
    with op.batch_alter_table("properties") as batch:
        batch.add_column(
            sa.Column("escalation_sla_minutes", sa.Integer(), nullable=False, server_default="120")
        )

    with op.batch_alter_table("staff_users") as batch:
        batch.drop_constraint(op.f("ck_staff_users_role"), type_="check")
    op.execute("UPDATE staff_users SET role = 'agent' WHERE role IN ('collections', 'leasing')")
    with op.batch_alter_table("staff_users") as batch:
        batch.create_check_constraint("role", "role IN ('admin', 'manager', 'agent')")

    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("last_seq", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("owner_staff_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_conversations_owner_staff_id_staff_users"), "staff_users", ["owner_staff_id"], ["id"]
        )

    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("client_id", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE messages SET seq = (SELECT COUNT(*) FROM messages AS earlier "
        "WHERE earlier.conversation_id = messages.conversation_id AND earlier.id <= messages.id)"
    )
    op.execute(
        "UPDATE conversations SET last_seq = COALESCE((SELECT MAX(seq) FROM messages "
        "WHERE messages.conversation_id = conversations.id), 0)"
    )
    with op.batch_alter_table("messages") as batch:
        batch.create_unique_constraint(op.f("uq_messages_conversation_id"), ["conversation_id", "seq"])
        batch.create_unique_constraint(
            "uq_messages_conversation_id_client_id", ["conversation_id", "client_id"]
        )

    with op.batch_alter_table("escalations") as batch:
        batch.add_column(sa.Column("assigned_to_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("sla_due_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("resolved_by", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("resolution_note", sa.Text(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_escalations_assigned_to_id_staff_users"), "staff_users", ["assigned_to_id"], ["id"]
        )
        batch.create_index(batch.f("ix_escalations_assigned_to_id"), ["assigned_to_id"], unique=False)

    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_users.id"], name=op.f("fk_staff_sessions_staff_id_staff_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
    )
    op.create_index(op.f("ix_staff_sessions_staff_id"), "staff_sessions", ["staff_id"], unique=False)
    op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_replies")),
    )
    op.create_table(
        "contact_optouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("keyword", sa.String(length=20), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("channel IN ('sms', 'email')", name=op.f("ck_contact_optouts_channel")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_optouts")),
        sa.UniqueConstraint("channel", "address", name=op.f("uq_contact_optouts_channel")),
    )
    op.create_table(
        "sms_verifications",
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("code_hash", sa.String(length=128), nullable=True),
        sa.Column("code_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_sms_verifications_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("phone", name=op.f("pk_sms_verifications")),
    )
    op.create_index(
        op.f("ix_sms_verifications_resident_id"), "sms_verifications", ["resident_id"], unique=False
    )
    op.create_table(
        "sms_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_sid", sa.String(length=64), nullable=True),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.String(length=10), nullable=True),
        sa.Column("conversation_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("direction IN ('inbound', 'outbound')", name=op.f("ck_sms_messages_direction")),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_sms_messages_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_messages")),
        sa.UniqueConstraint("message_sid", name=op.f("uq_sms_messages_message_sid")),
    )
    op.create_index(op.f("ix_sms_messages_phone"), "sms_messages", ["phone"], unique=False)
    op.create_index(
        op.f("ix_sms_messages_conversation_id"), "sms_messages", ["conversation_id"], unique=False
    )


def downgrade() -> None:
    for index, table in (
        ("ix_sms_messages_conversation_id", "sms_messages"),
        ("ix_sms_messages_phone", "sms_messages"),
        ("ix_sms_verifications_resident_id", "sms_verifications"),
        ("ix_staff_sessions_staff_id", "staff_sessions"),
    ):
        op.drop_index(op.f(index), table_name=table)
    for table in ("sms_messages", "sms_verifications", "contact_optouts", "canned_replies", "staff_sessions"):
        op.drop_table(table)
    with op.batch_alter_table("escalations") as batch:
        batch.drop_index(batch.f("ix_escalations_assigned_to_id"))
        batch.drop_constraint(op.f("fk_escalations_assigned_to_id_staff_users"), type_="foreignkey")
        for column in ("resolution_note", "resolved_by", "sla_due_at", "assigned_to_id"):
            batch.drop_column(column)
    with op.batch_alter_table("messages") as batch:
        batch.drop_constraint("uq_messages_conversation_id_client_id", type_="unique")
        batch.drop_constraint(op.f("uq_messages_conversation_id"), type_="unique")
        batch.drop_column("client_id")
        batch.drop_column("seq")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_constraint(op.f("fk_conversations_owner_staff_id_staff_users"), type_="foreignkey")
        batch.drop_column("owner_staff_id")
        batch.drop_column("last_seq")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_constraint(op.f("ck_staff_users_role"), type_="check")
        batch.create_check_constraint(
            "role", "role IN ('admin', 'manager', 'collections', 'leasing', 'agent')"
        )
    with op.batch_alter_table("properties") as batch:
        batch.drop_column("escalation_sla_minutes")
