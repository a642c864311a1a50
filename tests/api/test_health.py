from __future__ import annotations

from fastapi.testclient import TestClient

from app import migrate


def test_healthz_reports_the_schema(api: TestClient) -> None:
    response = api.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "schema": migrate.head_revision()}
