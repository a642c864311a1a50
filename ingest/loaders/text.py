"""Plain text: form feeds separate pages (as `pdftotext` writes them); otherwise one page."""

from __future__ import annotations

from ingest.document import LoadedDocument, LoadError, Page


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else Windows-1252, which most office tools write."""
    if b"\x00" in data:
        raise LoadError("binary file: this is not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def load_text(data: bytes) -> LoadedDocument:
    """One `Page` per form-feed-separated part of the file."""
    parts = decode_text(data).split("\f")
    return LoadedDocument(format="text", pages=[Page(number, part) for number, part in enumerate(parts, 1)])
