"""Fresh, migrated databases to measure on: SQLite files in a temporary directory, and PostgreSQL
databases on `DOORSTEP_BENCH_POSTGRES_URL` or, without it, on a throwaway local cluster."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.config import Settings
from app.db import make_engine, make_sessionmaker

POSTGRES_URL_VARIABLE = "DOORSTEP_BENCH_POSTGRES_URL"


class PostgresUnavailable(Exception):
    """No PostgreSQL to measure on: the reason is the message."""


@dataclass
class BenchDatabase:
    name: str
    engine: Engine
    sessions: sessionmaker[Session]
    migrate_seconds: float


@dataclass
class Databases:
    """Hands out fresh, migrated databases of one backend, and disposes of them at the end."""

    backend: str
    url_for: Callable[[str], str]
    data_dir: Path
    create: Callable[[str], None] = lambda _name: None
    drop: Callable[[str], None] = lambda _name: None
    version: str = ""
    made: list[BenchDatabase] = field(default_factory=list)

    def fresh(self, label: str) -> BenchDatabase:
        name = f"doorstep_bench_{os.getpid()}_{label}"
        self.create(name)
        settings = Settings(
            DATABASE_URL=self.url_for(name), DOORSTEP_DATA_DIR=self.data_dir, ENVIRONMENT="test"
        )
        engine = make_engine(settings)
        started = time.perf_counter()
        migrate.upgrade(engine)
        database = BenchDatabase(name, engine, make_sessionmaker(engine), time.perf_counter() - started)
        self.made.append(database)
        return database

    def close(self) -> None:
        for database in self.made:
            database.engine.dispose()
            self.drop(database.name)
        self.made.clear()


@contextmanager
def sqlite_databases() -> Iterator[Databases]:
    """SQLite databases, as files in a temporary directory removed at the end."""
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-") as root:
        databases = Databases(
            backend="sqlite",
            url_for=lambda name: f"sqlite:///{Path(root) / name}.sqlite3",
            data_dir=Path(root) / "data",
            version=f"SQLite {sqlite3.sqlite_version}",
        )
        try:
            yield databases
        finally:
            databases.close()


@contextmanager
def postgres_databases() -> Iterator[Databases]:
    """PostgreSQL databases; raises `PostgresUnavailable` (before yielding) when there is no server."""
    with ExitStack() as stack:
        url = os.environ.get(POSTGRES_URL_VARIABLE) or ""
        if not url:
            try:
                from tests.support.postgres import (
                    throwaway_cluster,
                )  # the test suite's, run from the checkout

                url = stack.enter_context(throwaway_cluster())
            except (ImportError, RuntimeError, OSError, subprocess.CalledProcessError) as exc:
                raise PostgresUnavailable(f"no {POSTGRES_URL_VARIABLE} and no local cluster: {exc}") from exc
        base = make_url(url)
        if base.drivername == "postgresql":
            base = base.set(drivername="postgresql+psycopg")
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        stack.callback(admin.dispose)
        try:
            with admin.connect() as conn:
                version = str(conn.execute(text("SHOW server_version")).scalar_one())
        except SQLAlchemyError as exc:
            raise PostgresUnavailable(f"cannot connect to {base.render_as_string()}: {exc}") from exc

        def execute(statement: str) -> None:
            with admin.connect() as conn:
                conn.execute(text(statement))

        databases = Databases(
            backend="postgresql",
            url_for=lambda name: base.set(database=name).render_as_string(hide_password=False),
            data_dir=Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="doorstep-bench-"))),
            create=lambda name: execute(f'CREATE DATABASE "{name}"'),
            drop=lambda name: execute(f'DROP DATABASE IF EXISTS "{name}"'),
            version=f"PostgreSQL {version}",
        )
        stack.callback(databases.close)
        yield databases


T = TypeVar("T")


def on_each_backend(
    run: Callable[[Databases], T], *, postgres: bool, say: Callable[[str], None]
) -> tuple[list[T], dict[str, str]]:
    """`run` on SQLite, then on PostgreSQL when asked (skipped, saying why, when none is there): the
    results in that order, and what was skipped."""
    results: list[T] = []
    skipped: dict[str, str] = {}
    with sqlite_databases() as databases:
        results.append(run(databases))
    if postgres:
        try:
            with postgres_databases() as databases:
                results.append(run(databases))
        except PostgresUnavailable as exc:
            skipped["postgresql"] = str(exc)
            say(f"PostgreSQL skipped: {exc}")
    return results, skipped
