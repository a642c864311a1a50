"""The limits every input crosses before it reaches the domain: ids, dates, offsets, free text.

One definition for the API, the CLI and the posting rules, so a value the database or the date
arithmetic cannot hold is refused with a clear message at the edge instead of crashing deep inside.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, GetJsonSchemaHandler
from pydantic_core import CoreSchema

MAX_DB_ID = 2**31 - 1
"""The largest id the tables hold: their ids are PostgreSQL INTEGER (32-bit) columns, so a larger one
cannot even be compared there (`integer out of range`), and SQLite follows the same bound."""

MAX_OFFSET = 1_000_000
"""No listing pages further than this; a larger offset is a mistake or a probe."""

EARLIEST_DATE = date(1970, 1, 1)
LATEST_DATE = date(2199, 12, 31)
"""The ledger's calendar. Wide enough for any lease, narrow enough that adding a month or a year of
grace never overflows `date`."""

DbId = Annotated[int, Field(ge=1, le=MAX_DB_ID, strict=True, description="A database id (1 to 2^31-1).")]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]
Limit = Annotated[int, Field(ge=1, le=500, description="At most this many rows (1 to 500).")]


def date_problem(value: date) -> str | None:
    """Why a date lies outside the ledger's calendar, or None when it is inside."""
    if value < EARLIEST_DATE or value > LATEST_DATE:
        return f"dates must lie between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}"
    return None


def _in_calendar(value: date) -> date:
    if problem := date_problem(value):
        raise ValueError(problem)
    return value


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
"""How dates are written at every edge (API and CLI): YYYY-MM-DD and nothing else."""


def _written_as_a_date(value: Any) -> Any:
    """Text must be a plain YYYY-MM-DD: pydantic alone would also take `0`, `86400` or a timestamp."""
    if isinstance(value, str) and not ISO_DATE.fullmatch(value):
        raise ValueError(f"dates are written YYYY-MM-DD, not {value[:40]!r}")
    if isinstance(value, int | float):
        raise ValueError("dates are written YYYY-MM-DD, not as a number")
    return value


LedgerDate = Annotated[
    date,
    BeforeValidator(_written_as_a_date),
    AfterValidator(_in_calendar),
    Field(
        description=f"A date from {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}.",
        # The calendar's years, for the OpenAPI document (which has no way to bound a date otherwise).
        json_schema_extra={"pattern": r"^(19[7-9]\d|20\d\d|21\d\d)-\d\d-\d\d$"},
    ),
]

# Unicode categories a human-entered line never needs: controls (NUL, escape, ...), format characters
# (right-to-left overrides and isolates, zero-width joiners that hide text), line and paragraph
# separators (U+2028, U+2029: a line break in a one-line field), unassigned and private use.
_DOCUMENTED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
_REFUSED_CATEGORIES = _DOCUMENTED_CATEGORIES | {"Cn", "Co", "Cs"}


def text_problem(value: str) -> str | None:
    """Why a one-line text (a description, a note) cannot be stored as given, or None."""
    for ch in value:
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            return (
                f"text may not contain control or formatting characters (found U+{ord(ch):04X} "
                f"{unicodedata.name(ch, 'unnamed')})"
            )
    return None


def _plain_text(value: str) -> str:
    if problem := text_problem(value):
        raise ValueError(problem)
    return value


@cache
def refused_pattern(categories: frozenset[str]) -> str:
    """A JSON Schema pattern matching text with no character of these Unicode categories, for the
    OpenAPI document. Built on first use (a pass over every code point, a fifth of a second)."""
    ranges: list[tuple[int, int]] = []
    for cp in range(0x110000):
        if unicodedata.category(chr(cp)) in categories:
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return "^[^" + "".join(_class_range(a, b) for a, b in ranges) + "]*$"


def _class_range(first: int, last: int) -> str:
    def char(cp: int) -> str:
        # \uXXXX reads the same in ECMA-262 and Python regexes; beyond the BMP the character itself does.
        return f"\\u{cp:04x}" if cp <= 0xFFFF else chr(cp)

    return char(first) if first == last else f"{char(first)}-{char(last)}"


class _Documented:
    """Annotation metadata that adds `refused_pattern(categories)` to a string's JSON Schema."""

    def __init__(self, categories: frozenset[str]) -> None:
        self.categories = categories

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> Any:
        schema = handler(core_schema)
        schema["pattern"] = refused_pattern(self.categories)
        return schema


PlainText = Annotated[
    str,
    AfterValidator(_plain_text),
    # The pattern lists the controls, format characters and separators; private-use, unassigned and
    # surrogate code points (hundreds of thousands, scattered) are refused too, as the description says,
    # but a pattern listing them all makes clients and test generators crawl.
    _Documented(_DOCUMENTED_CATEGORIES),
    Field(
        description="One line of text: no control, formatting (bidi override, zero-width), line or "
        "paragraph separator, private-use, unassigned or surrogate characters.",
    ),
]
"""A single line of human text: no control, bidirectional-override, zero-width or line-break characters."""


def _no_controls(value: str) -> str:
    for ch in value:
        if unicodedata.category(ch) == "Cc":
            raise ValueError(f"text may not contain control characters (found U+{ord(ch):04X})")
    return value


SearchText = Annotated[
    str,
    AfterValidator(_no_controls),
    _Documented(frozenset({"Cc"})),
    Field(description="Text to look up: anything but control characters (NUL, escape, ...)."),
]
"""What a lookup (a reference, a search) accepts: no stored value holds a control character, and
PostgreSQL cannot even compare one (NUL)."""
