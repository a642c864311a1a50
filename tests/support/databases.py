"""Fresh databases for tests, on SQLite and PostgreSQL, cloned from migrated (and seeded) templates."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.db_roles import grant_service_role
from app.demo.seed import SeedOptions, SeedReport, seed_demo

DEMO_AS_OF = date(2026, 11, 23)
TEST_AUDIT_KEY = "test-audit-key-0123456789abcdef0123456789"
"""One audit key for the templates and the copies made of them, so a copy's chain verifies."""
TEST_CHAT_SECRET = "chat-secret-for-tests-0123456789abcdef"


@dataclass
class Database:
    backend: str
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    report: SeedReport | None = None


class Templates:
    """Builds each template once per backend, then hands out cheap copies."""

    def __init__(self, root: Path, postgres_url: str | None) -> None:
        self.root = root
        self.postgres_url = postgres_url
        self._built: dict[tuple[str, bool], tuple[str, SeedReport | None]] = {}

    def _admin(self) -> Engine:
        assert self.postgres_url
        return create_engine(
            self.postgres_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
        )

    def _pg_url(self, name: str) -> str:
        assert self.postgres_url
        return self.postgres_url.rsplit("/", 1)[0] + f"/{name}"

    def _template(self, backend: str, seeded: bool) -> tuple[str, SeedReport | None]:
        key = (backend, seeded)
        if key not in self._built:
            name = f"template_{'seeded' if seeded else 'empty'}"
            if backend == "sqlite":
                location = str(self.root / f"{name}.sqlite3")
                url = f"sqlite:///{location}"
            else:
                with self._admin().connect() as conn:
                    conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
                    conn.execute(text(f"CREATE DATABASE {name}"))
                location = name
                url = self._pg_url(name)
            settings = Settings(
                DATABASE_URL=url,
                DOORSTEP_DATA_DIR=self.root / "template-data",
                DOORSTEP_AUDIT_KEY=TEST_AUDIT_KEY,
            )
            engine = make_engine(settings)
            migrate.upgrade(engine)
            report = None
            if seeded:
                with make_sessionmaker(engine)() as session, session.begin():
                    report = seed_demo(session, SeedOptions(as_of=DEMO_AS_OF))
            engine.dispose()
            self._built[key] = (location, report)
        return self._built[key]

    def fresh(self, backend: str, data_dir: Path, *, seeded: bool) -> Database:
        location, report = self._template(backend, seeded)
        if backend == "sqlite":
            data_dir.mkdir(parents=True, exist_ok=True)
            target = data_dir / "doorstep.sqlite3"
            shutil.copyfile(location, target)
            url = f"sqlite:///{target}"
        else:
            name = f"t_{uuid.uuid4().hex[:12]}"
            with self._admin().connect() as conn:
                conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {location}"))
            url = self._pg_url(name)
        settings = Settings(
            DATABASE_URL=url,
            DOORSTEP_DATA_DIR=data_dir,
            ENVIRONMENT="test",
            DOORSTEP_AUDIT_KEY=TEST_AUDIT_KEY,
        )
        engine = make_engine(settings)
        return Database(backend, settings, engine, make_sessionmaker(engine), report)


@contextmanager
def as_service_role(db: Database) -> Iterator[Database]:
    """PostgreSQL `db` as the service sees it in production: through a login role given its privileges
    by `doorstep db grant` (it can read and append the ledger and audit log, not rewrite them)."""
    role = f"svc_{uuid.uuid4().hex[:8]}"
    with db.engine.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        grant_service_role(conn, role)
    url = db.engine.url.set(username=role)
    settings = db.settings.model_copy(update={"DATABASE_URL": url.render_as_string(hide_password=False)})
    engine = create_engine(url, execution_options=db.engine.get_execution_options())
    try:
        yield Database(db.backend, settings, engine, make_sessionmaker(engine), db.report)
    finally:
        engine.dispose()
        with db.engine.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
