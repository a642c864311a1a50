"""PostgreSQL roles: the schema's owner migrates; the service runs as a role that can only append.

The database refuses UPDATE, DELETE and TRUNCATE on the ledger and the audit log with triggers, but a
table's owner (or a superuser) can drop or disable a trigger. So the service must not connect as the
owner: `doorstep db grant ROLE`, run as the owner (DATABASE_OWNER_URL), gives a login role what the
service needs (read and write on working tables, read and append on the two append-only ones), and
`role_problem` tells a service that it is connected as a role that could rewrite history.
"""

from __future__ import annotations

import logging
import re

from sqlalchemy import Connection, text

_log = logging.getLogger(__name__)

APPEND_ONLY = ("ledger_entries", "audit_log")
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_service_role(connection: Connection, role: str) -> list[str]:
    """Grant `role` what the service needs on every table now in the schema; return the statements run.
    Run it after each `doorstep db upgrade` that adds tables."""
    if not _ROLE_NAME.fullmatch(role):
        raise ValueError(f"{role!r} is not a plain role name (lower-case letters, digits, _)")
    schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
    if exists is None:
        raise ValueError(f"no role {role!r}: create it first (CREATE ROLE {role} LOGIN PASSWORD '...')")
    tables = connection.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"), {"s": schema}
    ).scalars()
    statements = [
        f'GRANT CONNECT ON DATABASE "{connection.engine.url.database}" TO {role}',
        f'GRANT USAGE ON SCHEMA "{schema}" TO {role}',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {role}',
    ]
    for table in tables:
        statements.append(f'REVOKE ALL ON "{schema}"."{table}" FROM {role}')
        privileges = "SELECT, INSERT" if table in APPEND_ONLY else "SELECT, INSERT, UPDATE, DELETE"
        statements.append(f'GRANT {privileges} ON "{schema}"."{table}" TO {role}')
    for statement in statements:
        connection.execute(text(statement))
    return statements


_SUPERUSER_REACHED = text(
    "SELECT rolname FROM pg_roles WHERE rolsuper AND pg_has_role(current_user, oid, 'MEMBER') "
    "ORDER BY rolname = current_user DESC, rolname LIMIT 1"
)
_OWNERS = text(
    "SELECT pg_get_userbyid(c.relowner), pg_has_role(current_user, c.relowner, 'MEMBER'), "
    "pg_get_userbyid(n.nspowner), pg_has_role(current_user, n.nspowner, 'MEMBER') "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(:t)"
)


def role_problem(connection: Connection) -> str | None:
    """Why the connected role could rewrite the ledger or the audit log, or None when it cannot.

    Owning a table is not the only way to its triggers: a member of the owner (even one that does not
    inherit, by SET ROLE), a role that can make itself such a member (CREATEROLE), and the owner of the
    schema (which can drop the table; on PostgreSQL 15 the database's owner owns `public`) can too.
    """
    if connection.dialect.name != "postgresql":
        return None
    me = connection.execute(text("SELECT current_user")).scalar_one()
    superuser = connection.execute(_SUPERUSER_REACHED).scalar()
    if superuser == me:
        return "connected as a superuser, which can drop the append-only triggers"
    if superuser is not None:
        return f"the connected role can SET ROLE {superuser}, a superuser, which can drop the triggers"
    if connection.execute(text("SELECT rolcreaterole FROM pg_roles WHERE rolname = current_user")).scalar():
        return "the connected role has CREATEROLE, so it can make itself a member of the tables' owner"
    for table in APPEND_ONLY:
        if problem := _ownership_problem(connection, table, me):
            return problem
        for privilege in ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER"):
            allowed = connection.execute(
                text("SELECT has_table_privilege(:t, :p)"), {"t": table, "p": privilege}
            ).scalar()
            if allowed:
                return f"the connected role has {privilege} on {table}"
    return None


def _ownership_problem(connection: Connection, table: str, me: str) -> str | None:
    row = connection.execute(_OWNERS, {"t": table}).first()
    if row is None:
        return None
    owner, in_owner, schema_owner, in_schema_owner = row
    if owner == me:
        return f"connected as the owner of {table}, which can drop or disable its triggers"
    if in_owner:
        return f"the connected role is a member of {owner}, the owner of {table}, which can drop its triggers"
    if in_schema_owner:
        return f"the connected role acts for {schema_owner}, which owns the schema of {table} and can drop it"
    return None


def check_service_role(connection: Connection, *, production: bool) -> None:
    """At start-up: refuse to serve in production as a role that could rewrite history; warn otherwise."""
    problem = role_problem(connection)
    if problem is None:
        return
    advice = (
        "run the service as a role given its privileges by `doorstep db grant ROLE` "
        "(migrate with DATABASE_OWNER_URL)"
    )
    if production:
        raise RuntimeError(f"refusing to serve: {problem}; {advice}")
    _log.warning("the ledger's append-only guard can be lifted: %s; %s", problem, advice)
