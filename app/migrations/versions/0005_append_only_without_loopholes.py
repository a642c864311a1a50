"""ledger and audit log: append-only with no way around it

0001 refused UPDATE and DELETE on `ledger_entries` and `audit_log`. Two ways around that remained:
- SQLite: `INSERT OR REPLACE` (and `REPLACE INTO`) deletes the row it collides with and writes a new
  one, and delete triggers do not fire for it unless a connection turns on recursive triggers. A BEFORE
  INSERT trigger now refuses any insert that collides with an existing row on a unique key, whatever
  conflict clause it carries (a plain insert that collides fails either way).
- PostgreSQL: `TRUNCATE` fires no row trigger. A statement trigger now refuses it, and PUBLIC loses
  every privilege on the two tables but SELECT and INSERT (see `doorstep db grant` for the service's
  role, which cannot drop or disable triggers because it does not own the tables).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 21:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each table's unique keys, as SQL conditions on NEW: an insert matching any of them would replace a row.
UNIQUE_KEYS = {
    "ledger_entries": (
        "id = NEW.id",
        "NEW.external_id IS NOT NULL AND source = NEW.source AND external_id = NEW.external_id",
        "NEW.reverses_id IS NOT NULL AND reverses_id = NEW.reverses_id",
    ),
    "audit_log": ("id = NEW.id", "prev_hash = NEW.prev_hash", "hash = NEW.hash"),
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in UNIQUE_KEYS:
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION doorstep_append_only()"
            )
            op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {table} FROM PUBLIC")
        return
    for table, keys in UNIQUE_KEYS.items():
        clash = " OR ".join(f"EXISTS (SELECT 1 FROM {table} WHERE {key})" for key in keys)
        op.execute(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} WHEN {clash} BEGIN "
            f"SELECT RAISE(ABORT, '{table} is append-only: this insert would replace a row'); END"
        )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in UNIQUE_KEYS:
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
