"""Helpers shared by the knowledge and ingest tests: document factories and the tiktoken cache pin."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter


def pinned_tiktoken_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point TIKTOKEN_CACHE_DIR at a session directory for the whole session, then restore it.

    `prepare_tiktoken_cache` keeps the first directory a process uses; pinning it here stops a
    per-test data directory from becoming that directory and outliving its test.
    """
    cache = tmp_path_factory.mktemp("tiktoken-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
        yield cache


def make_pdf(
    pages: list[str],
    *,
    title: str | None = None,
    header: str | None = None,
    footer: str | None = None,
) -> bytes:
    """A text PDF, one string per page (newlines kept), with optional running header and footer."""

    class _Pdf(FPDF):
        def header(self) -> None:
            if header:
                self.set_font("Helvetica", "I", 8)
                self.cell(0, 5, header, new_x="LMARGIN", new_y="NEXT")

        def footer(self) -> None:
            if footer:
                self.set_y(-15)
                self.set_font("Helvetica", "I", 8)
                self.cell(0, 5, f"{footer} Page {self.page_no()} of {{nb}}")

    pdf = _Pdf()
    if title:
        pdf.set_title(title)
    for text in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def make_image_only_pdf() -> bytes:
    """A PDF page with a drawn rectangle and no text at all: what a scan looks like to a parser."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_fill_color(120, 120, 120)
    pdf.rect(20, 20, 150, 200, style="F")
    return bytes(pdf.output())


def encrypt_pdf(data: bytes, password: str = "s3cret") -> bytes:
    """The same PDF, AES-256 encrypted with a user password."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(build: list[tuple[str, str]], *, title: str | None = None) -> bytes:
    """A .docx from (style, text) pairs; style "page-break" inserts a page break."""
    document = docx.Document()
    if title:
        document.core_properties.title = title
    for style, text in build:
        if style == "page-break":
            document.add_page_break()
        elif style.startswith("Heading"):
            document.add_heading(text, level=int(style.removeprefix("Heading ")))
        elif style == "table":
            rows = [row.split("|") for row in text.split("\n")]
            table = document.add_table(rows=0, cols=len(rows[0]))
            for row in rows:
                for cell, value in zip(table.add_row().cells, row, strict=True):
                    cell.text = value
        else:
            document.add_paragraph(text, style=style)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_zip(files: dict[str, str]) -> bytes:
    """A zip of arbitrary files (what a mislabelled .docx often is)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path
