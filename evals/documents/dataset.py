"""The question file of `doorstep eval documents`, and the folder of documents it is asked against.

A QA file is JSONL, one question a line. Operators need only three keys; the development set
(`evals/documents/qa.jsonl`) fills them all:

    {"question": "...", "answer": "$20", "evidence": "A $20.00 late charge will be assessed ...",
     "doc": "cairo-housing-authority/lease_agreement.pdf", "landlord": "cairo-housing-authority",
     "kind": "amount", "conflict": false}

- `answer`: what the reply must contain: an amount, a day, a count, "yes"/"no" or a key phrase; "" when
  the documents do not answer (then `kind` is "none"). Where two documents disagree (`conflict`), the
  values of both, separated by " | ".
- `evidence`: the sentence of the document that supports the answer, as the document says it ("" for none).
- `doc`: the document, relative to the documents folder (optional).
- `landlord`: the sub-folder of the documents folder whose documents answer it (its property code); left
  out, the question is asked of the portfolio-wide documents (files at the top of the folder).
- `kind`: amount | day | count | yesno | procedure | none; guessed from the answer when left out.

A documents folder holds documents at its top (portfolio-wide) and/or in one sub-folder per landlord or
property, whose name becomes its property code (`cairo-housing-authority`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.knowledge.constants import DocType

Kind = Literal["amount", "day", "count", "yesno", "procedure", "none"]
KINDS: tuple[Kind, ...] = ("amount", "day", "count", "yesno", "procedure", "none")
MAX_QA_LINES = 5000
MAX_LINE_CHARS = 20_000
_PROPERTY_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_MONEY = re.compile(r"[$£€]\s?\d|\d\s?%|\b\d+(?:\.\d\d)\b")
_DAY = re.compile(r"^\d{1,2}(?:st|nd|rd|th)$", re.IGNORECASE)


class DatasetError(Exception):
    """The QA file or the documents folder cannot be used; the message is one line naming where."""


class QACase(BaseModel):
    """One line of a QA file."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    question: str = Field(min_length=1, max_length=2000)
    answer: str = Field(max_length=2000)
    evidence: str = Field(default="", max_length=MAX_LINE_CHARS)
    doc: str = ""
    landlord: str | None = None
    kind: Kind | None = None
    conflict: bool = False
    line: int = 0

    @field_validator("landlord")
    @classmethod
    def _landlord_is_a_code(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not _PROPERTY_CODE.match(value):
            raise ValueError(f"{value!r} is not a folder name like 'maple-court' (lowercase, digits, dashes)")
        return value

    @model_validator(mode="after")
    def _kind_fits_answer(self) -> QACase:
        if self.kind is None:
            self.kind = guess_kind(self.answer)
        if self.kind == "none" and self.answer:
            raise ValueError('kind "none" means the documents do not answer: its answer must be ""')
        if self.kind != "none" and not self.answer:
            raise ValueError('an empty answer needs kind "none" (the documents do not answer it)')
        return self

    @property
    def parts(self) -> list[str]:
        """The values the reply must contain (two or more where documents disagree)."""
        return [part.strip() for part in self.answer.split(" | ") if part.strip()]


def guess_kind(answer: str) -> Kind:
    text = answer.strip().lower()
    if not text:
        return "none"
    if text in ("yes", "no"):
        return "yesno"
    if _DAY.match(text):
        return "day"
    if _MONEY.search(text):
        return "amount"
    if re.fullmatch(r"\d+(?:\s+\w+)?", text):
        return "count"
    return "procedure"


def load_cases(path: Path) -> list[QACase]:
    """Every question of a JSONL file, or `DatasetError` naming the first bad line."""
    if not path.is_file():
        raise DatasetError(f"{path}: no such QA file")
    cases: list[QACase] = []
    for number, line in _lines(path):
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path} line {number}: not JSON ({exc.msg})") from exc
        if not isinstance(raw, dict):
            raise DatasetError(f"{path} line {number}: expected an object with question, answer, evidence")
        for key in ("question", "answer"):
            if key not in raw:
                raise DatasetError(f'{path} line {number}: no "{key}" (every line needs question and answer)')
        try:
            cases.append(QACase.model_validate({**raw, "line": number}))
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(p) for p in problem["loc"]) or "line"
            message = problem["msg"].removeprefix("Value error, ")
            raise DatasetError(f"{path} line {number}: {where}: {message}") from exc
    if not cases:
        raise DatasetError(f"{path}: no questions in the file")
    return cases


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path}: not UTF-8 text") from exc
    count = 0
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        count += 1
        if count > MAX_QA_LINES:
            raise DatasetError(f"{path}: more than {MAX_QA_LINES} questions")
        if len(line) > MAX_LINE_CHARS:
            raise DatasetError(f"{path} line {number}: longer than {MAX_LINE_CHARS} characters")
        yield number, line


@dataclass(frozen=True)
class DocumentFile:
    path: Path
    relative: str
    property_code: str | None
    doc_type: DocType


@dataclass
class Corpus:
    """The documents of a folder, each with the property it is filed under and its type."""

    root: Path
    files: list[DocumentFile] = field(default_factory=list)

    @property
    def properties(self) -> set[str | None]:
        return {f.property_code for f in self.files}


def discover_corpus(root: Path) -> Corpus:
    """The supported documents of `root`, or `DatasetError` when it has none (or is no folder)."""
    from ingest.loaders import SUPPORTED_SUFFIXES

    if not root.is_dir():
        raise DatasetError(f"{root}: no such folder")
    corpus = Corpus(root=root.resolve())
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.startswith(".") or path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        relative = path.relative_to(root).as_posix()
        parts = relative.split("/")
        code = parts[0] if len(parts) > 1 else None
        if code is not None and not _PROPERTY_CODE.match(code):
            raise DatasetError(
                f"{root}/{code}: a landlord folder's name is its property code: use lowercase letters, "
                "digits and dashes"
            )
        corpus.files.append(DocumentFile(path.resolve(), relative, code, doc_type_of(path.name)))
    if not corpus.files:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise DatasetError(f"{root}: no documents to ingest (supported: {supported})")
    return corpus


def doc_type_of(name: str) -> DocType:
    """What a document is, from its file name: a lease (agreement, contract), a handbook, else a policy."""
    lowered = name.lower()
    if any(word in lowered for word in ("lease", "agreement", "contract", "rental")):
        return "lease"
    if any(word in lowered for word in ("handbook", "guide", "rules")):
        return "handbook"
    if "faq" in lowered:
        return "faq"
    return "policy"
