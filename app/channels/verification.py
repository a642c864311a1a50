"""Proving that whoever texts from a resident's number holds that phone, before any account detail goes to it.

Why a one-time code, and why to the same number: a resident is found by the number that texts in, but the
sender number of an inbound SMS can be forged on some routes. A code sent *out* to the number on file
reaches the real handset, whoever claimed it, so replying with it proves possession of the phone. A
knowledge check (unit number and last name) was rejected: neighbours, roommates and anyone holding a
piece of post know both, and it proves nothing about the phone the balance is about to be sent to.

The rules, each a constant below:

- a code is 6 random digits (`secrets`), valid 10 minutes; only an HMAC-SHA256 of it is stored, keyed by
  a secret outside the database and bound to the phone and the resident, so a database reader can
  neither read a code nor reuse a hash for another number;
- one code at a time: messages while a code is live do not send another (no SMS-pumping by a forger);
- 5 wrong codes in a row lock the number for an hour (the live code is discarded): with replies going to
  the real handset, a forger guesses blind at 5 tries an hour;
- a verification belongs to (phone, resident): if the number on file moves to another resident, or is
  removed, the old one no longer counts; and it lapses after 180 days, so a number that changed hands
  (carriers recycle them) proves itself again.

Everything works in the caller's transaction, with "now" passed in.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import SmsVerification

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
LOCKOUT = timedelta(hours=1)
VERIFIED_FOR = timedelta(days=180)
_CODE = re.compile(r"^\s*(\d{3})[\s-]?(\d{3})\s*\.?\s*$")


@dataclass(frozen=True, slots=True)
class Challenge:
    """What the resident should be told: a new code to send (`code` set), a code already on its way,
    or a locked number (until `until`)."""

    state: Literal["new_code", "code_pending", "locked"]
    code: str | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    """The outcome of a message that looked like a code."""

    state: Literal["verified", "wrong", "locked", "no_code"]
    tries_left: int = 0
    until: datetime | None = None


def derive_key(secret: bytes) -> bytes:
    """The code-hashing key, derived from an installation secret so the two are never the same bytes."""
    return hmac.new(secret, b"doorstep/sms-verification/v1", hashlib.sha256).digest()


def code_hash(key: bytes, *, phone: str, resident_id: int, code: str) -> str:
    return hmac.new(key, f"{phone}|{resident_id}|{code}".encode(), hashlib.sha256).hexdigest()


def as_code(text: str) -> str | None:
    """The 6-digit code a message holds ("123456", "123 456", "123-456"), else None."""
    match = _CODE.match(text)
    return match.group(1) + match.group(2) if match else None


def is_verified(session: Session, *, phone: str, resident_id: int, now: datetime) -> bool:
    row = session.get(SmsVerification, phone)
    return (
        row is not None
        and row.resident_id == resident_id
        and row.verified_at is not None
        and _aware(row.verified_at) + VERIFIED_FOR > now
    )


def challenge(session: Session, *, phone: str, resident_id: int, key: bytes, now: datetime) -> Challenge:
    """Issue a code for `phone` unless one is live or the number is locked."""
    row = _row(session, phone, resident_id)
    expires = _aware(row.code_expires_at) if row.code_expires_at else None
    if expires is not None and expires > now:
        if row.code_hash is None:
            return Challenge("locked", until=expires)
        return Challenge("code_pending")
    if row.code_hash is None and row.attempts >= MAX_ATTEMPTS:  # a lockout that has run out
        row.attempts = 0
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row.code_hash = code_hash(key, phone=phone, resident_id=resident_id, code=code)
    row.code_expires_at = now + CODE_TTL
    session.flush()
    return Challenge("new_code", code=code)


def attempt(
    session: Session, *, phone: str, resident_id: int, code: str, key: bytes, now: datetime
) -> Attempt:
    """Check a code the resident sent back."""
    row = _row(session, phone, resident_id)
    expires = _aware(row.code_expires_at) if row.code_expires_at else None
    if row.code_hash is None or expires is None or expires <= now:
        if row.code_hash is None and expires is not None and expires > now:
            return Attempt("locked", until=expires)
        return Attempt("no_code")
    expected = code_hash(key, phone=phone, resident_id=resident_id, code=code)
    if hmac.compare_digest(expected, row.code_hash):
        row.verified_at, row.code_hash, row.code_expires_at, row.attempts = now, None, None, 0
        session.flush()
        return Attempt("verified")
    row.attempts += 1
    if row.attempts >= MAX_ATTEMPTS:
        row.code_hash, row.code_expires_at = None, now + LOCKOUT
        session.flush()
        return Attempt("locked", until=row.code_expires_at)
    session.flush()
    return Attempt("wrong", tries_left=MAX_ATTEMPTS - row.attempts)


def _row(session: Session, phone: str, resident_id: int) -> SmsVerification:
    """The number's row, locked for this transaction; reset when it was another resident's."""
    for _ in range(3):
        row = session.get(SmsVerification, phone, with_for_update=True, populate_existing=True)
        if row is not None:
            if row.resident_id != resident_id:
                row.resident_id, row.verified_at, row.code_hash = resident_id, None, None
                row.code_expires_at, row.attempts = None, 0
                session.flush()
            return row
        try:
            with session.begin_nested():
                row = SmsVerification(phone=phone, resident_id=resident_id, attempts=0)
                session.add(row)
            return row
        except IntegrityError:  # another message from the number created it first
            continue
    raise RuntimeError(f"could not lock the verification of {phone}")  # pragma: no cover


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for what was stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
