"""Resident chat tokens: short-lived JWTs (HS256) that a portal's backend mints for its signed-in
resident with `DOORSTEP_CHAT_SECRET` (or `doorstep token mint`). The widget presents one in its hello.

Claims: `sub` the resident's reference (R10028), `aud` "doorstep-chat", `iat`, `exp`. Nothing else is
trusted: the resident is looked up again on every connection.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from pydantic import BaseModel

AUDIENCE = "doorstep-chat"
ALGORITHM = "HS256"
DEFAULT_TTL_SECONDS = 15 * 60
MAX_TTL_SECONDS = 24 * 60 * 60


class MintedToken(BaseModel):
    token: str
    expires_at: datetime


class TokenError(Exception):
    """A token that is missing, expired, forged or for something else: the connection closes with 4401."""


def mint(resident_ref: str, *, secret: bytes, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> MintedToken:
    if not 1 <= ttl_seconds <= MAX_TTL_SECONDS:
        raise ValueError(f"ttl must be 1 to {MAX_TTL_SECONDS} seconds")
    now = datetime.now(UTC).replace(microsecond=0)
    expires = now + timedelta(seconds=ttl_seconds)
    claims = {"sub": resident_ref, "aud": AUDIENCE, "iat": now, "exp": expires}
    return MintedToken(token=jwt.encode(claims, secret, algorithm=ALGORITHM), expires_at=expires)


def resident_ref(token: str | None, *, secret: bytes) -> str:
    """The resident reference a valid token names; TokenError otherwise."""
    if not token:
        raise TokenError("a chat token is required")
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["exp", "iat", "sub", "aud"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("the chat token has expired") from exc
    except jwt.InvalidTokenError as exc:
        raise TokenError("the chat token is not valid") from exc
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise TokenError("the chat token names no resident")
    return subject
