"""What an attacker with the database's owner role could do: lift the append-only guard for a moment."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text


@contextmanager
def without_append_only_guard(conn: Connection, table: str) -> Iterator[None]:
    """Inside the block, UPDATE and DELETE on `table` go through (the owner can do this; the service's
    role cannot). The guard is back when the block ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        yield
        conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        return
    triggers = conn.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"), {"t": table}
    ).all()
    for name, _ in triggers:
        conn.execute(text(f"DROP TRIGGER {name}"))
    yield
    for _, sql in triggers:
        conn.execute(text(sql))
