"""Hostile files for the ingest tests: zip bombs that are small on disk, PDFs with too many pages."""

from __future__ import annotations

import io
import struct
import zipfile

from pypdf import PdfWriter

from ingest.limits import MB
from tests.knowledge.support import make_docx


def make_docx_bomb(*, inflated_mb: int, declared_bytes: int | None = None) -> bytes:
    """A real .docx plus one part of `inflated_mb` MB of zeros (about 1 kB per MB on disk).

    `declared_bytes` makes the package lie: the part's headers then claim that size instead."""
    buffer = io.BytesIO(make_docx([("Heading 1", "Lease"), ("Normal", "Rent is due on the 1st.")]))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("word/media/padding.bin", "w") as part:
            for _ in range(inflated_mb):
                part.write(bytes(MB))
    data = buffer.getvalue()
    if declared_bytes is None:
        return data
    size = struct.pack("<I", inflated_mb * MB)
    lie = struct.pack("<I", declared_bytes)
    assert data.count(size) == 2  # the part's local header and its central directory entry
    return data.replace(size, lie)


def make_zip_of_many_files(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(count):
            archive.writestr(f"word/part{number}.xml", "")
    return buffer.getvalue()


def make_blank_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
