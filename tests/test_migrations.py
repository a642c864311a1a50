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
    """Batch migrations rebuild tables on SQLite; rows pointing at them must not block the upgrade."""
    from datetime import date

    from sqlalchemy import text

    from app.config import Settings
    from app.db import make_engine, make_sessionmaker
    from app.demo.seed import SeedOptions, seed_demo

    engine = make_engine(
        Settings(DATABASE_URL=f"sqlite:///{tmp_path / 'old.sqlite3'}", DOORSTEP_DATA_DIR=tmp_path)
    )
    migrate.upgrade(engine, "0001")
    with make_sessionmaker(engine).begin() as session:
        seed_demo(session, SeedOptions(units=40, months=4, as_of=date(2026, 11, 23)))
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert migrate.current_revision(engine) == migrate.head_revision()
        assert conn.execute(text("SELECT COUNT(*) FROM payment_plans")).scalar() == 1
        assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
