"""Pages and their assets: HTML templates (string.Template, every value escaped) and static files served
as they are at /assets (no framework, no build step)."""

from __future__ import annotations

import html
from pathlib import Path
from string import Template

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def render(name: str, /, **values: str) -> str:
    """`templates/<name>` with `$placeholders` filled, each value HTML-escaped; `raw_*` values are not
    (they are HTML the caller built from escaped parts)."""
    template = Template((TEMPLATES / name).read_text(encoding="utf-8"))
    escaped = {k: v if k.startswith("raw_") else html.escape(v, quote=True) for k, v in values.items()}
    return template.substitute(escaped)
