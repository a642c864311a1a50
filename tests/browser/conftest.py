"""Browser tests: Debian's Chromium, driven by Playwright, against Doorstep served by uvicorn on 127.0.0.1.

Chromium comes from the machine (`.ci/run` installs Debian's package; Playwright never downloads one),
axe-core from the npm registry (`.ci/run` installs it under .cache/). Without them the tests skip
locally and fail in CI. Screenshots go to evals/reports/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.demo.seed import ensure_demo_logins
from tests.support.databases import DEMO_AS_OF, TEST_AUDIT_KEY, TEST_CHAT_SECRET, Templates
from tests.support.servers import doorstep_server

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


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI: .ci/run installs it")
    pytest.skip(f"{what} is not installed")


@dataclass
class Site:
    base: str
    personas: dict[str, str]
    database: Path


@pytest.fixture(scope="module")
def site(
    templates: Templates, trained_models: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """Doorstep on a copy of the demo database (SQLite), in its own process."""
    root = tmp_path_factory.mktemp("site")
    database = templates.fresh("sqlite", root / "data", seeded=True)
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
    with doorstep_server(env, root / "server.log") as base:
        yield Site(base, dict(database.report.personas), root / "data")  # type: ignore[union-attr]


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
    from sqlalchemy import create_engine, func, select
    from sqlalchemy.orm import Session

    from app.channels.chat import portal_conversation_id
    from app.models import Message

    engine = create_engine(f"sqlite:///{site.database / 'doorstep.sqlite3'}")
    with Session(engine) as session:
        rows = session.execute(
            select(Message.role, func.count())
            .where(Message.conversation_id == portal_conversation_id(ref), Message.role != "system")
            .group_by(Message.role)
        ).all()
    engine.dispose()
    return {role: count for role, count in rows}
