"""Browser tests: Debian's Chromium, driven by Playwright, against Doorstep served by uvicorn on 127.0.0.1.

Every test runs on two set-ups (`site`): one process on a copy of the demo database in SQLite, and two
processes sharing one PostgreSQL database and one Redis, the resident's widget on the first and the
staff inbox on the second, so whatever staff do reaches the resident through Redis.

Chromium comes from the machine (`.ci/run` installs Debian's package; Playwright never downloads one),
axe-core from the npm registry (`.ci/run` installs it under .cache/), PostgreSQL and Redis from apt.
Without them the tests skip locally and fail in CI. Screenshots go to evals/reports/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Generator, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import make_engine
from app.demo.seed import ensure_demo_logins
from tests.support.databases import DEMO_AS_OF, TEST_AUDIT_KEY, TEST_CHAT_SECRET, Templates
from tests.support.servers import doorstep_server, logs_on_failure, redis_server

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "evals" / "reports" / "screenshots"
AXE = ROOT / ".cache" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SETUPS = ["sqlite", "two_process"]
"""One process on SQLite; two processes on one PostgreSQL database and one Redis."""


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI: .ci/run installs it")
    pytest.skip(f"{what} is not installed")


@dataclass
class Site:
    setup: str
    """sqlite or two_process"""
    base: str
    """Where residents chat: the demo portal and its widget (process A)."""
    staff_base: str
    """Where staff work: the inbox (process B in the two-process set-up, else the same process)."""
    personas: dict[str, str]
    settings: Settings
    """The database both processes use, to read what the servers stored."""
    logs: list[Path] = field(default_factory=list)

    def shot(self, name: str) -> str:
        """A screenshot's file name: the SQLite run keeps the plain name the README promises."""
        return f"{name}.png" if self.setup == "sqlite" else f"{name}-{self.setup.replace('_', '-')}.png"

    @contextmanager
    def session(self) -> Iterator[Session]:
        engine = make_engine(self.settings)
        try:
            with Session(engine) as session:
                yield session
        finally:
            engine.dispose()


@pytest.fixture(scope="module", params=SETUPS)
def site(
    request: pytest.FixtureRequest,
    templates: Templates,
    trained_models: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Site]:
    """Doorstep on a copy of the demo database, in its own process (or two), for one test module."""
    setup: str = request.param
    if setup == "two_process" and templates.postgres_url is None:
        _missing("PostgreSQL (apt-get install postgresql)")
    root = tmp_path_factory.mktemp(f"site-{setup}")
    database = templates.fresh("sqlite" if setup == "sqlite" else "postgres", root / "data", seeded=True)
    with database.sessions.begin() as session:
        ensure_demo_logins(session, environment="test")  # what `doorstep demo seed` does for `make run`
    database.engine.dispose()
    shutil.copytree(trained_models, root / "data" / "models")
    env = {
        "DATABASE_URL": database.settings.database_url,
        "DOORSTEP_DATA_DIR": str(root / "data"),
        "DOORSTEP_CHAT_SECRET": TEST_CHAT_SECRET,
        "DOORSTEP_AUDIT_KEY": TEST_AUDIT_KEY,
        "ENVIRONMENT": "test",
        "DOORSTEP_TODAY": DEMO_AS_OF.isoformat(),
    }
    personas = dict(database.report.personas)  # type: ignore[union-attr]
    with ExitStack() as stack:
        if setup == "sqlite":
            # One server as `make run` serves: its turns answered by worker processes (two, one per core),
            # so every flow here crosses them (app.channels.turn_processes).
            env["DOORSTEP_TURN_PROCESSES"] = "2"
            logs = [root / "server.log"]
            with logs_on_failure(*logs):
                resident = staff = stack.enter_context(doorstep_server(env, logs[0]))
        else:
            try:
                env["REDIS_URL"] = stack.enter_context(redis_server(root))
            except RuntimeError as exc:
                _missing(f"Redis ({exc})")
            logs = [root / "a.log", root / "b.log"]
            with logs_on_failure(*logs):
                resident = stack.enter_context(doorstep_server(env, logs[0]))
                staff = stack.enter_context(doorstep_server(env, logs[1]))
        yield Site(setup, resident, staff, personas, database.settings, logs)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test's report ends with the tail of each server log: a server's traceback is the only clue
    when a page waits in vain, and CI keeps nothing but the test's output."""
    report = yield
    served = getattr(item, "funcargs", {}).get("site")
    if report.failed and call.when == "call" and isinstance(served, Site):
        for log in served.logs:
            if log.exists():
                report.sections.append((f"server log {log.name}", log.read_text(errors="replace")[-4000:]))
    return report


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        _missing("Chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def axe_source() -> str:
    if not AXE.exists():
        _missing("axe-core (npm install --prefix .cache axe-core)")
    return AXE.read_text()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def stored_roles(site: Site, ref: str) -> dict[str, int]:
    """Messages by role in the resident's portal conversation as the server stored them (system rows,
    such as owner changes, aside)."""
    from app.channels.chat import portal_conversation_id
    from app.models import Message

    with site.session() as session:
        rows = session.execute(
            select(Message.role, func.count())
            .where(Message.conversation_id == portal_conversation_id(ref), Message.role != "system")
            .group_by(Message.role)
        ).all()
    return {role: count for role, count in rows}
