"""pre-due reminders and the resident's own time zone

- collection_steps.step: a `pre_due` step (the friendly reminder a few days before rent falls due, for
  households the risk score marks), so the CHECK constraint lists it.
- residents.time_zone: an optional IANA zone (e.g. America/Chicago); outreach's quiet hours use it when it
  is set, else the property's.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 03:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "step IN ('reminder', 'late_fee', 'second_notice', 'formal_notice', 'legal_queue')"
NEW = "step IN ('pre_due', 'reminder', 'late_fee', 'second_notice', 'formal_notice', 'legal_queue')"


def _steps(condition: str) -> None:
    with op.batch_alter_table("collection_steps") as batch:
        batch.drop_constraint(op.f("ck_collection_steps_step"), type_="check")
        batch.create_check_constraint("step", condition)


def upgrade() -> None:
    _steps(NEW)
    with op.batch_alter_table("residents") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("residents") as batch:
        batch.drop_column("time_zone")
    # The ledger's steps are a record: a downgrade refuses to drop pre-due rows silently.
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM collection_steps WHERE step = 'pre_due'")).scalar():
        raise RuntimeError("collection_steps holds pre_due steps: delete them first to downgrade past 0012")
    _steps(OLD)
