from __future__ import annotations

from sqlalchemy import inspect

from app import migrate
from tests.support.databases import Database


def test_downgrade_and_upgrade_round_trip(db: Database) -> None:
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    migrate_down(db)
    assert "ledger_entries" not in inspect(db.engine).get_table_names()
    migrate.upgrade(db.engine)
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    assert {"ledger_entries", "audit_log", "leases"} <= set(inspect(db.engine).get_table_names())


def migrate_down(db: Database) -> None:
    from alembic import command

    cfg = migrate.alembic_config()
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "base")


def test_upgrading_a_database_that_already_holds_data(tmp_path) -> None:  # noqa: ANN001
    """Batch migrations rebuild tables on SQLite; rows pointing at them must not block the upgrade, and
    0006 numbers the messages already there in order. Rows are written as each revision had them."""
    from sqlalchemy import text

    from app.config import Settings
    from app.db import make_engine

    engine = make_engine(
        Settings(DATABASE_URL=f"sqlite:///{tmp_path / 'old.sqlite3'}", DOORSTEP_DATA_DIR=tmp_path)
    )
    migrate.upgrade(engine, "0001")
    with engine.begin() as conn:
        for statement in (
            "INSERT INTO properties (id, code, name, address, city, state, postal_code, timezone, "
            "office_phone, office_email, manager_name, card_fee_bp, plan_max_installments, plan_min_down_bp, "
            "plan_min_balance_cents) VALUES (1, 'p', 'P', 'a', 'Austin', 'TX', '78701', "
            "'America/Chicago', '', '', '', 0, 3, 0, 0)",
            "INSERT INTO units (id, property_id, number, bedrooms, market_rent_cents) "
            "VALUES (1, 1, '101', 1, 100000)",
            "INSERT INTO residents (id, ref, first_name, last_name, preferred_channel, language, "
            "sms_consent, email_consent, do_not_contact, created_at) "
            "VALUES (1, 'R1', 'A', 'B', 'portal', 'en', 0, 1, 0, '2026-11-01')",
            "INSERT INTO leases (id, ref, unit_id, status, start_on, rent_cents, due_day, grace_days, "
            "late_fee_kind, late_fee_amount_cents, late_fee_percent_bp, late_fee_daily_cents, "
            "nsf_fee_cents, deposit_cents, accepted_methods, certified_funds_only, created_at) "
            "VALUES (1, 'L1', 1, 'active', '2026-01-01', 100000, 1, 3, 'flat', 5000, 0, 0, 0, 0, 'ach', 0, "
            "'2026-01-01')",
            "INSERT INTO ledger_entries (id, lease_id, kind, amount_cents, effective_on, posted_on, "
            "description, source, created_by, created_at) "
            "VALUES (1, 1, 'rent', 100000, '2026-11-01', '2026-11-01', 'Rent', 'pms', 'x', '2026-11-01')",
            "INSERT INTO staff_users (id, email, name, role, active, created_at) VALUES "
            "(1, 'c@example.com', 'C', 'collections', 1, '2026-11-01')",
        ):
            conn.execute(text(statement))
    migrate.upgrade(engine, "0005")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO conversations (id, resident_id, channel, owner, status, language, "
                "created_at, updated_at) "
                "VALUES ('c1', 1, 'portal', 'assistant', 'open', 'en', '2026-11-01', '2026-11-01')"
            )
        )
        for n, role in enumerate(("resident", "assistant", "resident"), start=1):
            conn.execute(
                text(
                    "INSERT INTO messages (id, conversation_id, role, body, meta, created_at) "
                    f"VALUES ({n * 10}, 'c1', '{role}', 'm{n}', '{{}}', '2026-11-01')"
                )
            )
        conn.execute(
            text(
                "INSERT INTO escalations (conversation_id, resident_id, lease_id, reason, priority, summary, "
                "status, created_at) VALUES ('c1', 1, 1, 'dispute', 'normal', 's', 'open', '2026-11-01')"
            )
        )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert migrate.current_revision(engine) == migrate.head_revision()
        assert conn.execute(text("SELECT seq FROM messages ORDER BY id")).scalars().all() == [1, 2, 3]
        assert conn.execute(text("SELECT last_seq FROM conversations")).scalar() == 3
        assert conn.execute(text("SELECT role FROM staff_users")).scalar() == "agent"
        assert conn.execute(text("SELECT COUNT(*) FROM ledger_entries")).scalar() == 1
        assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
