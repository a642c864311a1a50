"""The inbox over HTTP and its live socket: signing in and out, throttling, CSRF, roles, the page, and
notices that reach /ws/inbox the moment something changes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy import select
from starlette.websockets import WebSocketDisconnect

from agents.plan_review.graph import build_review_graph
from app.accounts import find_resident
from app.channels.broker import INBOX_TOPIC, LocalBroker
from app.deps import get_today
from app.main import create_app
from app.models import AuditRecord, PaymentPlan, StaffSession
from app.payment_plans import record_proposal
from app.staff import create_staff, token_digest
from tests.channels.test_inbox import make_escalation
from tests.support.databases import DEMO_AS_OF, Database

PASSWORD = "correct horse battery"
ORIGIN = {"Origin": "http://testserver"}


@dataclass
class Inbox:
    client: TestClient
    db: Database


@pytest.fixture
def inbox(demo_db: Database) -> Iterator[Inbox]:
    with demo_db.sessions.begin() as session:
        for email, role, name in (
            ("agent@example.com", "agent", "Jordan Ellis"),
            ("manager@example.com", "manager", "Denise Alvarado"),
            ("admin@example.com", "admin", "Ops Admin"),
        ):
            create_staff(session, email=email, role=role, password=PASSWORD, name=name, actor="test")
    app = create_app(demo_db.settings, today=lambda: DEMO_AS_OF)
    app.dependency_overrides[get_today] = lambda: DEMO_AS_OF
    with TestClient(app) as client:
        if getattr(app.state, "broker", None) is None:
            app.state.broker = LocalBroker()
        app.state.review_graph = build_review_graph(checkpointer=InMemorySaver())
        yield Inbox(client, demo_db)


def _login(client: TestClient, email: str = "agent@example.com") -> str:
    response = client.post("/inbox/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return str(response.json()["csrf_token"])


def test_signing_in_sets_a_strict_httponly_cookie_and_signing_out_revokes_it(inbox: Inbox) -> None:
    client = inbox.client
    assert client.get("/inbox/api/me").status_code == 401
    response = client.post("/inbox/login", json={"email": "Agent@Example.com", "password": PASSWORD})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert "doorstep_staff=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain http here; over https the cookie is Secure
    token = client.cookies["doorstep_staff"]
    with inbox.db.sessions() as session:
        stored = session.get(StaffSession, token_digest(token))
        assert stored is not None and not stored.revoked
        assert session.get(StaffSession, token) is None  # the token itself is never stored
    me = client.get("/inbox/api/me").json()
    assert me["staff"]["name"] == "Jordan Ellis" and me["permissions"] == ["conversations"]
    csrf = me["csrf_token"]
    assert client.post("/inbox/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.set("doorstep_staff", token)  # a copy of the old cookie opens nothing
    assert client.get("/inbox/api/me").status_code == 401


def test_a_wrong_password_is_refused_and_repeated_failures_are_throttled(inbox: Inbox) -> None:
    client = inbox.client
    for _ in range(5):
        wrong = client.post(
            "/inbox/login", json={"email": "agent@example.com", "password": "not the password"}
        )
        assert wrong.status_code == 401 and wrong.json()["detail"] == "wrong email or password"
    unknown = client.post("/inbox/login", json={"email": "nobody@example.com", "password": PASSWORD})
    assert unknown.status_code == 401 and unknown.json()["detail"] == "wrong email or password"
    throttled = client.post("/inbox/login", json={"email": "agent@example.com", "password": PASSWORD})
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert "doorstep_staff" not in client.cookies
    # Another account from the same address still signs in (the per-address limit is higher).
    assert (
        client.post("/inbox/login", json={"email": "manager@example.com", "password": PASSWORD}).status_code
        == 200
    )
    with inbox.db.sessions() as session:
        failed = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "staff.sign_in_failed")
        ).all()
        assert len(failed) == 6


def test_state_changing_requests_without_the_right_csrf_token_are_refused(inbox: Inbox) -> None:
    client = inbox.client
    csrf = _login(client)
    conversation_id, _ = make_escalation(inbox.db, "disputed")
    path = f"/inbox/api/conversations/{conversation_id}/take-over"
    assert client.post(path).status_code == 403
    wrong = ("y" if csrf[0] == "x" else "x") + csrf[1:]  # one character off (never the token itself)
    assert client.post(path, headers={"X-CSRF-Token": wrong}).status_code == 403
    other_site = {"X-CSRF-Token": csrf, "Origin": "https://evil.example"}
    assert client.post(path, headers=other_site).status_code == 403
    view = client.get(f"/inbox/api/conversations/{conversation_id}").json()
    assert view["owner"] == "waiting"  # nothing happened
    taken = client.post(path, headers={"X-CSRF-Token": csrf, **ORIGIN})
    assert taken.status_code == 200 and taken.json()["owner"] == "staff"
    # A plain HTML form may carry the token as a field instead.
    out = client.post("/inbox/logout", data={"csrf_token": csrf})
    assert out.status_code == 204 and client.get("/inbox/api/me").status_code == 401


def test_roles_decide_who_may_approve_plans_and_manage_staff(inbox: Inbox) -> None:
    client = inbox.client
    new = {"email": "new@example.com", "name": "New Person", "role": "agent", "password": PASSWORD}
    csrf = _login(client, "agent@example.com")
    assert client.get("/inbox/api/queue").status_code == 200
    assert client.get("/inbox/api/approvals").status_code == 403
    assert (
        client.post(
            "/inbox/api/approvals/payment_plan/1", json={"action": "approve"}, headers={"X-CSRF-Token": csrf}
        ).status_code
        == 403
    )
    assert client.post("/inbox/api/staff", json=new, headers={"X-CSRF-Token": csrf}).status_code == 403
    csrf = _login(client, "manager@example.com")
    assert client.get("/inbox/api/approvals").status_code == 200
    assert client.post("/inbox/api/staff", json=new, headers={"X-CSRF-Token": csrf}).status_code == 403
    csrf = _login(client, "admin@example.com")
    made = client.post("/inbox/api/staff", json=new, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201 and made.json()["name"] == "New Person"
    assert (
        client.post("/inbox/login", json={"email": "new@example.com", "password": PASSWORD}).status_code
        == 200
    )


def test_a_manager_approves_a_plan_from_the_queue_as_themselves(inbox: Inbox) -> None:
    client, db = inbox.client, inbox.db
    conversation_id, _ = make_escalation(db, "delinquent")
    with db.sessions.begin() as session:
        resident = find_resident(session, db.report.personas["delinquent"])  # type: ignore[union-attr]
        plan = record_proposal(
            session,
            lease_id=resident.leases[0].lease_id,
            conversation_id=conversation_id,
            today=DEMO_AS_OF,
            parts=[(DEMO_AS_OF + timedelta(days=3), 500_00), (DEMO_AS_OF + timedelta(days=17), 500_00)],
            proposed_by="assistant",
            note="two parts",
        )
        plan_id = plan.id
    csrf = _login(client, "manager@example.com")
    assert [i["id"] for i in client.get("/inbox/api/approvals").json()] == [plan_id]
    decided = client.post(
        f"/inbox/api/approvals/payment_plan/{plan_id}",
        json={"action": "approve"},
        headers={"X-CSRF-Token": csrf},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "active"
    manager_id = client.get("/inbox/api/me").json()["staff"]["id"]
    with db.sessions() as session:
        assert session.get(PaymentPlan, plan_id).decided_by == f"staff:{manager_id}"  # type: ignore[union-attr]


def test_replying_over_http_puts_the_reply_in_the_transcript_and_the_export(inbox: Inbox) -> None:
    client = inbox.client
    csrf = _login(client)
    conversation_id, escalation_id = make_escalation(inbox.db, "disputed")
    reply = client.post(
        f"/inbox/api/conversations/{conversation_id}/reply",
        json={"text": "Hi, checking the fee now."},
        headers={"X-CSRF-Token": csrf},
    )
    assert reply.status_code == 200 and reply.json()["owner"] == "staff"
    assert (
        client.post(
            f"/inbox/api/conversations/{conversation_id}/reply",
            json={"text": "\u202eevil"},
            headers={"X-CSRF-Token": csrf},
        ).status_code
        == 422
    )
    view = client.get(f"/inbox/api/conversations/{conversation_id}").json()
    assert view["events"][-1] == {**view["events"][-1], "role": "staff", "text": "Hi, checking the fee now."}
    assert view["events"][-1]["seq"] == reply.json()["seq"]
    exported = client.get(f"/inbox/api/conversations/{conversation_id}/export?format=text")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    assert "Staff (Jordan Ellis): Hi, checking the fee now." in exported.text
    resolved = client.post(
        f"/inbox/api/escalations/{escalation_id}/resolve",
        json={"note": "Explained the fee."},
        headers={"X-CSRF-Token": csrf},
    )
    assert resolved.status_code == 200 and resolved.json()["owner"] == "assistant"


def test_the_page_is_served_with_its_own_assets_and_no_cdn(inbox: Inbox) -> None:
    page = inbox.client.get("/inbox")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    assert '<script src="/assets/inbox.js" defer></script>' in page.text
    assert "http://" not in page.text and "https://" not in page.text
    for asset in ("/assets/inbox.js", "/assets/inbox.css"):
        served = inbox.client.get(asset)
        assert served.status_code == 200 and "http" not in served.text.replace("https:", "").replace(
            "http-", ""
        )


def test_the_socket_needs_a_session_and_this_sites_origin(inbox: Inbox) -> None:
    client = inbox.client
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws/inbox", headers=ORIGIN):
        pass
    assert refused.value.code == 4401
    _login(client)
    with (
        pytest.raises(WebSocketDisconnect) as foreign,
        client.websocket_connect("/ws/inbox", headers={"Origin": "https://evil.example"}),
    ):
        pass
    assert foreign.value.code == 4403


def test_the_socket_sends_the_queue_again_when_an_escalation_arrives(inbox: Inbox) -> None:
    client = inbox.client
    _login(client)
    with client.websocket_connect("/ws/inbox", headers=ORIGIN) as socket:
        first = socket.receive_json()
        assert first["type"] == "queue"
        _, escalation_id = make_escalation(inbox.db, "disputed", text="can i talk to someone")
        broker = client.app.state.broker  # type: ignore[attr-defined]
        assert client.portal is not None
        client.portal.call(broker.publish, INBOX_TOPIC, {"queue": True})  # what a channel does on escalating
        frame = socket.receive_json()
        assert frame["type"] == "queue"
        assert escalation_id in [i["escalation_id"] for i in frame["items"]]
        assert escalation_id not in [i["escalation_id"] for i in first["items"]]


def test_a_staff_reply_reaches_an_open_conversation_on_the_socket_at_once(inbox: Inbox) -> None:
    client = inbox.client
    csrf = _login(client)
    conversation_id, _ = make_escalation(inbox.db, "disputed")
    last_seq = client.get(f"/inbox/api/conversations/{conversation_id}").json()["last_seq"]
    with client.websocket_connect("/ws/inbox", headers=ORIGIN) as socket:
        assert socket.receive_json()["type"] == "queue"
        socket.send_json({"type": "open", "conversation_id": conversation_id, "after_seq": last_seq})
        assert socket.receive_json() == {
            "type": "events",
            "conversation_id": conversation_id,
            "owner": "waiting",
            "last_seq": last_seq,
            "events": [],
        }
        sent = client.post(
            f"/inbox/api/conversations/{conversation_id}/reply",
            json={"text": "On it."},
            headers={"X-CSRF-Token": csrf},
        ).json()
        frames = [socket.receive_json(), socket.receive_json()]
        events = next(f for f in frames if f["type"] == "events")
        assert events["owner"] == "staff" and events["last_seq"] == sent["seq"]
        assert [e["text"] for e in events["events"]] == ["Jordan Ellis took over the conversation", "On it."]
        assert any(f["type"] == "queue" for f in frames)
