"""Reading a PM export's CSV through a mapping into typed rows, or refusing it with the row and column.

Everything is checked before anything is written: the bytes (UTF-8, size), the CSV itself (quoting,
NUL bytes, ragged rows), the header (every column known to the mapping, the required ones present, none
twice), and every value (amounts as exact cents, dates in the mapping's formats and the ledger's calendar,
text without control characters). The first problem is reported as one line naming its row and column,
with how many more there are; nothing of the file is imported.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.bounds import date_problem, text_problem
from app.imports.mapping import FIELDS, FieldSpec, FieldType, KindMapping, Sign, normalize_header
from app.imports.types import ImportKind, ImportRejected
from app.money import AmountError, format_cents, parse_amount

MAX_BYTES = 50 * 1024 * 1024
"""A PM export larger than this is split before importing: it holds a worker and memory for minutes."""
MAX_ROWS = 500_000
PREAMBLE_ROWS = 30
"""Exports often open with a report title and an "As of" line: the header is looked for this far."""
KEPT_PROBLEMS = 100

_PARENS = re.compile(r"^\(\s*(?P<inner>[^()]*?)\s*\)$")
_TOO_PRECISE = re.compile(r"^-?\$?[\d,]*\.\d{3,}$")
_FORMAT_WORDS = {"%m": "MM", "%d": "DD", "%Y": "YYYY", "%y": "YY", "%b": "Mon", "%B": "Month"}


class Problems:
    """Every problem found in a file, reported as the first one plus a count."""

    def __init__(self) -> None:
        self.count = 0
        self.kept: list[tuple[int | None, str | None, str]] = []

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.count += 1
        if len(self.kept) < KEPT_PROBLEMS:
            self.kept.append((row, column, message))

    def __bool__(self) -> bool:
        return self.count > 0

    def raise_if_any(self) -> None:
        if not self.kept:
            return
        row, column, message = min(self.kept, key=lambda p: p[0] or 0)  # the first row, wherever found
        where = ", ".join(
            part
            for part in (f"row {row}" if row is not None else "", f"column {column!r}" if column else "")
            if part
        )
        more = f"; {self.count - 1} more problem{'s' if self.count > 2 else ''}" if self.count > 1 else ""
        raise ImportRejected(
            f"{where + ': ' if where else ''}{message}{more}; nothing was imported", row=row, column=column
        )


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    """The row as a spreadsheet numbers it (the header is row 1 when the file has no preamble)."""
    values: dict[str, Any]
    """Field -> its value: str, int (cents), date, or None when the cell is empty or not in the file."""


@dataclass
class Sheet:
    rows: list[Row]
    columns: dict[str, str]
    """Field -> the header as the file writes it (for messages)."""
    skipped: int = 0
    preamble: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def column(self, name: str) -> str:
        return self.columns.get(name, name)


def parse_report_amount(text: str) -> int | None:
    """An amount as PM exports write it, in cents: "1,234.50", "$1,234.50", "-75", "(150.00)" (a negative
    in accountants' brackets). Empty is None. Anything inexact (a third decimal, exponents) is refused."""
    value = text.strip()
    if not value:
        return None
    negative = False
    if match := _PARENS.match(value):
        negative, value = True, match["inner"]
        if value.startswith("-"):
            raise AmountError(f"{text!r} is negative twice (a minus sign inside brackets)")
    if _TOO_PRECISE.match(value):
        raise AmountError(f"{text!r} has more than two decimal places: Doorstep keeps whole cents")
    cents = parse_amount(value)
    return -cents if negative else cents


def describe_formats(formats: list[str]) -> str:
    shown = []
    for fmt in formats:
        for code, word in _FORMAT_WORDS.items():
            fmt = fmt.replace(code, word)
        shown.append(fmt)
    return " or ".join(shown)


def parse_report_date(text: str, formats: list[str]) -> date | None:
    value = text.strip()
    if not value:
        return None
    for fmt in formats:
        try:
            day = datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if problem := date_problem(day):
            raise ValueError(f"{value!r}: {problem}")
        return day
    raise ValueError(f"{value[:40]!r} is not a date (write {describe_formats(formats)})")


def _check_sign(cents: int, spec: FieldSpec) -> str | None:
    if spec.sign is Sign.POSITIVE and cents <= 0:
        return f"{format_cents(cents)} must be more than zero"
    if spec.sign is Sign.NONNEGATIVE and cents < 0:
        return f"{format_cents(cents)} must not be negative here"
    if spec.sign is Sign.NONPOSITIVE and cents > 0:
        return f"{format_cents(cents)} must be zero or negative (a credit) here"
    return None


def _decode(data: bytes, problems: Problems) -> str | None:
    if len(data) > MAX_BYTES:
        problems.add(None, None, f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it")
        return None
    if (nul := data.find(b"\x00")) >= 0:
        line = data[:nul].count(b"\n") + 1
        problems.add(line, None, "a NUL byte: not a text CSV (UTF-16?): export or save it as CSV (UTF-8)")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.add(line, None, "the file is not UTF-8 text: export or save it as CSV (UTF-8)")
        return None


def _records(text: str, problems: Problems) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        yield from reader
    except csv.Error as exc:
        problems.add(reader.line_num or None, None, f"malformed CSV ({exc})")


def read_sheet(data: bytes, *, kind: ImportKind, mapping: KindMapping, date_formats: list[str]) -> Sheet:
    """Every data row of the file, typed; raises ImportRejected (nothing read) on any problem."""
    problems = Problems()
    text = _decode(data, problems)
    problems.raise_if_any()
    assert text is not None
    specs = FIELDS[kind]
    fields_by_header = mapping.header_fields()
    known = mapping.known_headers()
    records = _records(text, problems)
    header, preamble = _find_header(records, specs, mapping, problems)
    problems.raise_if_any()
    if header is None:
        raise AssertionError("unreachable: a missing header is a problem")
    positions = _positions(header, preamble + 1, fields_by_header, known, problems)
    problems.raise_if_any()
    skips = {
        i: {v.strip().casefold() for v in values}
        for column, values in mapping.skip_rows.items()
        for i, cell in enumerate(header)
        if normalize_header(cell) == normalize_header(column)
    }
    unnamed = [i for i, cell in enumerate(header) if not cell.strip()]
    cells = _Cells(date_formats)
    sheet = Sheet(
        rows=[], columns={name: header[i].strip() for name, i in positions.items()}, preamble=preamble
    )
    for offset, record in enumerate(records):
        number = preamble + 2 + offset
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header) and not _ragged_but_blank(record, len(header)):
            problems.add(number, None, f"{len(record)} fields where the header has {len(header)}")
            continue
        if any(i < len(record) and record[i].strip().casefold() in values for i, values in skips.items()):
            sheet.skipped += 1
            continue
        for i in unnamed:
            if i < len(record) and record[i].strip():
                problems.add(number, f"#{i + 1}", "a value in a column with no header")
        values = {
            name: cells.value(record[i], specs[name], number, header[i], problems)
            for name, i in positions.items()
        }
        sheet.rows.append(Row(number, values))
        if len(sheet.rows) > MAX_ROWS:
            problems.add(number, None, f"more than {MAX_ROWS:,} rows: split the export")
            break
    problems.raise_if_any()
    return sheet


def _ragged_but_blank(record: list[str], width: int) -> bool:
    """Extra cells that are all empty (a trailing comma) are not a ragged row."""
    return len(record) > width and not any(cell.strip() for cell in record[width:])


def _find_header(
    records: Iterator[list[str]], specs: dict[str, FieldSpec], mapping: KindMapping, problems: Problems
) -> tuple[list[str] | None, int]:
    fields_by_header = mapping.header_fields()
    required = {h for h, f in fields_by_header.items() if specs[f].required}
    best: tuple[int, int, list[str]] | None = None
    for index, record in enumerate(records):
        cells = {normalize_header(c) for c in record if c.strip()}
        if required <= cells:
            return record, index
        known = len(cells & set(fields_by_header))
        if known >= 2 and (best is None or known > best[0]):
            best = (known, index, record)
        if index + 1 >= PREAMBLE_ROWS:
            break
    wanted = ", ".join(sorted(mapping.columns[f] for f in mapping.columns if specs[f].required))
    if best is None:
        problems.add(None, None, f"no header row: the mapping expects columns {wanted}")
        return None, 0
    _, index, record = best
    cells = {normalize_header(c) for c in record}
    missing = sorted(mapping.columns[f] for h, f in fields_by_header.items() if h in required - cells)
    problems.add(index + 1, None, f"the header lacks required column(s) {', '.join(missing)}")
    return None, 0


def _positions(
    header: list[str], number: int, fields_by_header: dict[str, str], known: set[str], problems: Problems
) -> dict[str, int]:
    positions: dict[str, int] = {}
    seen: set[str] = set()
    for i, cell in enumerate(header):
        name = normalize_header(cell)
        if not name:
            continue
        if name in seen:
            problems.add(number, cell.strip(), "the header names this column twice")
        seen.add(name)
        if name not in known:
            problems.add(
                number,
                cell.strip(),
                "unknown column: the mapping neither reads nor ignores it (add it to the mapping's "
                "`ignore` list if the export carries it)",
            )
        elif name in fields_by_header:
            positions[fields_by_header[name]] = i
    return positions


class _Cells:
    """Parses cells, remembering each distinct text: exports repeat names, dates and descriptions, and
    a 10,000-row ledger has a few thousand distinct cells."""

    def __init__(self, date_formats: list[str]) -> None:
        self.date_formats = date_formats
        self.memo: dict[tuple[FieldSpec, str], tuple[Any, str | None]] = {}

    def value(self, raw: str, spec: FieldSpec, row: int, column: str, problems: Problems) -> Any:
        key = (spec, raw)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = _parse(raw, spec, self.date_formats)
        value, problem = found
        if problem is not None:
            problems.add(row, column.strip(), problem)
        return value


def _parse(raw: str, spec: FieldSpec, date_formats: list[str]) -> tuple[Any, str | None]:
    """(value, None), or (None, why not)."""
    if spec.type is FieldType.AMOUNT:
        try:
            cents = parse_report_amount(raw)
        except AmountError as exc:
            return None, str(exc)
        return cents, _check_sign(cents, spec) if cents is not None else None
    if spec.type is FieldType.DATE:
        try:
            return parse_report_date(raw, date_formats), None
        except ValueError as exc:
            return None, str(exc)
    value = raw.strip()
    if not value:
        return None, None
    if problem := text_problem(value):
        return value, problem
    if len(value) > spec.max_length:
        return value, f"longer than {spec.max_length} characters"
    return value, None
