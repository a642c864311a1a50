"""Staff accounts: argon2 passwords, sessions stored only as digests, expiry, throttling, roles, the CLI
and the demo logins."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import app
from app.config import get_settings
from app.demo.seed import DEMO_STAFF_PASSWORD, ensure_demo_logins
from app.errors import Conflict, InvalidInput
from app.models import StaffSession, StaffUser
from app.staff import (
    LoginFailed,
    LoginThrottle,
    Throttled,
    create_staff,
    identity,
    session_for_token,
    sign_in,
    sign_out,
    token_digest,
)
from tests.support.databases import TEST_AUDIT_KEY, Database

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
PASSWORD = "a long enough password"


def test_only_the_right_password_signs_in_and_the_hash_is_argon2(db: Database) -> None:
    with db.sessions.begin() as session:
        user = create_staff(session, email="Jo@Example.com", role="agent", password=PASSWORD, actor="test")
        assert user.email == "jo@example.com" and user.name == "jo"
        assert (
            user.password_hash
            and user.password_hash.startswith("$argon2id$")
            and PASSWORD not in user.password_hash
        )
    with db.sessions.begin() as session:
        signed = sign_in(session, email="jo@example.com", password=PASSWORD, now=NOW)
        assert signed.staff.role == "agent"
        for email, password in (
            ("jo@example.com", "a long enough passwore"),
            ("nobody@example.com", PASSWORD),
        ):
            with pytest.raises(LoginFailed, match="wrong email or password"):
                sign_in(session, email=email, password=password, now=NOW)
    with db.sessions.begin() as session, pytest.raises(Conflict, match="already has a staff account"):
        create_staff(session, email="jo@example.com", role="agent", password=PASSWORD, actor="test")
    with db.sessions.begin() as session, pytest.raises(InvalidInput, match="at least 12"):
        create_staff(session, email="short@example.com", role="agent", password="short", actor="test")


def test_a_session_lives_until_it_expires_or_is_signed_out(db: Database) -> None:
    with db.sessions.begin() as session:
        create_staff(session, email="jo@example.com", role="manager", password=PASSWORD, actor="test")
        signed = sign_in(session, email="jo@example.com", password=PASSWORD, now=NOW)
    with db.sessions.begin() as session:
        assert session.get(StaffSession, signed.token) is None  # only the digest is stored
        live = session_for_token(session, signed.token, now=NOW + timedelta(hours=1))
        assert live is not None and live.id == token_digest(signed.token) and live.staff.can("approvals")
        assert session_for_token(session, signed.token, now=NOW + timedelta(hours=13)) is None
        assert session_for_token(session, "forged", now=NOW) is None
        sign_out(session, session_id=live.id, staff=live.staff)
    with db.sessions() as session:
        assert session_for_token(session, signed.token, now=NOW + timedelta(hours=1)) is None


def test_a_disabled_account_can_no_longer_sign_in_or_use_its_session(db: Database) -> None:
    with db.sessions.begin() as session:
        user = create_staff(session, email="jo@example.com", role="agent", password=PASSWORD, actor="test")
        signed = sign_in(session, email="jo@example.com", password=PASSWORD, now=NOW)
        user.active = False
    with db.sessions.begin() as session:
        assert session_for_token(session, signed.token, now=NOW) is None
        with pytest.raises(LoginFailed):
            sign_in(session, email="jo@example.com", password=PASSWORD, now=NOW)


def test_the_throttle_stops_guessing_per_email_and_per_address_then_forgets() -> None:
    clock = [0.0]
    throttle = LoginThrottle(per_email=3, per_client=5, window_seconds=60, clock=lambda: clock[0])
    for _ in range(3):
        throttle.check(email="jo@example.com", client="10.0.0.1")
        throttle.failed(email="jo@example.com", client="10.0.0.1")
    with pytest.raises(Throttled) as refused:
        throttle.check(email="JO@example.com", client="10.0.0.9")
    assert 0 < refused.value.retry_after <= 61
    throttle.check(email="sam@example.com", client="10.0.0.1")
    for _ in range(2):
        throttle.failed(email="sam@example.com", client="10.0.0.1")
    with pytest.raises(Throttled):
        throttle.check(email="third@example.com", client="10.0.0.1")
    clock[0] = 61.0
    throttle.check(email="jo@example.com", client="10.0.0.1")


def test_roles_nest_agent_manager_admin() -> None:
    user = StaffUser(id=1, email="a@example.com", name="A", role="agent")
    agent = identity(user)
    manager = identity(StaffUser(id=2, email="m@example.com", name="M", role="manager"))
    admin = identity(StaffUser(id=3, email="d@example.com", name="D", role="admin"))
    assert (agent.can("conversations"), agent.can("approvals"), agent.can("staff")) == (True, False, False)
    assert (manager.can("approvals"), manager.can("staff")) == (True, False)
    assert admin.can("staff") and admin.actor == "staff:3"


def test_staff_add_reads_the_password_from_stdin(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db.settings.database_url)
    monkeypatch.setenv("DOORSTEP_AUDIT_KEY", TEST_AUDIT_KEY)
    get_settings.cache_clear()
    runner = CliRunner()
    args = [
        "staff",
        "add",
        "pat@example.com",
        "--role",
        "manager",
        "--name",
        "Pat Lee",
        "--password-stdin",
        "--json",
    ]
    made = runner.invoke(app, args, input=PASSWORD + "\n")
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout) == {
        "id": json.loads(made.stdout)["id"],
        "email": "pat@example.com",
        "name": "Pat Lee",
        "role": "manager",
        "active": True,
        "can_sign_in": True,
    }
    with db.sessions.begin() as session:
        assert sign_in(session, email="pat@example.com", password=PASSWORD, now=NOW).staff.name == "Pat Lee"
    again = runner.invoke(app, args, input=PASSWORD + "\n")
    assert again.exit_code == 2 and "already has a staff account" in again.output
    bad_role = runner.invoke(
        app, ["staff", "add", "x@example.com", "--role", "owner", "--password-stdin"], input=PASSWORD
    )
    assert bad_role.exit_code == 2 and "role must be one of" in bad_role.output
    no_stdin = runner.invoke(app, ["staff", "add", "y@example.com", "--role", "agent"])
    assert no_stdin.exit_code == 2 and "--password-stdin" in no_stdin.output


def test_the_demo_staff_sign_in_with_the_documented_password_but_never_in_production(
    demo_db: Database,
) -> None:
    with demo_db.sessions.begin() as session:
        logins = ensure_demo_logins(session, environment="test")
    assert ("collections@doorstep.example.com", "Jordan Ellis", "agent") in logins and len(logins) == 6
    with demo_db.sessions.begin() as session:
        signed = sign_in(
            session, email="collections@doorstep.example.com", password=DEMO_STAFF_PASSWORD, now=NOW
        )
        assert signed.staff.name == "Jordan Ellis"
        assert session.scalars(select(StaffUser).where(StaffUser.password_hash.is_(None))).all() == []
    with demo_db.sessions.begin() as session, pytest.raises(Conflict, match="never set in production"):
        ensure_demo_logins(session, environment="production")
