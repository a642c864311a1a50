"""payment plans: an 'offered' status for staff-edited plans awaiting the resident

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "status IN ('proposed', 'active', 'completed', 'rejected', 'defaulted', 'cancelled')"
NEW = "status IN ('proposed', 'offered', 'active', 'completed', 'rejected', 'defaulted', 'cancelled')"


def _replace(condition: str) -> None:
    with op.batch_alter_table("payment_plans") as batch:
        batch.drop_constraint(op.f("ck_payment_plans_status"), type_="check")
        batch.create_check_constraint("status", condition)


def upgrade() -> None:
    _replace(NEW)


def downgrade() -> None:
    op.execute("UPDATE payment_plans SET status = 'proposed' WHERE status = 'offered'")
    _replace(OLD)
