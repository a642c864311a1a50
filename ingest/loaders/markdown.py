"""Markdown: headings kept as `#` lines for section detection; links, emphasis and HTML made plain."""

from __future__ import annotations

import re

from ingest.document import LoadedDocument, Page
from ingest.loaders.text import decode_text

_FRONT_MATTER = re.compile(r"\A---\n(?P<body>.*?)\n---\n", re.DOTALL)
_FRONT_TITLE = re.compile(r"^title:\s*['\"]?(?P<title>.+?)['\"]?\s*$", re.MULTILINE)
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
_SETEXT = re.compile(r"^(?P<text>[^\n#>\-*].*)\n(?P<rule>=+|-+)\s*$", re.MULTILINE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)[^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|\*|`|(?<!\w)__|(?<!\w)_)(?=\S)(.+?)(?<=\S)\1(?!\w)")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")


def _plain(text: str) -> str:
    text = _COMMENT.sub("", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(lambda m: m[1] if m[1] == m[2] else f"{m[1]} ({m[2]})", text)
    text = _EMPHASIS.sub(r"\2", text)
    return _TAG.sub("", text)


def load_markdown(data: bytes) -> LoadedDocument:
    """One page (Markdown has none); the title is the front matter's `title:` or the first `#` heading."""
    text = decode_text(data).replace("\r\n", "\n")
    title: str | None = None
    if front := _FRONT_MATTER.match(text):
        if found := _FRONT_TITLE.search(front["body"]):
            title = found["title"]
        text = text[front.end() :]
    text = _SETEXT.sub(lambda m: f"{'#' if m['rule'][0] == '=' else '##'} {m['text']}", text)
    text = _plain(text)
    headings = _HEADING.findall(text)
    if title is None:
        title = next((heading for marks, heading in headings if len(marks) == 1), None)
    return LoadedDocument(
        format="markdown", pages=[Page(1, text)], title=title, declares_headings=bool(headings)
    )
