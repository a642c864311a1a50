"""Every way we know to rewrite the ledger or the audit log, tried for real: on SQLite, on PostgreSQL as
the tables' owner, and as the role `doorstep db grant` makes for the service, which also runs the app."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.audit import verify_chain
from app.db_roles import role_problem
from app.ledger.posting import EntryCreate, post_entry
from app.ledger.types import EntryKind
from app.models import AuditRecord, LedgerEntry
from tests.factories import make_household
from tests.integrity.test_deposits import TOKEN, staff_app
from tests.support.databases import Database, as_service_role

TODAY = date(2026, 11, 23)


def _post(db: Database) -> int:
    with db.sessions.begin() as s:
        _, lease = make_household(s)
        new = EntryCreate(
            lease_id=lease.id,
            kind=EntryKind.RENT,
            amount_cents=1_500_00,
            effective_on=date(2026, 11, 1),
            description="Rent - November 2026",
            source="pms",
            external_id="rent-11",
        )
        return post_entry(s, new, today=TODAY).entry.id


def _history(db: Database) -> tuple[list[tuple[int, int, str]], list[tuple[int, str, str]]]:
    with db.sessions() as s:
        ledger = s.execute(
            select(LedgerEntry.id, LedgerEntry.amount_cents, LedgerEntry.description).order_by(LedgerEntry.id)
        ).all()
        log = s.execute(
            select(AuditRecord.id, AuditRecord.actor, AuditRecord.hash).order_by(AuditRecord.id)
        ).all()
    return [tuple(r) for r in ledger], [tuple(r) for r in log]  # type: ignore[misc]


_LEDGER_COLUMNS = (
    "lease_id, kind, amount_cents, effective_on, posted_on, description, source, created_by, created_at"
)


def _sqlite_attacks(entry_id: int) -> list[str]:
    values = "1, 'rent', 1, '2026-11-01', '2026-11-23', 'Rent', 'pms', 'x', '2026-11-23'"
    return [
        f"UPDATE ledger_entries SET amount_cents = 1 WHERE id = {entry_id}",
        f"DELETE FROM ledger_entries WHERE id = {entry_id}",
        "UPDATE audit_log SET actor = 'mallory'",
        "DELETE FROM audit_log",
        f"UPDATE OR REPLACE ledger_entries SET amount_cents = 1 WHERE id = {entry_id}",
        f"INSERT OR REPLACE INTO ledger_entries (id, {_LEDGER_COLUMNS}) VALUES ({entry_id}, {values})",
        f"INSERT OR REPLACE INTO ledger_entries (rowid, {_LEDGER_COLUMNS}) VALUES ({entry_id}, {values})",
        f"REPLACE INTO ledger_entries ({_LEDGER_COLUMNS}, external_id) VALUES ({values}, 'rent-11')",
        f"INSERT INTO ledger_entries (id, {_LEDGER_COLUMNS}) VALUES ({entry_id}, {values}) "
        "ON CONFLICT (id) DO UPDATE SET amount_cents = 1",
        f"INSERT INTO ledger_entries ({_LEDGER_COLUMNS}, external_id) VALUES ({values}, 'rent-11') "
        "ON CONFLICT (source, external_id) DO UPDATE SET amount_cents = excluded.amount_cents",
        "INSERT OR REPLACE INTO audit_log (id, at, actor, action, subject, data, prev_hash, hash) "
        "SELECT id, at, 'mallory', action, subject, data, prev_hash, hash FROM audit_log WHERE id = 1",
        "REPLACE INTO audit_log (at, actor, action, subject, data, prev_hash, hash) "
        "SELECT at, 'mallory', action, subject, data, prev_hash, 'x' FROM audit_log WHERE id = 1",
        "INSERT INTO audit_log (id, at, actor, action, subject, data, prev_hash, hash) "
        "SELECT id, at, actor, action, subject, data, prev_hash, hash FROM audit_log WHERE id = 1 "
        "ON CONFLICT (id) DO UPDATE SET actor = 'mallory'",
    ]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_no_sqlite_statement_rewrites_the_ledger_or_the_audit_log(db: Database) -> None:
    entry_id = _post(db)
    before = _history(db)
    for statement in _sqlite_attacks(entry_id):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
    assert _history(db) == before
    with db.sessions() as s:
        assert verify_chain(s).ok


_POSTGRES_ATTACKS = (
    "UPDATE ledger_entries SET amount_cents = 1",
    "DELETE FROM ledger_entries",
    "UPDATE audit_log SET actor = 'mallory'",
    "DELETE FROM audit_log",
    "INSERT INTO audit_log SELECT * FROM audit_log ON CONFLICT (id) DO UPDATE SET actor = 'mallory'",
    "TRUNCATE audit_log",
    "TRUNCATE ledger_entries",
    "TRUNCATE ledger_entries CASCADE",
    "TRUNCATE audit_log, ledger_entries CASCADE",
    # Tables that ledger_entries points at: CASCADE would take the ledger with them.
    "TRUNCATE leases CASCADE",
    "TRUNCATE payments CASCADE",
    "TRUNCATE residents, properties CASCADE",
)
REFUSED = "append-only|cannot truncate a table referenced in a foreign key"
_LIFT_THE_GUARD = (
    "DROP TRIGGER ledger_entries_no_update ON ledger_entries",
    "DROP TRIGGER audit_log_no_truncate ON audit_log",
    "ALTER TABLE ledger_entries DISABLE TRIGGER USER",
    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_delete",
    "ALTER TABLE ledger_entries DISABLE TRIGGER ALL",
    "DROP FUNCTION doorstep_append_only() CASCADE",
    "CREATE OR REPLACE FUNCTION doorstep_append_only() RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$ "
    "LANGUAGE plpgsql",
    "DROP TABLE audit_log",
    "DROP TABLE ledger_entries CASCADE",
    "ALTER TABLE ledger_entries RENAME TO ledger_old",
    "SET session_replication_role = replica",
    "CREATE RULE keep AS ON INSERT TO audit_log DO INSTEAD NOTHING",
)


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_no_postgres_statement_rewrites_the_ledger_or_the_audit_log_even_as_the_owner(db: Database) -> None:
    _post(db)
    before = _history(db)
    for statement in _POSTGRES_ATTACKS:
        with pytest.raises(DBAPIError, match=REFUSED), db.engine.begin() as conn:
            conn.execute(text(statement))
    assert _history(db) == before


@pytest.fixture
def service_db(db: Database) -> Iterator[Database]:
    with as_service_role(db) as service:
        yield service


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_the_app_runs_as_the_granted_role_which_cannot_rewrite_history(
    db: Database, service_db: Database
) -> None:
    _post(db)
    with service_db.engine.connect() as conn:
        assert role_problem(conn) is None
        assert conn.execute(text("SELECT current_user")).scalar_one() != "postgres"
    # The real app, connected as that role, posts through the staff API (the line and its audit line).
    with TestClient(staff_app(service_db), headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        posted = client.post(
            "/api/ledger/entries",
            json={
                "lease_id": 1,
                "kind": "charge",
                "amount_cents": 25_00,
                "effective_on": TODAY.isoformat(),
                "description": "Key replacement",
            },
        )
        assert posted.status_code == 201, posted.text
        balance = client.get("/api/residents/R90001/balance", params={"as_of": TODAY.isoformat()})
        assert balance.status_code == 200, balance.text
        assert balance.json()["total_cents"] == 1_525_00
    before = _history(db)
    assert len(before[0]) == 2
    # Nothing it can run rewrites history or takes the guard away.
    for statement in (*_POSTGRES_ATTACKS, *_LIFT_THE_GUARD):
        with (
            pytest.raises(DBAPIError, match=f"permission denied|must be owner|{REFUSED}"),
            service_db.engine.begin() as conn,
        ):
            conn.execute(text(statement))
    assert _history(db) == before
    with db.sessions() as s:
        assert verify_chain(s).ok
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == 2
