"""Column mappings: which column of a PM system's export holds which field, one TOML file per source.

Doorstep ships `appfolio` and `yardi` in `app/imports/mappings/`; an operator adds a source by writing
`NAME.toml` in `$DOORSTEP_DATA_DIR/import-mappings/` (README, "Importing PM-system data"). A mapping names,
per kind of report, the export's column for each field below, the columns it knows and leaves unread
(`ignore`), the rows to drop (`skip_rows`, e.g. a totals line), and for tenant ledgers how lines are
classified. A column the mapping does not know rejects the file: an export that changed shape is
refused, not half read.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.errors import InvalidInput
from app.imports.types import ImportKind

SHIPPED = Path(__file__).parent / "mappings"
OPERATOR_DIR = "import-mappings"
"""Where an operator's own mappings live, under the data directory."""
NAME = re.compile(r"^[a-z][a-z0-9_]{0,12}$")
"""A source name: short enough that `import-NAME` fits a ledger line's 20-character source."""


class FieldType(StrEnum):
    TEXT = "text"
    AMOUNT = "amount"
    DATE = "date"


class Sign(StrEnum):
    ANY = "any"
    POSITIVE = "positive"
    NONNEGATIVE = "nonnegative"
    NONPOSITIVE = "nonpositive"


@dataclass(frozen=True)
class FieldSpec:
    type: FieldType
    required: bool = False
    sign: Sign = Sign.ANY
    max_length: int = 200


_TEXT = FieldSpec(FieldType.TEXT)
_DATE = FieldSpec(FieldType.DATE)
_WHERE = {
    "property": FieldSpec(FieldType.TEXT, max_length=200),
    "unit": FieldSpec(FieldType.TEXT, required=True, max_length=20),
    "resident_code": FieldSpec(FieldType.TEXT, max_length=40),
}

FIELDS: dict[ImportKind, dict[str, FieldSpec]] = {
    ImportKind.RENT_ROLL: {
        **_WHERE,
        "resident": FieldSpec(FieldType.TEXT, required=True),
        "status": FieldSpec(FieldType.TEXT, max_length=40),
        "rent": FieldSpec(FieldType.AMOUNT, required=True, sign=Sign.NONNEGATIVE),
        "deposit": FieldSpec(FieldType.AMOUNT, sign=Sign.NONNEGATIVE),
        "lease_from": _DATE,
        "lease_to": _DATE,
        "move_in": _DATE,
        "move_out": _DATE,
        "balance": FieldSpec(FieldType.AMOUNT),
    },
    ImportKind.LEDGER: {
        **_WHERE,
        "resident": _TEXT,
        "date": FieldSpec(FieldType.DATE, required=True),
        "code": FieldSpec(FieldType.TEXT, max_length=30),
        "description": FieldSpec(FieldType.TEXT, required=True, max_length=300),
        "charge": FieldSpec(FieldType.AMOUNT),
        "payment": FieldSpec(FieldType.AMOUNT),
        "amount": FieldSpec(FieldType.AMOUNT),
        "payer": _TEXT,
        "balance": FieldSpec(FieldType.AMOUNT),
        "transaction_id": FieldSpec(FieldType.TEXT, max_length=100),
    },
    ImportKind.AGED_RECEIVABLES: {
        **_WHERE,
        "resident": FieldSpec(FieldType.TEXT, required=True),
        "status": FieldSpec(FieldType.TEXT, max_length=40),
        "balance": FieldSpec(FieldType.AMOUNT, required=True),
        "total_unpaid": FieldSpec(FieldType.AMOUNT, sign=Sign.NONNEGATIVE),
        "days_0_30": FieldSpec(FieldType.AMOUNT, sign=Sign.NONNEGATIVE),
        "days_31_60": FieldSpec(FieldType.AMOUNT, sign=Sign.NONNEGATIVE),
        "days_61_90": FieldSpec(FieldType.AMOUNT, sign=Sign.NONNEGATIVE),
        "days_90_plus": FieldSpec(FieldType.AMOUNT, sign=Sign.NONNEGATIVE),
        "prepaid": FieldSpec(FieldType.AMOUNT, sign=Sign.NONPOSITIVE),
        "last_payment": _DATE,
        "notes": FieldSpec(FieldType.TEXT, max_length=2000),
    },
}
BUCKETS = ("days_0_30", "days_31_60", "days_61_90", "days_90_plus")
CLASSES = ("payment", "deposit", "nsf_fee", "late_fee", "rent")
"""What a ledger line can be classified as beyond a plain `charge` (a negative charge is a credit), in
the order they are tried: the most specific first, so a "late fee on rent" is a late fee. `payment`
matters only to exports with one signed amount column (with Charges and Payments, the column says)."""


def normalize_header(text: str) -> str:
    """Headers match whatever their case and spacing: `Lease  From` is `lease from`."""
    return " ".join(text.split()).casefold()


Header = Annotated[str, Field(min_length=1, max_length=100)]


class KindMapping(BaseModel):
    """One report's columns in one source's export."""

    model_config = ConfigDict(extra="forbid")

    report: str = ""
    """The product's name for the report, for people reading the mapping."""
    columns: dict[str, Header]
    """Field -> the export's column header."""
    ignore: list[Header] = []
    """Columns the export carries that Doorstep does not read."""
    skip_rows: dict[Header, list[str]] = {}
    """Column -> values whose rows are not data (a "Total" line); matched whatever their case."""
    vacant: list[str] = []
    """Rent rolls: resident or status values that mean the unit is vacant (an empty resident always
    does); matched whatever their case."""
    classify: dict[str, list[str]] = {}
    """Ledgers: class -> regular expressions searched (ignoring case) in the line's code, or its
    description when the export has no code column; classes are tried in `CLASSES` order."""

    def header_fields(self) -> dict[str, str]:
        """Normalized header -> field."""
        return {normalize_header(header): field for field, header in self.columns.items()}

    def known_headers(self) -> set[str]:
        return set(self.header_fields()) | {normalize_header(h) for h in self.ignore}

    def patterns(self) -> list[tuple[str, re.Pattern[str]]]:
        return [(name, re.compile(p, re.IGNORECASE)) for name in CLASSES for p in self.classify.get(name, [])]


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str
    title: str
    date_formats: list[str] = Field(min_length=1)
    rent_roll: KindMapping | None = None
    ledger: KindMapping | None = None
    aged_receivables: KindMapping | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.fullmatch(value):
            raise ValueError("a source name is 1-13 lower-case letters, digits or _, starting with a letter")
        return value

    @model_validator(mode="after")
    def _fields_exist(self) -> Mapping:
        for kind in ImportKind:
            section = self.for_kind(kind)
            if section is None:
                continue
            known = FIELDS[kind]
            unknown = sorted(set(section.columns) - set(known))
            if unknown:
                raise ValueError(
                    f"[{kind.section}] maps unknown fields {unknown}; fields are {sorted(known)}"
                )
            missing = sorted(f for f, spec in known.items() if spec.required and f not in section.columns)
            if missing:
                raise ValueError(f"[{kind.section}] must map {missing}")
            headers = [normalize_header(h) for h in section.columns.values()]
            clash = set(headers) & {normalize_header(h) for h in section.ignore}
            if len(set(headers)) != len(headers) or clash:
                raise ValueError(f"[{kind.section}] names a column twice")
            if kind is ImportKind.LEDGER:
                _check_ledger(section)
            elif section.classify:
                raise ValueError(f"[{kind.section}] classify is for ledgers only")
        return self

    def for_kind(self, kind: ImportKind) -> KindMapping | None:
        section: KindMapping | None = getattr(self, kind.section)
        return section


def _check_ledger(section: KindMapping) -> None:
    cols = section.columns
    if ("amount" in cols) == ("charge" in cols or "payment" in cols):
        raise ValueError("[ledger] maps either `amount` (signed) or both `charge` and `payment`")
    if "amount" not in cols and not ("charge" in cols and "payment" in cols):
        raise ValueError("[ledger] maps both `charge` and `payment`")
    for name, patterns in section.classify.items():
        if name not in CLASSES:
            raise ValueError(f"[ledger] classify.{name}: classes are {list(CLASSES)}")
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"[ledger] classify.{name}: {pattern!r} is not a regular expression"
                ) from exc


def available(operator_dir: Path | None) -> list[str]:
    names = {p.stem for p in SHIPPED.glob("*.toml")}
    if operator_dir is not None and operator_dir.is_dir():
        names |= {p.stem for p in operator_dir.glob("*.toml")}
    return sorted(names)


def load_mapping(name: str, *, operator_dir: Path | None = None) -> Mapping:
    """The mapping called `name`: shipped, or the operator's own; InvalidInput saying why not."""
    if not NAME.fullmatch(name):
        raise InvalidInput(
            f"--source {name[:40]!r} is not a source name (lower-case letters, digits, _): "
            f"try one of {', '.join(available(operator_dir))}"
        )
    shipped = SHIPPED / f"{name}.toml"
    own = operator_dir / f"{name}.toml" if operator_dir is not None else None
    found = [p for p in (shipped, own) if p is not None and p.is_file()]
    if not found:
        where = f" or add {own}" if own is not None else ""
        raise InvalidInput(
            f"no mapping for --source {name!r}: use one of {', '.join(available(operator_dir))}{where} "
            "(README: Importing PM-system data)"
        )
    if len(found) > 1:
        raise InvalidInput(f"{own} has the name of a shipped mapping ({name}): rename it")
    return _read(found[0], name)


def _read(path: Path, name: str) -> Mapping:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"mapping {path}: not valid TOML ({exc})") from exc
    try:
        mapping = Mapping.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidInput(f"mapping {path}: {problems}") from exc
    if mapping.name != name:
        raise InvalidInput(f"mapping {path} says name = {mapping.name!r}: it must match the file name")
    return mapping
