"""Hostile files for the ingest tests: zip bombs that are small on disk, PDFs with too many pages, a
"billion laughs" Word document, a PDF whose stream inflates past pypdf's limit."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

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


def _flushed_deflate(block: bytes, times: int) -> tuple[bytes, int, int]:
    """Raw deflate data of `block` repeated `times` times, made in milliseconds: a full flush makes the
    compressed block independent of what came before, so it can be repeated. (data, crc32, size)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    return one * times + b"\x03\x00", crc, len(block) * times  # 03 00: an empty final block


def _zip_raw(parts: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of already deflated parts: (name, raw deflate data, crc32, inflated size)."""
    out, directory = io.BytesIO(), io.BytesIO()
    for name, data, crc, size in parts:
        offset, encoded = out.tell(), name.encode()
        fields = struct.pack("<HHHHHIIIHH", 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0)
        out.write(b"PK\x03\x04" + fields + encoded + data)
        directory.write(
            b"PK\x01\x02"
            + struct.pack(
                "<HHHHHHIIIHHHHHII",
                20,
                20,
                0,
                8,
                0,
                0,
                crc,
                len(data),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    start, listing = out.tell(), directory.getvalue()
    out.write(
        listing
        + b"PK\x05\x06"
        + struct.pack("<HHHHIIH", 0, 0, len(parts), len(parts), len(listing), start, 0)
    )
    return out.getvalue()


def make_docx_with_huge_document(*, inflated_mb: int) -> bytes:
    """A .docx whose word/document.xml is `inflated_mb` MB of paragraphs, about 1 kB per MB on disk (a 1 GB
    document.xml is about 1 MB), its sizes declared truthfully."""
    source = zipfile.ZipFile(io.BytesIO(make_docx([("Normal", "Rent is due on the 1st.")])))
    parts: list[tuple[str, bytes, int, int]] = []
    for info in source.infolist():
        content = source.read(info)
        if info.filename == "word/document.xml":
            parts.append(("word/document.xml", *_flushed_deflate(_paragraphs(MB), inflated_mb)))
            continue
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        parts.append(
            (
                info.filename,
                compressor.compress(content) + compressor.flush(),
                zlib.crc32(content),
                len(content),
            )
        )
    return _zip_raw(parts)


def _paragraphs(size: int) -> bytes:
    """One WordprocessingML paragraph of `size` bytes, its text padded with spaces (as runs of spaces
    compress best: about 1 kB per MB)."""
    start, end = b"<w:p><w:r><w:t>Rent is due on the first day of each month.", b"</w:t></w:r></w:p>"
    return start + b" " * (size - len(start) - len(end)) + end


BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!DOCTYPE w:document [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{level} "{("&lol" + (str(level - 1) if level > 1 else "") + ";") * 10}">\n'
        for level in range(1, 10)
    )
    + ']>\n<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    "<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
)
"""A word/document.xml of nine nested entities, each ten of the one before: 10^9 "lol"s, 3 GB expanded."""


def make_docx_with_document_xml(document_xml: str) -> bytes:
    """A real .docx with its word/document.xml replaced."""
    source = zipfile.ZipFile(io.BytesIO(make_docx([("Normal", "Rent is due on the 1st.")])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = document_xml.encode() if info.filename == "word/document.xml" else source.read(info)
            archive.writestr(info.filename, content)
    return out.getvalue()


def make_pdf_with_inflating_stream(*, inflated_mb: int) -> bytes:
    """A one-page PDF whose content stream is `inflated_mb` MB of text operators, about 1 kB per MB on
    disk."""
    operators = b"BT /F1 12 Tf 72 720 Td (Rent is due on the first.) Tj ET\n"
    data, _, _ = _flushed_deflate((operators * (MB // len(operators) + 1))[:MB], inflated_mb)
    stream = zlib.compress(b"")[:2] + data  # a zlib header before the raw deflate data; no checksum after
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO(b"%PDF-1.4\n")
    out.seek(0, io.SEEK_END)
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()
