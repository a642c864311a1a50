"""The ledger and the audit log cannot be rewritten: not by REPLACE, not by TRUNCATE, and not by the role
the service runs as on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.exc import DBAPIError

from app.db_roles import grant_service_role, role_problem
from app.ledger.posting import EntryCreate, post_entry
from app.ledger.types import EntryKind
from app.models import LedgerEntry
from tests.factories import make_household
from tests.support.databases import Database

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


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # REPLACE is SQLite's
def test_replace_cannot_rewrite_a_ledger_or_audit_row(db: Database) -> None:
    entry_id = _post(db)
    for statement in (
        # Same primary key, and same (source, external_id): each would delete the row and write another.
        f"INSERT OR REPLACE INTO ledger_entries (id, lease_id, kind, amount_cents, effective_on, posted_on, "
        f"description, source, created_by, created_at) VALUES ({entry_id}, 1, 'rent', 1, '2026-11-01', "
        "'2026-11-23', 'Rent', 'pms', 'x', '2026-11-23')",
        "REPLACE INTO ledger_entries (lease_id, kind, amount_cents, effective_on, posted_on, description, "
        "source, external_id, created_by, created_at) VALUES (1, 'rent', 1, '2026-11-01', '2026-11-23', "
        "'Rent', 'pms', 'rent-11', 'x', '2026-11-23')",
        "INSERT OR REPLACE INTO audit_log (id, at, actor, action, subject, data, prev_hash, hash) "
        "SELECT id, at, 'mallory', action, subject, data, prev_hash, hash FROM audit_log WHERE id = 1",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
    with db.sessions() as s:
        assert s.scalars(select(LedgerEntry.amount_cents)).all() == [1_500_00]


@pytest.mark.parametrize("db", ["postgres"], indirect=True)  # TRUNCATE is PostgreSQL's
def test_truncate_is_refused(db: Database) -> None:
    _post(db)
    for statement in ("TRUNCATE audit_log", "TRUNCATE ledger_entries CASCADE"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
    with db.sessions() as s:
        assert len(s.scalars(select(LedgerEntry.id)).all()) == 1


@pytest.fixture
def service_engine(db: Database) -> Iterator[Engine]:
    """An engine on `db` as a login role given the service's privileges by `doorstep db grant`."""
    role = f"svc_{uuid.uuid4().hex[:8]}"
    with db.engine.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        grant_service_role(conn, role)
    engine = create_engine(
        db.engine.url.set(username=role), execution_options=db.engine.get_execution_options()
    )
    yield engine
    engine.dispose()
    with db.engine.begin() as conn:
        conn.execute(text(f"DROP OWNED BY {role}"))
        conn.execute(text(f"DROP ROLE {role}"))


@pytest.mark.parametrize("db", ["postgres"], indirect=True)  # roles are PostgreSQL's
def test_the_service_role_appends_but_cannot_rewrite_or_lift_the_guard(
    db: Database, service_engine: Engine
) -> None:
    from sqlalchemy.orm import sessionmaker

    entry_id = _post(db)
    with db.engine.connect() as conn:
        assert role_problem(conn) is not None  # the suite's own role is a superuser
    with service_engine.connect() as conn:
        assert role_problem(conn) is None
    # It can post (an entry and its audit line)...
    with sessionmaker(service_engine).begin() as s:
        new = EntryCreate(
            lease_id=1, kind=EntryKind.CHARGE, amount_cents=25_00, effective_on=TODAY, description="Key"
        )
        assert post_entry(s, new, today=TODAY).created
    # ...but nothing it can run rewrites history or takes the guard away.
    for statement in (
        "TRUNCATE audit_log",
        "TRUNCATE ledger_entries CASCADE",
        f"UPDATE ledger_entries SET amount_cents = 1 WHERE id = {entry_id}",
        "DELETE FROM audit_log",
        "DROP TRIGGER ledger_entries_no_update ON ledger_entries",
        "ALTER TABLE ledger_entries DISABLE TRIGGER USER",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_delete",
        "DROP TABLE audit_log",
    ):
        with pytest.raises(DBAPIError, match="permission denied|must be owner"), service_engine.begin() as c:
            c.execute(text(statement))
    with db.sessions() as s:
        assert len(s.scalars(select(LedgerEntry.id)).all()) == 2


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_production_refuses_to_serve_as_a_role_that_could_lift_the_guard(
    db: Database, service_engine: Engine
) -> None:
    from app.db_roles import check_service_role

    with db.engine.connect() as conn, pytest.raises(RuntimeError, match="refusing to serve: connected as"):
        check_service_role(conn, production=True)
    with service_engine.connect() as conn:
        check_service_role(conn, production=True)  # the granted role is fine
