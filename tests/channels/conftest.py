"""The channels' shared setup: the service on the demo database, its classifier trained once."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.main import create_app
from tests.support.databases import DEMO_AS_OF, TEST_CHAT_SECRET, Database

CHAT_SECRET = TEST_CHAT_SECRET


@pytest.fixture
def chat_client(demo_db: Database, trained_models: Path) -> Iterator[TestClient]:
    """The whole service on the demo database as of 2026-11-23, with a known chat secret."""
    shutil.copytree(trained_models, demo_db.settings.data_dir / "models", dirs_exist_ok=True)
    settings = demo_db.settings.model_copy(update={"DOORSTEP_CHAT_SECRET": SecretStr(CHAT_SECRET)})
    app = create_app(settings, today=lambda: DEMO_AS_OF)
    with TestClient(app) as client:
        yield client
