"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 12:53:10.139428
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

APPEND_ONLY = ("ledger_entries", "audit_log")


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_log_hash')),
    sa.UniqueConstraint('prev_hash', name=op.f('uq_audit_log_prev_hash'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)

    op.create_table('properties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('postal_code', sa.String(length=10), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('office_phone', sa.String(length=20), nullable=False),
    sa.Column('office_email', sa.String(length=200), nullable=False),
    sa.Column('manager_name', sa.String(length=200), nullable=False),
    sa.Column('card_fee_bp', sa.Integer(), nullable=False),
    sa.Column('plan_max_installments', sa.Integer(), nullable=False),
    sa.Column('plan_min_down_bp', sa.Integer(), nullable=False),
    sa.Column('plan_min_balance_cents', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_properties')),
    sa.UniqueConstraint('code', name=op.f('uq_properties_code'))
    )
    op.create_table('residents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=20), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=16), nullable=True),
    sa.Column('preferred_channel', sa.String(length=10), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('sms_consent', sa.Boolean(), nullable=False),
    sa.Column('email_consent', sa.Boolean(), nullable=False),
    sa.Column('do_not_contact', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("language IN ('en', 'es')", name=op.f('ck_residents_language')),
    sa.CheckConstraint("preferred_channel IN ('sms', 'email', 'portal')", name=op.f('ck_residents_channel')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_residents')),
    sa.UniqueConstraint('ref', name=op.f('uq_residents_ref'))
    )
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_residents_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_residents_phone'), ['phone'], unique=False)

    op.create_table('staff_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'manager', 'collections', 'leasing')", name=op.f('ck_staff_users_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_users')),
    sa.UniqueConstraint('email', name=op.f('uq_staff_users_email'))
    )
    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('property_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('bedrooms', sa.Integer(), nullable=False),
    sa.Column('market_rent_cents', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['property_id'], ['properties.id'], name=op.f('fk_units_property_id_properties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('property_id', 'number', name=op.f('uq_units_property_id'))
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_property_id'), ['property_id'], unique=False)

    op.create_table('leases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=20), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=True),
    sa.Column('moved_out_on', sa.Date(), nullable=True),
    sa.Column('rent_cents', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('due_day', sa.Integer(), nullable=False),
    sa.Column('grace_days', sa.Integer(), nullable=False),
    sa.Column('late_fee_kind', sa.String(length=10), nullable=False),
    sa.Column('late_fee_amount_cents', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('late_fee_percent_bp', sa.Integer(), nullable=False),
    sa.Column('late_fee_daily_cents', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('late_fee_cap_cents', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('nsf_fee_cents', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('deposit_cents', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('accepted_methods', sa.String(length=100), nullable=False),
    sa.Column('certified_funds_only', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("late_fee_kind IN ('flat', 'percent', 'daily')", name=op.f('ck_leases_late_fee_kind')),
    sa.CheckConstraint("status IN ('active', 'ended', 'future')", name=op.f('ck_leases_status')),
    sa.CheckConstraint('due_day BETWEEN 1 AND 28', name=op.f('ck_leases_due_day')),
    sa.CheckConstraint('end_on IS NULL OR end_on > start_on', name=op.f('ck_leases_dates')),
    sa.CheckConstraint('grace_days BETWEEN 0 AND 31', name=op.f('ck_leases_grace_days')),
    sa.CheckConstraint('rent_cents > 0', name=op.f('ck_leases_rent_positive')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_leases_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leases')),
    sa.UniqueConstraint('ref', name=op.f('uq_leases_ref'))
    )
    with op.batch_alter_table('leases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leases_unit_id'), ['unit_id'], unique=False)

    op.create_table('lease_residents',
    sa.Column('lease_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['lease_id'], ['leases.id'], name=op.f('fk_lease_residents_lease_id_leases')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_lease_residents_resident_id_residents')),
    sa.PrimaryKeyConstraint('lease_id', 'resident_id', name=op.f('pk_lease_residents'))
    )
    with op.batch_alter_table('lease_residents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lease_residents_resident_id'), ['resident_id'], unique=False)

    op.create_table('payment_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lease_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('total_cents', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('proposed_by', sa.String(length=100), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint("status IN ('proposed', 'active', 'completed', 'rejected', 'defaulted', 'cancelled')", name=op.f('ck_payment_plans_status')),
    sa.ForeignKeyConstraint(['lease_id'], ['leases.id'], name=op.f('fk_payment_plans_lease_id_leases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_plans'))
    )
    with op.batch_alter_table('payment_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_plans_lease_id'), ['lease_id'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lease_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('processor', sa.String(length=20), nullable=False),
    sa.Column('processor_ref', sa.String(length=100), nullable=False),
    sa.Column('method', sa.String(length=12), nullable=False),
    sa.Column('amount_cents', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('initiated_on', sa.Date(), nullable=False),
    sa.Column('settled_on', sa.Date(), nullable=True),
    sa.Column('returned_on', sa.Date(), nullable=True),
    sa.Column('return_code', sa.String(length=4), nullable=True),
    sa.Column('failure_reason', sa.String(length=200), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("method IN ('ach', 'card', 'check', 'cash', 'money_order')", name=op.f('ck_payments_method')),
    sa.CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'returned')", name=op.f('ck_payments_status')),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_payments_amount_positive')),
    sa.ForeignKeyConstraint(['lease_id'], ['leases.id'], name=op.f('fk_payments_lease_id_leases')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_payments_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('processor', 'processor_ref', name=op.f('uq_payments_processor'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_lease_id'), ['lease_id'], unique=False)

    op.create_table('recurring_charges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lease_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('amount_cents', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_recurring_charges_amount_positive')),
    sa.ForeignKeyConstraint(['lease_id'], ['leases.id'], name=op.f('fk_recurring_charges_lease_id_leases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recurring_charges'))
    )
    with op.batch_alter_table('recurring_charges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recurring_charges_lease_id'), ['lease_id'], unique=False)

    op.create_table('ledger_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lease_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('amount_cents', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('posted_on', sa.Date(), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('charge_code', sa.String(length=30), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('external_id', sa.String(length=120), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('rent', 'late_fee', 'nsf_fee', 'charge', 'payment', 'credit', 'reversal', 'deposit')", name=op.f('ck_ledger_entries_kind')),
    sa.CheckConstraint('amount_cents <> 0', name=op.f('ck_ledger_entries_amount_nonzero')),
    sa.ForeignKeyConstraint(['lease_id'], ['leases.id'], name=op.f('fk_ledger_entries_lease_id_leases')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_ledger_entries_payment_id_payments')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_ledger_entries_resident_id_residents')),
    sa.ForeignKeyConstraint(['reverses_id'], ['ledger_entries.id'], name=op.f('fk_ledger_entries_reverses_id_ledger_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_ledger_entries_reverses_id')),
    sa.UniqueConstraint('source', 'external_id', name=op.f('uq_ledger_entries_source'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_entries_lease_effective', ['lease_id', 'effective_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_posted_on'), ['posted_on'], unique=False)

    op.create_table('plan_installments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_plan_installments_amount_positive')),
    sa.ForeignKeyConstraint(['plan_id'], ['payment_plans.id'], name=op.f('fk_plan_installments_plan_id_payment_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_installments')),
    sa.UniqueConstraint('plan_id', 'seq', name=op.f('uq_plan_installments_plan_id'))
    )
    op.create_table('disputes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lease_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f('ck_disputes_status')),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_disputes_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['lease_id'], ['leases.id'], name=op.f('fk_disputes_lease_id_leases')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_disputes_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disputes'))
    )
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disputes_lease_id'), ['lease_id'], unique=False)


    _refuse_changes(APPEND_ONLY)


def downgrade() -> None:
    _allow_changes(APPEND_ONLY)
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disputes_lease_id'))

    op.drop_table('disputes')
    op.drop_table('plan_installments')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entries_posted_on'))
        batch_op.drop_index('ix_ledger_entries_lease_effective')

    op.drop_table('ledger_entries')
    with op.batch_alter_table('recurring_charges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recurring_charges_lease_id'))

    op.drop_table('recurring_charges')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_lease_id'))

    op.drop_table('payments')
    with op.batch_alter_table('payment_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_plans_lease_id'))

    op.drop_table('payment_plans')
    with op.batch_alter_table('lease_residents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lease_residents_resident_id'))

    op.drop_table('lease_residents')
    with op.batch_alter_table('leases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leases_unit_id'))

    op.drop_table('leases')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_property_id'))

    op.drop_table('units')
    op.drop_table('staff_users')
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_residents_phone'))
        batch_op.drop_index(batch_op.f('ix_residents_email'))

    op.drop_table('residents')
    op.drop_table('properties')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))

    op.drop_table('audit_log')


def _refuse_changes(tables: tuple[str, ...]) -> None:
    """The ledger and the audit log are append-only: the database itself refuses UPDATE and DELETE."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            """
            CREATE OR REPLACE FUNCTION doorstep_append_only() RETURNS trigger AS $$
            BEGIN
              RAISE EXCEPTION '% is append-only: post a correcting entry instead', TG_TABLE_NAME;
            END;
            $$ LANGUAGE plpgsql
            """
        )
    for table in tables:
        for action in ("UPDATE", "DELETE"):
            name = f"{table}_no_{action.lower()}"
            if dialect == "postgresql":
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {action} ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION doorstep_append_only()"
                )
            else:
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {action} ON {table} BEGIN "
                    f"SELECT RAISE(ABORT, '{table} is append-only: post a correcting entry instead'); END"
                )


def _allow_changes(tables: tuple[str, ...]) -> None:
    dialect = op.get_bind().dialect.name
    for table in tables:
        for action in ("update", "delete"):
            suffix = f" ON {table}" if dialect == "postgresql" else ""
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}{suffix}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS doorstep_append_only()")
