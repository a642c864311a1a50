"""Hot statements compiled once and run on SQLite's own cursor.

A webhook runs about six short statements and a chat turn about fourteen. Through SQLAlchemy each one
costs some 20-50 us of Python around the 5-30 us that SQLite spends on it: the execution context, the
parameters processed one by one, the result object, its soft close. For the few statements every
webhook and turn runs, `Prepared` keeps what SQLAlchemy compiled (the SQL text, the order of the
parameters, the type conversions of the parameters and of the result columns) and runs it on the
driver's cursor of the same connection, inside the same transaction.

Everything else is SQLAlchemy's as before:
- the statement is an ordinary Core statement, compiled by SQLAlchemy for the connection's dialect;
- each value goes through the conversion SQLAlchemy itself would apply (`TypeEngine.bind_processor`,
  `result_processor`), so rows are stored and read back exactly as through `Connection.execute`;
- a driver error is raised as SQLAlchemy would raise it (`DBAPIError.instance`: IntegrityError...);
- on PostgreSQL, and for any statement whose compiled form needs more than a plain run (a Python-side
  column default, an expanding IN, a literal-rendered parameter), `rows` is `Connection.execute`.

What is given up: SQLAlchemy's statement events and its echo do not see these statements (SQLite's own
tracing does). Only statements on the busiest paths belong here: the webhook's and the audit chain's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Plan:
    """A statement compiled for SQLite: its text, its parameters in order, its conversions."""

    sql: str
    slots: tuple[tuple[str | None, Processor, Any], ...]
    """Per parameter, in order: the key it is read from and its conversion, or (None, None, value) for
    a value the statement holds itself (a `limit(1)`, a `column == "stripe"`), converted once."""
    results: tuple[Processor, ...]
    converts_results: bool


class Prepared:
    """A Core statement that runs on SQLite's cursor once compiled (one compilation per set of keys)."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._plans: dict[frozenset[str], _Plan | None] = {}

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Every row the statement returns (none for a plain INSERT or UPDATE)."""
        dialect = connection.dialect
        if dialect.name != "sqlite":
            return self._through_sqlalchemy(connection, params)
        keys = frozenset(params)
        try:
            plan = self._plans[keys]
        except KeyError:
            plan = self._plans[keys] = _plan(self.statement, dialect, keys)
        if plan is None:
            return self._through_sqlalchemy(connection, params)
        values = tuple(
            held if name is None else params[name] if process is None else process(params[name])
            for name, process, held in plan.slots
        )
        driver = connection.connection.driver_connection
        assert driver is not None
        try:
            fetched = driver.execute(plan.sql, values).fetchall()
        except dialect.loaded_dbapi.Error as error:
            raise exc.DBAPIError.instance(
                plan.sql, values, error, dialect.loaded_dbapi.Error, dialect=dialect
            ) from error
        if not plan.converts_results:
            return fetched
        return [
            tuple(
                value if process is None else process(value)
                for value, process in zip(row, plan.results, strict=True)
            )
            for row in fetched
        ]

    def _through_sqlalchemy(self, connection: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        result = connection.execute(self.statement, params)  # type: ignore[call-overload]
        return [tuple(row) for row in result] if result.returns_rows else []

    def first(self, connection: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        rows = self.rows(connection, params)
        return rows[0] if rows else None

    def scalar(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        """The first column of the first row, or None when there is no row."""
        row = self.first(connection, params)
        return None if row is None else row[0]


def _plan(statement: ClauseElement, dialect: Dialect, keys: frozenset[str]) -> _Plan | None:
    compiled: Any = statement.compile(dialect=dialect, column_keys=sorted(keys))
    needs_more = (
        compiled.insert_prefetch
        or compiled.update_prefetch
        or compiled.literal_execute_params
        or compiled.post_compile_params
        or compiled.positiontup is None
    )
    if needs_more:
        return None
    slots: list[tuple[str | None, Processor, Any]] = []
    for name in compiled.positiontup:
        bind = compiled.binds[name]
        process = _bind_processor(bind.type, dialect)
        if name in keys:
            slots.append((name, process, None))
        elif bind.required or bind.callable is not None:
            return None  # a value SQLAlchemy would find or refuse: leave it to SQLAlchemy
        else:
            value = bind.value
            slots.append((None, None, value if process is None else process(value)))
    results = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None) for column in _returned(statement)
    )
    return _Plan(
        sql=compiled.string,
        slots=tuple(slots),
        results=results,
        converts_results=any(process is not None for process in results),
    )


def _bind_processor(type_: Any, dialect: Dialect) -> Processor:
    processor: Processor = type_.dialect_impl(dialect).bind_processor(dialect)
    return processor


def _returned(statement: ClauseElement) -> Sequence[Any]:
    """The columns a SELECT or a RETURNING gives back, in order."""
    columns: Any = getattr(statement, "selected_columns", None)
    if columns is None:
        columns = getattr(statement, "exported_columns", None)
    return list(columns or ())
