"""The OpenAPI document against the running API: schemathesis generates requests from the document
(valid and invalid ones) and every check it has must pass, the `--checks all` of its command line.

Bounded and repeatable: a fixed seed, derandomized generation and no example database, a fixed number of
examples per operation, on a fresh copy of the demo portfolio with "today" fixed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from pydantic import SecretStr
from starlette.types import ASGIApp, Receive, Scope, Send

from app.deps import get_today
from app.main import create_app
from tests.api.conftest import TOKEN
from tests.support.databases import DEMO_AS_OF, Database

MAX_EXAMPLES = 40

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20261123,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "operations": [
            {
                # A lease or a ledger line obeys rules between its fields that JSON Schema cannot state
                # (a lease ends after it starts; a charge is positive and a payment negative; a line
                # names only a payment of its own lease). Schema-valid bodies that break one are refused
                # with 422 and the rule in `detail`, which `positive_data_acceptance` must allow here.
                "include-method": "POST",
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]
                    }
                },
            }
        ],
    }
)
CONFIG.projects.override.checks.update(included_check_names=["all"])


class CurrentApp:
    """The ASGI app schemathesis calls, standing for the running test's app (each test has its own
    database). Lifespan events are acknowledged here: the test's TestClient runs the real ones."""

    app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        assert self.app is not None, "the api_app fixture sets the app"
        await self.app(scope, receive, send)


current = CurrentApp()
# The document does not depend on settings or data, so it is read once, without starting an app.
# (`schemathesis.pytest.from_fixture` would load it per test, but reads a pytest attribute that pytest
# 9.2 no longer has.)
schema = schemathesis.openapi.from_dict(create_app().openapi(), config=CONFIG)
schema.app = current


@pytest.fixture
def api_app(demo_db: Database) -> Iterator[FastAPI]:
    """The app on a fresh copy of the demo database, with a staff token and "today" fixed."""
    settings = demo_db.settings.model_copy(update={"DOORSTEP_API_TOKEN": SecretStr(TOKEN)})
    app = create_app(settings)
    app.dependency_overrides[get_today] = lambda: DEMO_AS_OF
    with TestClient(app):  # runs the lifespan: engine and sessions
        current.app = app
        yield app
        current.app = None


@schema.parametrize()
# One app and database per operation, shared by its generated requests on purpose: what one request
# writes (a lease, a ledger line) is there for the next, as on a live server.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api_answers_as_its_openapi_document_says(case: schemathesis.Case, api_app: FastAPI) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"})
