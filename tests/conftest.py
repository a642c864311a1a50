"""Shared fixtures: every database test runs on SQLite and on PostgreSQL (`[sqlite]` / `[postgres]`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support.databases import TEST_AUDIT_KEY, Database, Templates
from tests.support.postgres import throwaway_cluster

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's .env or data directory, or reaches a real model."""
    for name in (
        "DATABASE_URL",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "CHROMA_URL",
        "REDIS_URL",
        "DOORSTEP_API_TOKEN",
        "DOORSTEP_AUDIT_KEY",
        "DATABASE_OWNER_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOORSTEP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.chdir(tmp_path)
    from app.config import get_settings

    get_settings.cache_clear()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """DOORSTEP_TEST_POSTGRES_URL if given (CI), else a throwaway cluster started here."""
    if url := os.environ.get("DOORSTEP_TEST_POSTGRES_URL"):
        yield url
        return
    with ExitStack() as stack:
        try:
            yield stack.enter_context(throwaway_cluster())
        except RuntimeError:
            yield None


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory, postgres_url: str | None) -> Templates:
    return Templates(tmp_path_factory.mktemp("templates"), postgres_url)


def _database(
    request: pytest.FixtureRequest, templates: Templates, tmp_path: Path, *, seeded: bool
) -> Iterator[Database]:
    backend: str = request.param
    if backend == "postgres" and templates.postgres_url is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is required in CI: .ci/run installs it")
        pytest.skip("PostgreSQL server not installed")
    database = templates.fresh(backend, tmp_path / "data", seeded=seeded)
    yield database
    database.engine.dispose()


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, templates: Templates, tmp_path: Path) -> Iterator[Database]:
    """An empty, migrated database."""
    yield from _database(request, templates, tmp_path, seeded=False)


@pytest.fixture(params=BACKENDS)
def demo_db(request: pytest.FixtureRequest, templates: Templates, tmp_path: Path) -> Iterator[Database]:
    """A database holding the default demo portfolio as of 2026-11-23 (`demo_db.report.personas`)."""
    yield from _database(request, templates, tmp_path, seeded=True)


@pytest.fixture(scope="session")
def trained_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The offline planner's classifier, trained once for the session; copy it into a data dir's models/."""
    from agents.offline import IntentClassifier

    models = tmp_path_factory.mktemp("models")
    IntentClassifier.load_or_train(models)
    return models


@pytest.fixture
def cli_db(demo_db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    """The demo database as the `doorstep` command's own (DATABASE_URL and the audit key in the
    environment, as an operator sets them)."""
    from app.config import get_settings

    monkeypatch.setenv("DATABASE_URL", demo_db.settings.database_url)
    monkeypatch.setenv("DOORSTEP_AUDIT_KEY", TEST_AUDIT_KEY)
    get_settings.cache_clear()
    return demo_db
