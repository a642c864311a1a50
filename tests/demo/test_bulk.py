from __future__ import annotations

import sqlite3
from datetime import date

import psycopg
import pytest
from sqlalchemy import Engine, insert, inspect, text

from app.demo.bulk import BIG, insert_rows
from app.demo.portfolio import PROPERTIES
from app.demo.seed import SeedOptions, _property_row, seed_demo
from app.models import Base, Property
from tests.support.databases import DEMO_AS_OF, Database


def _schema(engine: Engine) -> dict[str, list[str]]:
    """Every table's indexes, foreign keys and unique constraints, as the database reports them."""
    inspector = inspect(engine)
    return {
        table: sorted(
            repr(item)
            for items in (
                inspector.get_indexes(table),
                inspector.get_foreign_keys(table),
                inspector.get_unique_constraints(table),
            )
            for item in items
        )
        for table in inspector.get_table_names()
    }


def test_seed_leaves_the_schema_as_migrated(db: Database) -> None:
    migrated = _schema(db.engine)
    with db.sessions.begin() as s:
        seed_demo(s, SeedOptions(units=60, months=6, as_of=DEMO_AS_OF))
    assert _schema(db.engine) == migrated
    if db.backend == "sqlite":
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []


def test_a_failed_load_puts_back_what_it_set_aside(db: Database) -> None:
    """Rows pointing at a lease that does not exist fail (on PostgreSQL when the foreign key is put back);
    the rollback restores the indexes and foreign keys the load had dropped."""
    migrated = _schema(db.engine)
    entries = Base.metadata.tables["ledger_entries"]
    day = date(2026, 1, 1)
    orphans = [
        {column.name: None for column in entries.columns}
        | {
            "id": n,
            "lease_id": 999,
            "kind": "rent",
            "amount_cents": 100,
            "effective_on": day,
            "posted_on": day,
            "description": "Rent",
            "source": "demo",
            "external_id": f"demo-{n}",
            "created_by": "test",
            "created_at": day,
        }
        for n in range(1, BIG + 1)
    ]
    # The big tables go to the driver directly, so its own error comes back.
    with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)), db.sessions.begin() as s:
        # A write first, so that SQLite's driver has begun the transaction and the indexes are set aside.
        s.execute(insert(Property), [_property_row(1, PROPERTIES[0])])
        insert_rows(s, entries, orphans)
    assert _schema(db.engine) == migrated
