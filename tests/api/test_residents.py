from __future__ import annotations

from fastapi.testclient import TestClient

from app.deps import get_today
from app.main import create_app
from tests.support.databases import DEMO_AS_OF, Database


def test_itemized_balance_for_a_demo_resident(api: TestClient, demo_db: Database) -> None:
    ref = demo_db.report.personas["delinquent"]  # type: ignore[union-attr]
    body = api.get(f"/api/residents/{ref}/balance").json()
    assert body["resident_ref"] == ref
    assert body["as_of"] == DEMO_AS_OF.isoformat()
    assert (
        body["total_cents"]
        == sum(c["open_cents"] for c in body["open_charges"]) - body["unapplied_credit_cents"]
    )
    assert sum(body["aging"].values()) == sum(c["open_cents"] for c in body["open_charges"])
    assert all(isinstance(c["open_cents"], int) for c in body["open_charges"])
    assert body["next_due"]["due_on"] > DEMO_AS_OF.isoformat()


def test_ledger_lines_sum_to_the_balance(api: TestClient, demo_db: Database) -> None:
    ref = demo_db.report.personas["nsf"]  # type: ignore[union-attr]
    lines = api.get(f"/api/residents/{ref}/ledger").json()
    balance = api.get(f"/api/residents/{ref}/balance").json()
    assert sum(e["amount_cents"] for e in lines if e["kind"] != "deposit") == balance["total_cents"]
    assert any(e["kind"] == "reversal" for e in lines)


def test_lease_terms_are_described_in_words(api: TestClient, demo_db: Database) -> None:
    ref = demo_db.report.personas["on_time:hudson-terrace"]  # type: ignore[union-attr]
    lease = api.get(f"/api/residents/{ref}/lease").json()
    assert lease["late_fee_rule"] == (
        "a late fee of 5% of monthly rent, at most $50.00, is charged if rent is not paid within 5 days "
        "of the "
        "due date ($50.00 on this rent)"
    )


def test_search_residents(api: TestClient) -> None:
    rows = api.get("/api/residents", params={"q": "R1000", "limit": 5}).json()
    assert len(rows) == 5 and all(r["ref"].startswith("R1000") for r in rows)


def test_unknown_resident_is_404_with_a_hint(api: TestClient) -> None:
    response = api.get("/api/residents/R99999/balance")
    assert response.status_code == 404
    assert "no resident matches 'R99999'" in response.json()["detail"]


def test_impossible_date_is_422(api: TestClient, demo_db: Database) -> None:
    ref = demo_db.report.personas["on_time"]  # type: ignore[union-attr]
    response = api.get(f"/api/residents/{ref}/balance", params={"as_of": "2026-02-30"})
    assert response.status_code == 422
    assert "as_of" in response.json()["detail"]


def test_wrong_token_is_refused(api: TestClient) -> None:
    response = api.get("/api/properties", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_without_a_token_only_loopback_clients_are_served(demo_db: Database) -> None:
    app = create_app(demo_db.settings)
    app.dependency_overrides[get_today] = lambda: DEMO_AS_OF
    with TestClient(app, client=("203.0.113.9", 4000)) as remote:
        assert remote.get("/api/properties").status_code == 403
        assert remote.get("/healthz").status_code == 200
    with TestClient(app, client=("127.0.0.1", 4000)) as local:
        assert [p["code"] for p in local.get("/api/properties").json()] == [
            "maple-court",
            "hudson-terrace",
            "aspen-ridge",
        ]


def test_an_unknown_query_parameter_is_refused_naming_it(api: TestClient) -> None:
    response = api.get("/api/residents", params={"limt": "5"})

    assert response.status_code == 422
    body = response.json()
    assert "limt" in str(body)
    assert "limit" in str(body)  # and what the operation does take
