"""Links from a citation chip to the cited page of the document, for residents who are not signed in to
Doorstep: each link is signed (HMAC with the chat secret) and expires, so it opens only the document a
reply cited, only for a while, and nothing else in the documents folder."""

from __future__ import annotations

import hashlib
import hmac
import time
from pathlib import Path
from urllib.parse import quote, urlencode

LINK_TTL_SECONDS = 7 * 24 * 60 * 60


def _signature(secret: bytes, relative: str, expires: int) -> str:
    return hmac.new(secret, f"{relative}|{expires}".encode(), hashlib.sha256).hexdigest()


def citation_url(
    source: str | None, page: int | None, *, documents_dir: Path, secret: bytes, now: float | None = None
) -> str | None:
    """`/documents/<path>?exp=..&sig=..#page=N` for a document kept in the documents folder, else None
    (an operator's document elsewhere is cited by title and page, without a link)."""
    if not source:
        return None
    try:
        relative = Path(source).resolve().relative_to(documents_dir.resolve()).as_posix()
    except (ValueError, OSError):
        return None
    expires = int((time.time() if now is None else now) + LINK_TTL_SECONDS)
    query = urlencode({"exp": expires, "sig": _signature(secret, relative, expires)})
    anchor = f"#page={page}" if page else ""
    return f"/documents/{quote(relative)}?{query}{anchor}"


def verified_path(
    relative: str, *, exp: int, sig: str, documents_dir: Path, secret: bytes, now: float | None = None
) -> Path | None:
    """The file a signed link names, or None if the signature, the expiry or the path is wrong."""
    if exp < (time.time() if now is None else now):
        return None
    if not hmac.compare_digest(_signature(secret, relative, exp), sig):
        return None
    root = documents_dir.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path
