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
