"""Statements run on SQLite's cursor store and read exactly what SQLAlchemy would, and fail the same way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.models import Cents
from app.prepared import Prepared
from tests.support.databases import Database

_metadata = MetaData()
_notes = Table(
    "notes",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", String(20), unique=True, nullable=False),
    Column("amount_cents", Cents, nullable=False),
    Column("due_on", Date),
    Column("at", DateTime(timezone=True)),
    Column("data", JSON),
    Column("open", Boolean),
    Column("note", String(40), default="(none)"),
)
AT = datetime(2026, 12, 7, 20, 15, 1, 250_000, tzinfo=UTC)
ROW: dict[str, object] = {
    "ref": "n-1",
    "amount_cents": 123_45,
    "due_on": date(2026, 12, 1),
    "at": AT,
    "data": {"kind": "rent", "lines": [1, 2], "note": "été"},
    "open": True,
    "note": "first",
}
_INSERT = Prepared(insert(_notes).returning(_notes.c.id))
_SELECT = Prepared(select(_notes).where(_notes.c.ref == bindparam("ref")))


@pytest.fixture
def connection() -> Iterator[Connection]:
    engine = create_engine("sqlite://")
    _metadata.create_all(engine)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def test_a_row_written_on_the_cursor_reads_back_as_one_written_through_sqlalchemy(
    connection: Connection,
) -> None:
    prepared_id = _INSERT.scalar(connection, ROW)
    core_id = connection.execute(insert(_notes).returning(_notes.c.id), {**ROW, "ref": "n-2"}).scalar_one()
    assert (prepared_id, core_id) == (1, 2)
    assert None not in _INSERT._plans.values(), "the insert went through SQLAlchemy, not the cursor"

    stored = connection.exec_driver_sql("SELECT amount_cents, due_on, at, data, open FROM notes").all()
    assert stored[0] == stored[1], "the cursor stored a value differently from SQLAlchemy"

    through_core = connection.execute(select(_notes).where(_notes.c.ref == "n-2")).one()
    through_cursor = _SELECT.first(connection, {"ref": "n-1"})
    assert through_cursor is not None
    assert through_cursor[2:] == tuple(through_core)[2:]
    assert through_cursor[3:7] == (ROW["due_on"], AT.replace(tzinfo=None), ROW["data"], True)


def test_an_update_runs_on_the_cursor_and_changes_only_its_row(connection: Connection) -> None:
    _INSERT.scalar(connection, ROW)
    _INSERT.scalar(connection, {**ROW, "ref": "n-2"})
    change = Prepared(update(_notes).where(_notes.c.ref == bindparam("key")).values(data=bindparam("new")))
    assert change.rows(connection, {"key": "n-2", "new": {"moved": True}}) == []
    assert connection.execute(select(_notes.c.ref, _notes.c.data).order_by(_notes.c.id)).all() == [
        ("n-1", ROW["data"]),
        ("n-2", {"moved": True}),
    ]


def test_values_the_statement_holds_itself_are_bound_as_sqlalchemy_binds_them(
    connection: Connection,
) -> None:
    for ref, cents in (("n-1", 100), ("n-2", 200), ("n-3", 300)):
        _INSERT.scalar(connection, {**ROW, "ref": ref, "amount_cents": cents, "open": ref != "n-3"})
    last_open = Prepared(
        select(_notes.c.ref, _notes.c.amount_cents)
        .where(_notes.c.open.is_(True), _notes.c.amount_cents > 50)
        .order_by(_notes.c.id.desc())
        .limit(1)
    )
    assert last_open.rows(connection, {}) == [("n-2", 200)]
    assert None not in last_open._plans.values()


def test_a_broken_constraint_raises_what_sqlalchemy_raises(connection: Connection) -> None:
    _INSERT.scalar(connection, ROW)
    with pytest.raises(IntegrityError) as raised:
        _INSERT.scalar(connection, ROW)
    assert "UNIQUE constraint failed: notes.ref" in str(raised.value)


def test_a_column_default_sqlalchemy_fills_in_is_left_to_sqlalchemy(connection: Connection) -> None:
    without_note = {key: value for key, value in ROW.items() if key != "note"}
    _INSERT.scalar(connection, without_note)
    assert connection.execute(select(_notes.c.note)).scalar_one() == "(none)"


def test_a_missing_value_is_refused_as_sqlalchemy_refuses_it(connection: Connection) -> None:
    by_id = Prepared(select(_notes.c.ref).where(_notes.c.id == bindparam("id")))
    with pytest.raises(SQLAlchemyError, match="A value is required for bind parameter 'id'"):
        by_id.rows(connection, {})


def test_on_postgresql_the_statement_runs_through_sqlalchemy(db: Database) -> None:
    """Same answers on both databases (the `db` fixture runs this on SQLite and on PostgreSQL)."""
    from app.models import AuditRecord

    table = AuditRecord.__table__
    count = Prepared(select(table.c.id).where(table.c.action == bindparam("action")))
    with db.engine.connect() as connection:
        assert count.rows(connection, {"action": "nothing.like.this"}) == []
