"""Secrets kept outside the database. The audit key signs the audit log, so it must not live beside it:
someone who can rewrite rows must not also be able to re-sign them. The chat secret signs the tokens a
portal mints for its residents.

Production reads `DOORSTEP_AUDIT_KEY` and `DOORSTEP_CHAT_SECRET` from the environment (every process of
an installation shares them). Development and tests may leave them unset: a random key is then made once
in the data directory (`audit.key`, `chat.key`, readable by their owner only) and reused.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from app.config import Settings
from app.errors import ConfigurationError

KEY_FILE = "audit.key"
CHAT_KEY_FILE = "chat.key"
MIN_KEY_CHARS = 32


def audit_key(settings: Settings) -> bytes:
    """The audit log's HMAC key for this installation."""
    if settings.DOORSTEP_AUDIT_KEY is not None:
        return settings.DOORSTEP_AUDIT_KEY.get_secret_value().encode()
    return _key_file(settings.data_dir / KEY_FILE)


def chat_secret(settings: Settings) -> bytes:
    """The HS256 secret of resident chat tokens (what a portal's backend signs with)."""
    if settings.DOORSTEP_CHAT_SECRET is not None:
        return settings.DOORSTEP_CHAT_SECRET.get_secret_value().encode()
    return _key_file(settings.data_dir / CHAT_KEY_FILE)


def _key_file(path: Path) -> bytes:
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return _read(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return _read(path)


def _read(path: Path) -> bytes:
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"cannot read the key file {path}: {exc}") from exc
    if len(key) < MIN_KEY_CHARS:
        raise ConfigurationError(
            f"{path} holds no usable key ({MIN_KEY_CHARS}+ characters): restore the one it held, or set "
            "the key in the environment; remove the file only if nothing was signed with it yet"
        )
    return key.encode()
