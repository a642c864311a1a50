"""Notices as PDF documents: a template read from disk, filled from the account's figures, set in type
with fpdf2, stored under the data directory by property and lease.

Templates are text files in `app/collections/templates/`, `KIND.LANGUAGE.txt` (`second_notice.es.txt`): the
first line is the title, blank lines separate paragraphs, a line starting with two spaces is set in a fixed
font (the charges table), `{name}` is a value. A notice records its template's name and the SHA-256 of its
text, and the PDF's own SHA-256. The same account, day and template give the same bytes.

fpdf2's core fonts are Latin-1: text is set in them as is (Spanish accents included), anything else as `?`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import CORE_FONTS_CHARWIDTHS

TEMPLATES = Path(__file__).parent / "templates"
NOTICES_DIR = "notices"
"""Under the data directory: `notices/<property>/<lease>-<due date>-<kind>.pdf`."""
LANGUAGES = ("en", "es")

PAGE_WIDTH_MM = 215.9  # US Letter
MARGIN_MM = 20.0
TEXT_WIDTH_MM = PAGE_WIDTH_MM - 2 * MARGIN_MM
BODY_PT, TITLE_PT, TABLE_PT = 10.5, 13.0, 8.5
PT_TO_MM = 25.4 / 72
_PLAIN = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    """`second_notice.en.txt`."""
    text: str
    sha256: str

    @property
    def label(self) -> str:
        """What a step records: the name and the first 16 hex digits of the text's SHA-256."""
        return f"{self.name}@{self.sha256[:16]}"


@cache
def template(kind: str, language: str = "en") -> Template:
    """The template for a notice kind in a language (English when there is none in that language)."""
    for lang in (language, "en"):
        path = TEMPLATES / f"{kind}.{lang}.txt"
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            return Template(path.name, text, hashlib.sha256(text.encode()).hexdigest())
    raise FileNotFoundError(f"no template for {kind} in {TEMPLATES}")


def fill(tpl: Template, values: Mapping[str, str]) -> tuple[str, list[str]]:
    """(title, lines) of the filled template. Raises KeyError naming a value the template asks for and
    `values` lacks."""
    title, _, body = tpl.text.partition("\n")
    return title.format_map(values).strip(), body.format_map(values).splitlines()


def latin1(text: str) -> str:
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


@cache
def _widths(font: str) -> dict[str, int]:
    """The core font's character widths (thousandths of the size), every Latin-1 character included."""
    known = CORE_FONTS_CHARWIDTHS[font]
    return {chr(code): known.get(chr(code), 600) for code in range(256)}


def wrap(text: str, *, font: str, size_pt: float, width_mm: float) -> list[str]:
    """Greedy word wrap by the core font's character widths (fpdf2's own measuring is slow)."""
    widths = _widths(font)
    limit = width_mm / (size_pt / 1000 * PT_TO_MM)  # in the widths' own units
    space = widths[" "]
    lines: list[str] = []
    words: list[str] = []
    used = 0
    for word in text.split(" "):
        w = sum(map(widths.__getitem__, word))
        if words and used + space + w > limit:
            lines.append(" ".join(words))
            words, used = [word], w
        else:
            used += w + (space if words else 0)
            words.append(word)
    lines.append(" ".join(words))
    return lines


def render_pdf(title: str, lines: list[str], *, dated: date) -> bytes:
    """A one-or-more-page Letter PDF: the title in bold, paragraphs wrapped, indented lines in Courier."""
    pdf = FPDF(format="letter", unit="mm")
    pdf.set_creation_date(datetime.combine(dated, time(12), tzinfo=UTC))
    pdf.set_title(latin1(title))
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN_MM, MARGIN_MM)
    pdf.add_page()
    y = MARGIN_MM + 4
    bottom = 279.4 - MARGIN_MM
    current: tuple[str, str, float] | None = None

    def emit(text: str, font: tuple[str, str, float], lead: float) -> None:
        nonlocal y, current
        if y > bottom:
            pdf.add_page()
            y, current = MARGIN_MM + 4, None
        if font != current:
            pdf.set_font(font[0], style=font[1], size=font[2])
            current = font
        pdf.text(MARGIN_MM, y, text)
        y += lead

    title_font, body_font, table_font = (
        ("Helvetica", "B", TITLE_PT),
        ("Helvetica", "", BODY_PT),
        ("Courier", "", TABLE_PT),
    )
    for piece in wrap(latin1(title), font="helveticaB", size_pt=TITLE_PT, width_mm=TEXT_WIDTH_MM):
        emit(piece, title_font, 6.2)
    y += 2
    for raw in lines:
        text = latin1(raw.rstrip())
        if not text:
            y += 2.6
        elif text.startswith("  "):
            emit(text, table_font, 4.0)
        else:
            for piece in wrap(text, font="helvetica", size_pt=BODY_PT, width_mm=TEXT_WIDTH_MM):
                emit(piece, body_font, 4.9)
    return bytes(pdf.output())


def notice_path(property_code: str, lease_ref: str, period_on: date, kind: str) -> str:
    """Where a notice is kept, relative to the data directory."""
    return f"{NOTICES_DIR}/{property_code}/{lease_ref}-{period_on.isoformat()}-{kind}.pdf"


def store(data_dir: Path, relative: str, content: bytes) -> str:
    """Write the PDF; its SHA-256."""
    target = data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    return hashlib.sha256(content).hexdigest()


class Writer:
    """Writes a run's PDFs on two threads while the run goes on: creating a file waits on the disk's
    journal (milliseconds when the disk is busy), which the run's own work can fill. `close` waits for
    every file and raises the first failure, so a run never commits a notice whose file is missing.

    A run that fails after writing leaves files its database work does not record; the next run that
    fires the same step writes the same path again."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="notices")
        self.pending: list[Future[int]] = []
        self.folders: set[Path] = set()

    def submit(self, relative: str, content: bytes) -> str:
        """Queue the file; its SHA-256 (computed now)."""
        target = self.data_dir / relative
        if target.parent not in self.folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self.folders.add(target.parent)
        self.pending.append(self.pool.submit(target.write_bytes, content))
        return hashlib.sha256(content).hexdigest()

    def close(self) -> None:
        try:
            for future in self.pending:
                future.result()
        finally:
            self.pool.shutdown(wait=True)
            self.pending.clear()
