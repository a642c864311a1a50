"""Staff accounts and their browser sessions: passwords, sign-in, roles, CSRF, login throttling.

- Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's low-memory profile); a hash made
  with weaker parameters is upgraded at the next sign-in.
- A session is a random token in an HttpOnly, SameSite=Strict cookie (Secure over https). The database
  stores only its SHA-256, so a copy of the table signs nobody in. Sessions expire and logout revokes.
- Every state-changing request carries the session's CSRF token (header or form field), compared in
  constant time.
- Roles nest: agent (conversations, escalations), manager (also approvals), admin (also staff accounts).
- Sign-in failures are throttled per email and per client address.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import audit
from app.bounds import text_problem
from app.errors import Conflict, InvalidInput, NotFound
from app.models import StaffSession, StaffUser

Role = Literal["agent", "manager", "admin"]
Permission = Literal["conversations", "approvals", "staff"]
ROLES: tuple[Role, ...] = ("agent", "manager", "admin")
GRANTS: dict[Role, frozenset[Permission]] = {
    "agent": frozenset({"conversations"}),
    "manager": frozenset({"conversations", "approvals"}),
    "admin": frozenset({"conversations", "approvals", "staff"}),
}
SESSION_HOURS = 12
"""A staff session lasts a working day; signing in again starts a new one."""
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")

_hasher = PasswordHasher()
# Verified when the email is unknown, so a wrong email costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class LoginFailed(Exception):
    """Wrong email or password, or a disabled account: one message for all, so none is revealed."""

    def __init__(self) -> None:
        super().__init__("wrong email or password")


class Throttled(Exception):
    """Too many failed sign-ins; try again after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins: try again in {retry_after} seconds")
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class StaffIdentity:
    """The signed-in staff member, as every inbox action receives them."""

    id: int
    email: str
    name: str
    role: Role

    @property
    def actor(self) -> str:
        """How the audit log names them."""
        return f"staff:{self.id}"

    def can(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session: the cookie's token (shown once, never stored) and the CSRF token."""

    token: str
    csrf_token: str
    expires_at: datetime
    staff: StaffIdentity


def identity(user: StaffUser) -> StaffIdentity:
    return StaffIdentity(id=user.id, email=user.email, name=user.name, role=cast(Role, user.role))


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- passwords -----------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    if problem := password_problem(password):
        raise InvalidInput(problem)
    return _hasher.hash(password)


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_CHARS:
        return f"a staff password needs at least {MIN_PASSWORD_CHARS} characters"
    if len(password) > MAX_PASSWORD_CHARS:
        return f"a staff password has at most {MAX_PASSWORD_CHARS} characters"
    if any(ch in "\r\n\x00" for ch in password):
        return "a staff password is one line of text"
    return None


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --- accounts ------------------------------------------------------------------------------------


def normalize_email(email: str) -> str:
    text = email.strip().lower()
    if not _EMAIL.match(text) or len(text) > 200:
        raise InvalidInput(f"{email[:80]!r} is not an email address")
    return text


def create_staff(
    session: Session, *, email: str, role: str, password: str | None, name: str | None = None, actor: str
) -> StaffUser:
    """A new staff account (its password hashed), audited. Refuses an email already in use."""
    address = normalize_email(email)
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
    display = (name or address.split("@")[0]).strip()
    if not display or len(display) > 200 or (problem := text_problem(display)):
        raise InvalidInput(f"name: {problem if display else 'may not be empty'}")
    if session.scalars(select(StaffUser.id).where(StaffUser.email == address)).first() is not None:
        raise Conflict(f"{address} already has a staff account")
    user = StaffUser(
        email=address,
        name=display,
        role=role,
        password_hash=hash_password(password) if password is not None else None,
        active=True,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="staff.create",
        subject=f"staff:{user.id}",
        data={"email": address, "role": role, "password_set": password is not None},
    )
    return user


def set_password(session: Session, *, email: str, password: str, actor: str) -> StaffUser:
    """Replace a staff member's password and sign out every session they have."""
    user = staff_by_email(session, email)
    user.password_hash = hash_password(password)
    revoked = _revoke_all(session, user.id)
    audit.record(
        session,
        actor=actor,
        action="staff.password_set",
        subject=f"staff:{user.id}",
        data={"sessions_revoked": revoked},
    )
    return user


def staff_by_email(session: Session, email: str) -> StaffUser:
    address = normalize_email(email)
    user = session.scalars(select(StaffUser).where(StaffUser.email == address)).first()
    if user is None:
        raise NotFound(f"no staff account for {address}")
    return user


def list_staff(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.name, StaffUser.id)))


# --- sign-in and sessions ------------------------------------------------------------------------


def sign_in(session: Session, *, email: str, password: str, now: datetime, client: str = "-") -> SignedIn:
    """Check the password and open a session; LoginFailed (audited) when it does not check out."""
    try:
        address = normalize_email(email)
    except InvalidInput:
        address = None
    user = (
        session.scalars(select(StaffUser).where(StaffUser.email == address)).first()
        if address is not None
        else None
    )
    ok = verify_password(user.password_hash if user else None, password[:MAX_PASSWORD_CHARS])
    if user is None or not ok or not user.active:
        raise LoginFailed()
    if user.password_hash and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + timedelta(hours=SESSION_HOURS)
    session.add(StaffSession(id=token_digest(token), staff_id=user.id, csrf_token=csrf, expires_at=expires))
    session.flush()
    audit.record(
        session,
        actor=f"staff:{user.id}",
        action="staff.sign_in",
        subject=f"staff:{user.id}",
        data={"client": client},
    )
    return SignedIn(token=token, csrf_token=csrf, expires_at=expires, staff=identity(user))


def record_failed_sign_in(session: Session, *, email: str, client: str) -> None:
    """Audit a refused sign-in (in its own transaction: the failure itself changes nothing)."""
    audit.record(
        session,
        actor=f"client:{client}"[:100],
        action="staff.sign_in_failed",
        subject=f"email:{email.strip().lower()[:80]}",
        data={},
    )


@dataclass(frozen=True, slots=True)
class ActiveSession:
    id: str
    csrf_token: str
    expires_at: datetime
    staff: StaffIdentity


def session_for_token(session: Session, token: str | None, *, now: datetime) -> ActiveSession | None:
    """The live session a cookie's token opens, or None (unknown, revoked, expired, account disabled)."""
    if not token or len(token) > 200:
        return None
    row = session.execute(
        select(StaffSession, StaffUser)
        .join(StaffUser, StaffUser.id == StaffSession.staff_id)
        .where(StaffSession.id == token_digest(token))
    ).first()
    if row is None:
        return None
    stored, user = row
    if stored.revoked or not user.active or _aware(stored.expires_at) <= now:
        return None
    return ActiveSession(stored.id, stored.csrf_token, _aware(stored.expires_at), identity(user))


def sign_out(session: Session, *, session_id: str, staff: StaffIdentity) -> None:
    session.execute(update(StaffSession).where(StaffSession.id == session_id).values(revoked=True))
    audit.record(session, actor=staff.actor, action="staff.sign_out", subject=staff.actor, data={})


def _revoke_all(session: Session, staff_id: int) -> int:
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.staff_id == staff_id, StaffSession.revoked.is_(False))
        .values(revoked=True)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def csrf_ok(expected: str, given: str | None) -> bool:
    """Constant-time comparison of the session's CSRF token with the one a request carries."""
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- throttling ----------------------------------------------------------------------------------


class LoginThrottle:
    """Failed sign-ins per email and per client address in a sliding window. At the limit, further
    attempts are refused (without checking the password) until the oldest failure leaves the window.

    In memory, per process: with N workers an attacker gets N times the attempts, still a handful a
    minute against an argon2 hash. A success clears the email's failures."""

    def __init__(
        self,
        *,
        per_email: int = 5,
        per_client: int = 20,
        window_seconds: int = 15 * 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = {"email": per_email, "client": per_client}
        self.window = window_seconds
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _keys(self, email: str, client: str) -> list[tuple[str, str]]:
        return [("email", email.strip().lower()), ("client", client)]

    def check(self, *, email: str, client: str) -> None:
        """Raise Throttled when either key has reached its limit."""
        now = self.clock()
        with self._lock:
            for key in self._keys(email, client):
                failures = self._trim(key, now)
                if len(failures) >= self.limits[key[0]]:
                    raise Throttled(max(1, int(failures[0] + self.window - now) + 1))

    def failed(self, *, email: str, client: str) -> None:
        now = self.clock()
        with self._lock:
            for key in self._keys(email, client):
                self._trim(key, now).append(now)

    def succeeded(self, *, email: str) -> None:
        with self._lock:
            self._failures.pop(("email", email.strip().lower()), None)

    def _trim(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if len(self._failures) > 10_000:  # bound memory under a spray of addresses
            for stale in [k for k, v in self._failures.items() if not v and k != key]:
                del self._failures[stale]
        return failures
