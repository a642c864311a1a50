from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.deps import get_today
from app.main import create_app
from tests.support.databases import DEMO_AS_OF, Database

TOKEN = "test-token-0123456789abcdefghij"


@pytest.fixture
def api(demo_db: Database) -> Iterator[TestClient]:
    """The app on the demo database, with the staff token set and "today" fixed."""
    settings = demo_db.settings.model_copy(update={"DOORSTEP_API_TOKEN": SecretStr(TOKEN)})
    app = create_app(settings)
    app.dependency_overrides[get_today] = lambda: DEMO_AS_OF
    with TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        yield client
