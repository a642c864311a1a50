"""`doorstep db check-role` and the production start-up check see every way a role can reach the
append-only triggers, not only owning the tables: each one below really lifts the guard."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text

from app.db_roles import check_service_role, grant_service_role, role_problem
from tests.support.databases import Database

# Each: how the role was set up (run by an administrator), what the role itself then runs to get at the
# ledger's history, and what the check says.
ESCALATIONS = {
    "a member of the owner that does not inherit": (
        ["ALTER ROLE {role} NOINHERIT", "GRANT {owner} TO {role}"],
        ["SET ROLE {owner}", "ALTER TABLE ledger_entries DISABLE TRIGGER USER"],
        "member of own_",
    ),
    "a member of a superuser": (
        ["ALTER ROLE {role} NOINHERIT", "GRANT postgres TO {role}"],
        ["SET ROLE postgres", "ALTER TABLE ledger_entries DISABLE TRIGGER USER"],
        "SET ROLE postgres",
    ),
    "CREATEROLE": (
        ["ALTER ROLE {role} CREATEROLE"],
        ["GRANT {owner} TO {role}", "SET ROLE {owner}", "ALTER TABLE ledger_entries DISABLE TRIGGER USER"],
        "CREATEROLE",
    ),
    "the schema's owner": (
        ["ALTER SCHEMA public OWNER TO {role}"],
        ["DROP TABLE audit_log CASCADE"],
        "owns the schema of",
    ),
    "the database's owner": (  # on PostgreSQL 15, `public` belongs to the database's owner
        ['ALTER DATABASE "{database}" OWNER TO {role}'],
        ["DROP TABLE audit_log CASCADE"],
        "owns the schema of",
    ),
}


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
@pytest.mark.parametrize("case", list(ESCALATIONS))
def test_a_role_that_can_reach_the_triggers_is_named_and_refused_in_production(
    db: Database, case: str
) -> None:
    setup, attack, named = ESCALATIONS[case]
    names = {
        "role": f"svc_{uuid.uuid4().hex[:8]}",
        "owner": f"own_{uuid.uuid4().hex[:8]}",
        "database": str(db.engine.url.database),
    }
    with db.engine.begin() as conn:
        # The tables belong to an ordinary role, as in production (the suite's own role is a superuser).
        conn.execute(text("CREATE ROLE {owner} NOLOGIN".format(**names)))
        for table in ("ledger_entries", "audit_log"):
            conn.execute(text(f"ALTER TABLE {table} OWNER TO {names['owner']}"))
        conn.execute(text("CREATE ROLE {role} LOGIN".format(**names)))
        grant_service_role(conn, names["role"])
    engine = create_engine(db.engine.url.set(username=names["role"]))
    try:
        with engine.connect() as conn:
            assert role_problem(conn) is None  # `doorstep db grant` alone leaves it harmless
        with db.engine.begin() as conn:
            for statement in setup:
                conn.execute(text(statement.format(**names)))
        with engine.connect() as conn:
            problem = role_problem(conn)
            assert problem is not None and named in problem
            with pytest.raises(RuntimeError, match="refusing to serve"):
                check_service_role(conn, production=True)
        # And it is no false alarm: the role really gets past the guard.
        with engine.begin() as conn:
            for statement in attack:
                conn.execute(text(statement.format(**names)))
    finally:
        engine.dispose()
