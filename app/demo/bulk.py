"""Loading the demo seed's rows into its empty database quickly, storing what row-by-row inserts would.

A 10,000-unit seed writes half a million rows. What that cost beyond the database's own work, and the
fix for each: SQLAlchemy's per-row work (the big tables' rows go to the driver as tuples instead);
keeping a table's secondary indexes, and on PostgreSQL checking its foreign keys, row by row as the rows
arrive (they are set aside, then built or checked once at the end, as PostgreSQL's "Populating a
Database" advises and `pg_restore` does); and SQLite spilling its page cache to the WAL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

import psycopg
from sqlalchemy import Column, Connection, Dialect, Table, insert, text
from sqlalchemy.orm import Session

from app.memo import Memo

BIG = 1_000
"""Tables with fewer rows go through SQLAlchemy's `insert`: the shortcuts pay off only on big ones."""

_POSTGRES_SET_ASIDE = text(
    """
    SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),
           format('ALTER TABLE %s ADD CONSTRAINT %I %s',
                  conrelid::regclass, conname, pg_get_constraintdef(oid))
    FROM pg_constraint
    WHERE contype = 'f' AND conrelid = CAST(:table AS regclass)
    UNION ALL
    SELECT format('DROP INDEX %s', indexrelid::regclass), pg_get_indexdef(indexrelid)
    FROM pg_index
    WHERE indrelid = CAST(:table AS regclass) AND NOT indisunique
      AND NOT EXISTS (SELECT FROM pg_constraint WHERE conindid = indexrelid)
    """
)
"""(drop, create) statements for a table's foreign keys and for its indexes that enforce nothing."""

_SQLITE_SET_ASIDE = text(
    """
    SELECT list.name, master.sql
    FROM pragma_index_list(:table) AS list JOIN sqlite_master AS master ON master.name = list.name
    WHERE list.origin = 'c' AND NOT list."unique"
    """
)
"""A table's indexes made by CREATE INDEX that enforce nothing, with that statement."""


def load(session: Session, batches: Iterable[tuple[Table, list[dict[str, Any]]]]) -> None:
    """Insert each batch of rows, in order (a table before those that refer to it), in the session's
    transaction."""
    with _roomy_page_cache(session):
        for table, rows in batches:
            insert_rows(session, table, rows)


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` in the session's transaction, storing what `session.execute(insert(table), rows)`
    would store: each value goes through its column's own bind processor.

    Big tables skip SQLAlchemy's per-row work (it cost more than the database's): their rows go to the
    driver as tuples, by `executemany` on SQLite and by `COPY` on PostgreSQL, with the table's secondary
    indexes (and on PostgreSQL its foreign keys) set aside until they are all in.
    """
    if not rows:
        return
    connection = session.connection()
    driver = connection.connection.dbapi_connection
    columns = list(table.columns)
    if (
        len(rows) < BIG
        or not isinstance(driver, sqlite3.Connection | psycopg.Connection)
        or set(rows[0]) != {c.name for c in columns}
    ):
        for start in range(0, len(rows), 5_000):
            session.execute(insert(table), rows[start : start + 5_000])
        return
    quote = connection.dialect.identifier_preparer
    target = f"{quote.format_table(table)} ({', '.join(quote.quote(c.name) for c in columns)})"
    values = zip(*(_column(connection.dialect, column, rows) for column in columns), strict=True)
    with _built_after(connection, driver, table):
        if isinstance(driver, sqlite3.Connection):
            driver.executemany(f"INSERT INTO {target} VALUES ({', '.join('?' * len(columns))})", values)
        else:
            with driver.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)


def _column(dialect: Dialect, column: Column[Any], rows: list[dict[str, Any]]) -> Iterator[Any]:
    """`column`'s values in `rows`, as its bind processor hands them to the driver, one at a time.

    Made lazily, and zipped into rows as the driver takes them, so that neither the rows' tuples nor the
    columns are ever all held at once: building them took over a second of a 10,000-unit seed, much of
    it the garbage collector walking over half a million live tuples again and again."""
    values = map(itemgetter(column.name), rows)
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return values
    return map(Memo(process).__getitem__ if column.type.hashable else process, values)


@contextmanager
def _built_after(
    connection: Connection, driver: sqlite3.Connection | psycopg.Connection[Any], table: Table
) -> Iterator[None]:
    """Drop `table`'s secondary indexes (and on PostgreSQL its foreign keys) for the block, and make them
    again after it: one sort, or one query checking every row, instead of half a million small updates.

    What is made again is what the database itself says was there, so the migrations stay the one
    source of the schema. If the block raises, nothing is made again: the seed's transaction rolls back,
    and that brings them back.
    """
    statements = _set_aside(connection, driver, table)
    for drop, _ in statements:
        driver.execute(drop)
    yield
    for _, create in statements:
        driver.execute(create)


def _set_aside(
    connection: Connection, driver: sqlite3.Connection | psycopg.Connection[Any], table: Table
) -> list[tuple[str, str]]:
    """(drop, create) statements for what is cheaper to make after a load than to keep during it.

    None outside a transaction, where the drops would last even if the load failed. pysqlite begins one
    only at the first write, so on SQLite the first table loaded keeps its indexes.
    """
    quote = connection.dialect.identifier_preparer
    if isinstance(driver, psycopg.Connection):
        if driver.autocommit:
            return []
        found = connection.execute(_POSTGRES_SET_ASIDE, {"table": quote.format_table(table)})
        return [(drop, create) for drop, create in found]
    if not driver.in_transaction:
        return []
    found = connection.execute(_SQLITE_SET_ASIDE, {"table": table.name})
    return [(f"DROP INDEX {quote.quote(name)}", create) for name, create in found]


@contextmanager
def _roomy_page_cache(session: Session) -> Iterator[None]:
    """On SQLite, let the page cache hold what a big seed writes (up to 256 MB) rather than spill it to
    the WAL and read it back, which cost a fifth of the insert time; the connection's own setting is
    put back afterwards. Elsewhere, nothing."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())
    connection.exec_driver_sql("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {previous}")
