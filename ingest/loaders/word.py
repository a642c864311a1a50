"""Word .docx via python-docx: headings become Markdown `#` lines, numbered paragraphs keep numbers.

A .docx has no pages of its own; we count explicit page breaks (a break character or "page break
before") so a citation's page matches the printed page when the author paginated by hand. Automatic
list numbering is rendered as 1., a., i. by level (Word's exact formats live in numbering.xml and
vary by template; the sequence is what readers cite).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from ingest.document import LoadedDocument, LoadError, Page
from ingest.loaders.package import bounded_package

_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_ZIP_MAGIC = b"PK\x03\x04"


def _roman(number: int) -> str:
    numerals = [(10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
    out = ""
    for value, letters in numerals:
        while number >= value:
            out += letters
            number -= value
    return out


def _label(level: int, count: int) -> str:
    if level == 0:
        return f"{count}."
    if level == 1:
        return f"{chr(ord('a') + (count - 1) % 26)}."
    return f"{_roman(count)}."


class _Numbering:
    """Counters for numbered paragraphs, per list and level; a deeper level restarts under a new item."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}

    def next_label(self, list_key: str, level: int) -> str:
        for key in [k for k in self._counts if k[0] == list_key and k[1] > level]:
            del self._counts[key]
        count = self._counts.get((list_key, level), 0) + 1
        self._counts[(list_key, level)] = count
        return _label(level, count)


class _StyleNames:
    """Paragraph style names, looked up once per style id.

    python-docx's `Paragraph.style` searches the document's style list by XPath on every call (about
    a millisecond each), which made style lookups most of the time spent loading a policy .docx.
    """

    def __init__(self, document: docx.document.Document) -> None:
        self._document = document
        self._names: dict[str | None, str] = {}

    def of(self, paragraph: Paragraph) -> str:
        """The paragraph's style name (the document's default paragraph style when it names none)."""
        style_id = paragraph._p.style
        if style_id not in self._names:
            style = self._document.part.get_style(style_id, WD_STYLE_TYPE.PARAGRAPH)
            self._names[style_id] = (style.name if style is not None else None) or ""
        return self._names[style_id]


def _list_position(paragraph: Paragraph, style: str) -> tuple[str, int] | None:
    """(list key, level) when the paragraph (of style `style`) is an automatically numbered item."""
    num_id = paragraph._p.xpath("./w:pPr/w:numPr/w:numId/@w:val")
    if num_id and num_id[0] != "0":
        level = paragraph._p.xpath("./w:pPr/w:numPr/w:ilvl/@w:val")
        return f"num{num_id[0]}", int(level[0]) if level else 0
    if style.startswith("List Number"):
        suffix = style.removeprefix("List Number").strip()
        return "style", int(suffix) - 1 if suffix.isdigit() else 0
    return None


def _blocks(document: docx.document.Document) -> Iterator[Paragraph | Table]:
    yield from document.iter_inner_content()


def _table_lines(table: Table) -> list[str]:
    lines = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if text and (not cells or cells[-1] != text):  # merged cells repeat their text
                cells.append(text)
        if cells:
            lines.append(" | ".join(cells))
    return lines


def _open(data: bytes) -> docx.document.Document:
    if data.startswith(_OLE_MAGIC):
        raise LoadError("legacy Word .doc file: save it as .docx first")
    if not data.startswith(_ZIP_MAGIC):
        raise LoadError("not a .docx: the file is not a zip package")
    package = bounded_package(data)  # refuses a zip bomb before python-docx inflates anything
    try:
        return docx.Document(io.BytesIO(package))
    except etree.XMLSyntaxError as exc:  # libxml2 also stops entity expansion past its amplification cap
        raise LoadError(f"not a Word .docx (its XML cannot be parsed: {exc})") from exc
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoadError(f"not a Word .docx (a zip without a Word document inside: {exc})") from exc


def load_docx(data: bytes) -> LoadedDocument:
    """Body paragraphs and tables in reading order, page numbers from explicit page breaks."""
    document = _open(data)
    styles = _StyleNames(document)
    numbering = _Numbering()
    pages: list[list[str]] = [[]]
    title = (document.core_properties.title or "").strip() or None
    has_headings = False
    for block in _blocks(document):
        if isinstance(block, Table):
            pages[-1].extend(_table_lines(block))
            continue
        p_pr = block._p.pPr
        if p_pr is not None and p_pr.pageBreakBefore is not None and pages[-1]:
            pages.append([])
        text = " ".join(block.text.split())
        style = styles.of(block)
        if text:
            if style == "Title" or style.startswith("Heading"):
                level = 1 if style == "Title" else int(style.removeprefix("Heading").strip() or 1)
                title = title or (text if style == "Title" or level == 1 else None)
                has_headings = True
                pages[-1].extend(["", f"{'#' * min(level, 6)} {text}", ""])
            elif (position := _list_position(block, style)) is not None:
                pages[-1].append(f"{numbering.next_label(*position)} {text}")
            elif style.startswith("List Bullet"):
                pages[-1].append(f"- {text}")
            else:
                pages[-1].append(text)
        for _ in block._p.xpath('.//w:br[@w:type="page"]'):
            pages.append([])
    texts = ["\n".join(lines).strip() for lines in pages]
    while len(texts) > 1 and not texts[-1]:
        texts.pop()
    return LoadedDocument(
        format="docx",
        pages=[Page(number, text) for number, text in enumerate(texts, 1)],
        title=title,
        declares_headings=has_headings,
    )
