"""The payment exceptions queue over HTTP, as the inbox signs staff in: agents read it, managers decide
(with the CSRF token), and a payment put on a lease posts exactly what its metadata would have."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from app import audit
from app.deps import get_today
from app.main import create_app
from app.models import AuditRecord, ProcessorCustomer
from app.staff import create_staff
from tests.payments.stripe_fakes import SECRET, Payment, signed
from tests.payments.support import RENT, TODAY, balance, ledger, make_households
from tests.support.databases import Database

PASSWORD = "correct horse battery"
ORIGIN = {"Origin": "http://testserver"}
QUEUE = "/inbox/api/payments/exceptions"


@dataclass
class Staffed:
    client: TestClient
    db: Database


@pytest.fixture
def staffed(db: Database) -> Iterator[Staffed]:
    with db.sessions.begin() as session:
        for email, role in (("agent@example.com", "agent"), ("manager@example.com", "manager")):
            create_staff(session, email=email, role=role, password=PASSWORD, name=role.title(), actor="test")
    app = create_app(
        db.settings.model_copy(update={"STRIPE_WEBHOOK_SECRET": SecretStr(SECRET), "DOORSTEP_TODAY": TODAY})
    )
    app.dependency_overrides[get_today] = lambda: TODAY
    with TestClient(app) as client:
        yield Staffed(client, db)


def login(client: TestClient, email: str) -> dict[str, str]:
    response = client.post("/inbox/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"], **ORIGIN}


def webhook(client: TestClient, evt: dict[str, object]) -> None:
    body, headers = signed(evt)
    assert client.post("/webhooks/stripe", content=body, headers=headers).status_code == 200


def test_staff_see_the_queue_and_a_manager_puts_a_payment_on_a_lease(staffed: Staffed) -> None:
    client, db = staffed.client, staffed.db
    (home,) = make_households(db, 1)
    first = Payment("pi_x", 600_00, customer="cus_unknown")
    webhook(client, first.processing())
    webhook(client, first.succeeded())
    assert client.get(QUEUE).status_code == 401

    agent = login(client, "agent@example.com")
    (row,) = client.get(QUEUE).json()
    assert (row["kind"], row["intent_ref"], row["amount_cents"], row["payment_status"]) == (
        "unmatched",
        "pi_x",
        600_00,
        "succeeded",
    )
    assign = f"{QUEUE}/{row['id']}/assign"
    assert (
        client.post(assign, json={"lease_ref": home.lease_ref}, headers=agent).status_code == 403
    )  # not a manager

    manager = login(client, "manager@example.com")
    assert (
        client.post(assign, json={"lease_ref": home.lease_ref}, headers=ORIGIN).status_code == 403
    )  # no CSRF
    assert client.post(assign, json={"lease_ref": "L00000"}, headers=manager).status_code == 404
    done = client.post(assign, json={"lease_ref": home.lease_ref}, headers=manager)
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["lease_ref"]) == ("resolved", home.lease_ref)
    assert client.post(assign, json={"lease_ref": home.lease_ref}, headers=manager).status_code == 409
    assert balance(db, home.lease_id) == RENT - 600_00
    assert [key for key, *_ in ledger(db, home.lease_id)] == ["payment"]
    assert client.get(QUEUE).json() == []

    # The customer is remembered: their next payment finds the lease by itself.
    webhook(client, Payment("pi_y", 900_00, customer="cus_unknown").succeeded())
    assert balance(db, home.lease_id) == 0
    with db.sessions() as s:
        assert s.scalar(select(ProcessorCustomer.lease_id)) == home.lease_id
        actions = s.scalars(select(AuditRecord.actor).where(AuditRecord.action == "payment.assign")).all()
        assert actions == ["staff:2"]
        assert audit.verify_chain(s).ok


def test_a_manager_dismisses_an_exception_and_maps_a_customer(staffed: Staffed) -> None:
    client, db = staffed.client, staffed.db
    homes = make_households(db, 2)
    webhook(client, Payment("pi_t", 1_00, customer="cus_test").succeeded())
    webhook(client, Payment("pi_r", 700_00, customer="cus_roommate").succeeded())
    manager = login(client, "manager@example.com")
    queue = {row["intent_ref"]: row["id"] for row in client.get(QUEUE).json()}
    dismissed = client.post(
        f"{QUEUE}/{queue['pi_t']}/dismiss", json={"note": "a test payment"}, headers=manager
    )
    assert (dismissed.json()["status"], dismissed.json()["resolution_note"]) == (
        "dismissed",
        "a test payment",
    )
    assert (
        client.post(f"{QUEUE}/{queue['pi_t']}/dismiss", json={"note": "again"}, headers=manager).status_code
        == 409
    )

    mapping = {"customer_ref": "cus_roommate", "resident_ref": homes[1].resident_ref}
    assert (
        client.post(
            "/inbox/api/payments/customers", json={"customer_ref": "cus_x"}, headers=manager
        ).status_code
        == 422
    )
    mapped = client.post("/inbox/api/payments/customers", json=mapping, headers=manager)
    assert mapped.json() == {
        "customer_ref": "cus_roommate",
        "lease_ref": None,
        "resident_ref": homes[1].resident_ref,
        "settled": 1,
    }
    assert balance(db, homes[1].lease_id) == RENT - 700_00
    assert client.get(QUEUE).json() == []
    everything = client.get(QUEUE, params={"status": "all"}).json()
    assert sorted(row["status"] for row in everything) == ["dismissed", "resolved"]
