"""How much of a file ingest will read, inflate or extract: every cap in one place.

A document folder is input from people we do not control (a vendor's lease template, a forwarded
policy), so each stage that can grow a file is bounded before it runs: the bytes read from disk, the
bytes a Word package inflates to, the pages and the text a PDF yields. A file over a cap is refused
with a reason in the ingest report, like any other file that cannot be used; the index is untouched.

The numbers are far above any real resident document (a lease is 10-40 pages, a handbook rarely 200,
a Word file with photos a few MB) and far below what hurts a small server: the largest file ingest
accepts costs tens of MB of memory while it is parsed.
"""

from __future__ import annotations

MB = 1024 * 1024

MAX_TEXT_FILE_BYTES = 10 * MB
"""Plain text and Markdown on disk: 10 MB is some 5,000 pages of prose."""

MAX_PDF_FILE_BYTES = 100 * MB
"""A PDF on disk. Generous, because scanned images and embedded fonts make honest PDFs large."""

MAX_PDF_PAGES = 2_000
"""Pages in one PDF, checked before any text is extracted."""

MAX_DOCX_FILE_BYTES = 50 * MB
"""A .docx on disk (compressed, so never more than it inflates to)."""

MAX_DOCX_UNCOMPRESSED_BYTES = 50 * MB
"""All the parts of a .docx inflated together, by their declared sizes and again while reading them
(declared sizes can lie). A 447 kB zip bomb that inflates to 1.18 GB stops here."""

MAX_DOCX_PARTS = 2_000
"""Files inside one .docx package; Word writes a few dozen, plus one per embedded image."""

MAX_DOCX_DIRECTORY_BYTES = 2 * MB
"""The table of contents of a .docx (the zip's central directory), read before any of it is parsed: an
entry is 46 bytes plus its name, so 2 MB lists well over `MAX_DOCX_PARTS` parts with long names, while
parsing a 50 MB table of 500,000 empty parts took 12 s and 300 MB before the count could be checked."""

MAX_COMPRESSION_RATIO = 200
"""Inflated size over compressed size for one part of a .docx. Word's own XML compresses up to about
30 times (its style sheets), a very repetitive table perhaps 100, images not at all; a zip bomb's
parts inflate about 1,000 times."""

COMPRESSION_RATIO_FLOOR_BYTES = 1 * MB
"""Parts smaller than this inflated are not ratio-checked: a tiny part can compress very well and
cannot hurt."""

MAX_TEXT_CHARS = 10_000_000
"""Characters of text extracted from one document of any format (PDF pages are counted as they are
extracted, so a page that inflates to megabytes of text stops the file early)."""


def too_large(size: int, limit: int) -> str:
    """The reason a file over a size cap is refused."""
    return f"file too large: {size / MB:,.1f} MB, over the {limit / MB:,.0f} MB limit for this type of file"


def too_much_text(chars: int) -> str:
    """The reason a document that yields more than `MAX_TEXT_CHARS` characters is refused."""
    return f"too much text: at least {chars:,} characters, over the limit of {MAX_TEXT_CHARS:,}"


__all__ = [
    "COMPRESSION_RATIO_FLOOR_BYTES",
    "MAX_COMPRESSION_RATIO",
    "MAX_DOCX_DIRECTORY_BYTES",
    "MAX_DOCX_FILE_BYTES",
    "MAX_DOCX_PARTS",
    "MAX_DOCX_UNCOMPRESSED_BYTES",
    "MAX_PDF_FILE_BYTES",
    "MAX_PDF_PAGES",
    "MAX_TEXT_CHARS",
    "MAX_TEXT_FILE_BYTES",
    "MB",
    "too_large",
    "too_much_text",
]
