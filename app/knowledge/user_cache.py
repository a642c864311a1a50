"""The per-user directory for files Doorstep derives from what it ships (tokenizer tables, models)."""

from __future__ import annotations

import os
from pathlib import Path


def doorstep_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/doorstep`, by default `~/.cache/doorstep`: per user, never a shared temp directory."""
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "doorstep"
