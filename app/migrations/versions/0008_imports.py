"""imports: PM-system exports read by `doorstep import`

- import_batches: one per file imported (source mapping, report kind, SHA-256, report date, counts).
- import_rows: the rows each import brought, unique by (source, kind, natural key, content), so the same
  rows imported again change nothing; a ledger row points at the ledger line it posted.
- import_flags: the dirty data each import found (duplicate residents, balances that disagree, recent
  changes, credits and deposits, rows with no lease, lease terms that disagree), by row and lease.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 23:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "kind IN ('rent-roll', 'ledger', 'aged-receivables')"
FLAG_KINDS = (
    "kind IN ('duplicate_resident', 'balance_mismatch', 'changed', 'credit', 'deposit', "
    "'no_lease', 'lease_mismatch')"
)


def upgrade() -> None:
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("not_applied", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("entries_posted", sa.Integer(), nullable=False),
        sa.Column("flag_counts", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(KINDS, name=op.f("ck_import_batches_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )
    op.create_index("ix_import_batches_source_kind", "import_batches", ["source", "kind", "id"], unique=False)
    op.create_index(op.f("ix_import_batches_file_sha256"), "import_batches", ["file_sha256"], unique=False)

    op.create_table(
        "import_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("natural_key", sa.String(length=64), nullable=False),
        sa.Column("identity_key", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("lease_id", sa.Integer(), nullable=True),
        sa.Column("ledger_entry_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batches.id"], name=op.f("fk_import_rows_batch_id_import_batches")
        ),
        sa.ForeignKeyConstraint(["lease_id"], ["leases.id"], name=op.f("fk_import_rows_lease_id_leases")),
        sa.ForeignKeyConstraint(
            ["ledger_entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_import_rows_ledger_entry_id_ledger_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_rows")),
        sa.UniqueConstraint(
            "source", "kind", "natural_key", "content_hash", name=op.f("uq_import_rows_source")
        ),
    )
    op.create_index("ix_import_rows_batch_id", "import_rows", ["batch_id"], unique=False)
    op.create_index(op.f("ix_import_rows_lease_id"), "import_rows", ["lease_id"], unique=False)

    op.create_table(
        "import_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("lease_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(FLAG_KINDS, name=op.f("ck_import_flags_kind")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batches.id"], name=op.f("fk_import_flags_batch_id_import_batches")
        ),
        sa.ForeignKeyConstraint(["lease_id"], ["leases.id"], name=op.f("fk_import_flags_lease_id_leases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_flags")),
    )
    op.create_index("ix_import_flags_batch_id", "import_flags", ["batch_id"], unique=False)
    op.create_index(op.f("ix_import_flags_lease_id"), "import_flags", ["lease_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_import_flags_lease_id"), table_name="import_flags")
    op.drop_index("ix_import_flags_batch_id", table_name="import_flags")
    op.drop_table("import_flags")
    op.drop_index(op.f("ix_import_rows_lease_id"), table_name="import_rows")
    op.drop_index("ix_import_rows_batch_id", table_name="import_rows")
    op.drop_table("import_rows")
    op.drop_index(op.f("ix_import_batches_file_sha256"), table_name="import_batches")
    op.drop_index("ix_import_batches_source_kind", table_name="import_batches")
    op.drop_table("import_batches")
