"""ledger entries: one index per lease that also covers what a balance sums

The lease index grows from (lease_id, effective_on) to (lease_id, effective_on, posted_on, kind,
amount_cents): every lease's sums (total, credited, deposits, reversals) then come from the index alone,
in lease order, without reading the table or sorting. It replaces the narrower index rather than joining
it, so posting maintains as many indexes as before.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 16:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NARROW = ("lease_id", "effective_on")
COVERING = ("lease_id", "effective_on", "posted_on", "kind", "amount_cents")


def upgrade() -> None:
    op.drop_index("ix_ledger_entries_lease_effective", table_name="ledger_entries")
    op.create_index("ix_ledger_entries_lease_balance", "ledger_entries", list(COVERING))


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_lease_balance", table_name="ledger_entries")
    op.create_index("ix_ledger_entries_lease_effective", "ledger_entries", list(NARROW))
