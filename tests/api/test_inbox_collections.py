"""The inbox's payments, collections and digest JSON: signed in by the inbox cookie, agents read, managers
act, and the shapes the page reads. Every test runs on SQLite and PostgreSQL (`demo_db`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.collections.readiness import Readiness
from app.collections.run import run_collections
from app.db import transaction
from app.deps import get_today
from app.main import create_app
from app.payments.exceptions import open_exception
from app.staff import create_staff
from tests.support.databases import DEMO_AS_OF, Database

PASSWORD = "correct horse battery"
READS = ("/inbox/api/collections/readiness", "/inbox/api/collections/legal-queue", "/inbox/api/digest")


@pytest.fixture
def client(demo_db: Database) -> Iterator[TestClient]:
    with demo_db.sessions.begin() as session:
        create_staff(
            session, email="agent@example.com", role="agent", password=PASSWORD, name="Jordan", actor="t"
        )
        create_staff(
            session, email="manager@example.com", role="manager", password=PASSWORD, name="Denise", actor="t"
        )
    app = create_app(demo_db.settings, today=lambda: DEMO_AS_OF)
    app.dependency_overrides[get_today] = lambda: DEMO_AS_OF
    with TestClient(app) as client:
        yield client


def _login(client: TestClient, email: str) -> str:
    response = client.post("/inbox/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return str(response.json()["csrf_token"])


def test_every_collections_page_needs_the_inbox_session(client: TestClient) -> None:
    for path in (*READS, "/inbox/api/payments/exceptions"):
        assert client.get(path).status_code == 401, path


def test_readiness_before_any_run_is_empty_with_every_class_counted(client: TestClient) -> None:
    _login(client, "agent@example.com")
    body = client.get("/inbox/api/collections/readiness").json()
    view = body["readiness"]
    assert view["run_on"] is None and view["accounts"] == [] and view["changes"] == []
    assert set(view["counts"]) == {r.value for r in Readiness} and set(view["counts"].values()) == {0}
    assert body["risk"]["leases"] == []


def test_an_agent_reads_readiness_with_reasons_changes_and_risk(
    client: TestClient, demo_db: Database
) -> None:
    with transaction(demo_db.sessions) as session:
        run_collections(session, run_on=DEMO_AS_OF, today=DEMO_AS_OF, data_dir=demo_db.settings.data_dir)
    _login(client, "agent@example.com")
    response = client.get("/inbox/api/collections/readiness")
    assert response.status_code == 200, response.text
    body = response.json()
    view = body["readiness"]
    assert view["run_on"] == DEMO_AS_OF.isoformat() and view["previous_run_on"] is None
    accounts = view["accounts"]
    assert accounts and sum(view["counts"].values()) == len(accounts)
    for account in accounts:
        assert account["status"] in view["counts"] and account["reasons"], account
        assert {"code", "status", "detail"} <= set(account["reasons"][0])
    # The first run: every account entered.
    assert {c["change"] for c in view["changes"]} == {"entered"}
    assert len(view["changes"]) == len(accounts)
    risk = body["risk"]
    assert risk["available"] is True and "AUC" in risk["note"]
    shown = {a["lease_id"] for a in accounts}
    assert risk["leases"] and {r["lease_id"] for r in risk["leases"]} <= shown
    for lease in risk["leases"]:
        assert 0 <= lease["risk_bp"] <= 10_000 and lease["band"] in ("low", "medium", "high")
        assert lease["reasons"] and all(isinstance(r, str) for r in lease["reasons"])
    # One class only, and a bad class refused.
    some = accounts[0]["status"]
    only = client.get("/inbox/api/collections/readiness", params={"status": some}).json()
    assert {a["status"] for a in only["readiness"]["accounts"]} == {some}
    assert client.get("/inbox/api/collections/readiness", params={"status": "late"}).status_code == 422


def test_the_legal_queue_is_a_list_of_steps(client: TestClient, demo_db: Database) -> None:
    with transaction(demo_db.sessions) as session:
        run_collections(session, run_on=DEMO_AS_OF, today=DEMO_AS_OF, data_dir=demo_db.settings.data_dir)
    _login(client, "agent@example.com")
    response = client.get("/inbox/api/collections/legal-queue")
    assert response.status_code == 200
    for step in response.json():
        assert step["step"] == "legal_queue" and {"lease", "short_cents", "fired_on"} <= set(step)
    assert client.get("/inbox/api/collections/legal-queue", params={"limit": 0}).status_code == 422


def test_the_digest_per_property_has_buckets_fees_plans_slas_and_expected(client: TestClient) -> None:
    _login(client, "agent@example.com")
    response = client.get("/inbox/api/digest")
    assert response.status_code == 200, response.text
    everything = response.json()
    assert everything["as_of"] == DEMO_AS_OF.isoformat()
    codes = [p["code"] for p in everything["properties"]]
    assert len(codes) > 1 and everything["portfolio"] is not None
    first = everything["properties"][0]
    assert {"delinquency", "fees", "plans", "escalations", "expected"} <= set(first)
    buckets = first["delinquency"]["buckets"]
    assert buckets and sum(b["cents"] for b in buckets) == first["delinquency"]["total_cents"]
    one = client.get("/inbox/api/digest", params={"property": codes[0]}).json()
    assert [p["code"] for p in one["properties"]] == [codes[0]]
    assert one["properties"][0]["delinquency"] == first["delinquency"]
    assert client.get("/inbox/api/digest", params={"property": "no-such-place"}).status_code == 404
    assert client.get("/inbox/api/digest", params={"period_days": 0}).status_code == 422


def test_agents_read_payment_exceptions_and_only_managers_act_on_them(
    client: TestClient, demo_db: Database
) -> None:
    with demo_db.sessions.begin() as session:
        row = open_exception(
            session,
            kind="unmatched",
            key="pi_inbox_test",
            summary="a payment with no lease",
            amount_cents=5000,
        )
        session.flush()
        exception_id = row.id
    csrf = _login(client, "agent@example.com")
    listed = client.get("/inbox/api/payments/exceptions").json()
    assert [e["id"] for e in listed if e["summary"] == "a payment with no lease"] == [exception_id]
    refused = client.post(
        f"/inbox/api/payments/exceptions/{exception_id}/dismiss",
        json={"note": "duplicate"},
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status_code == 403
    client.cookies.clear()
    csrf = _login(client, "manager@example.com")
    path = f"/inbox/api/payments/exceptions/{exception_id}/dismiss"
    assert client.post(path, json={"note": "duplicate"}).status_code == 403  # no CSRF token
    done = client.post(path, json={"note": "duplicate"}, headers={"X-CSRF-Token": csrf})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "dismissed" and done.json()["resolution_note"] == "duplicate"
