"""The labelled resident messages the intent classifier learns from and is measured on.

Files live in `training/` beside this module (JSON Lines, one `{"text", "intent", "lang"}` object a
line; `training/README.md` holds the labelling rules). `intents.jsonl` is for training only and
`intents_heldout.jsonl` for evaluation only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agents.intents import Intent

TRAINING_DIR = Path(__file__).parent / "training"
TRAINING_FILE = TRAINING_DIR / "intents.jsonl"
HELDOUT_FILE = TRAINING_DIR / "intents_heldout.jsonl"
LANGUAGE_SAMPLES_FILE = TRAINING_DIR / "language_samples.jsonl"


class Example(BaseModel):
    """One resident message and what it means."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(min_length=1)
    intent: Intent
    lang: Literal["en", "es"] = Field(description="The language the reply should be in.")


class LanguageSample(BaseModel):
    """One message for the language detector's evaluation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(min_length=1)
    lang: Literal["en", "es", "other"]
    language: str = Field(description="ISO 639-1 code of the language actually written.")


RecordT = TypeVar("RecordT", bound=BaseModel)


class DatasetError(ValueError):
    """A data file has a line that is not a valid record; the message names the file and line."""


def load_examples(path: Path = TRAINING_FILE) -> list[Example]:
    """Every example in a JSON Lines file, in file order. Blank lines are skipped."""
    return _load(path, Example)


def load_language_samples(path: Path = LANGUAGE_SAMPLES_FILE) -> list[LanguageSample]:
    """The language detector's evaluation samples."""
    return _load(path, LanguageSample)


def fingerprint(paths: Iterable[Path]) -> str:
    """sha256 over the files' names and bytes: changes whenever any of them changes."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def texts_and_labels(examples: Sequence[Example]) -> tuple[list[str], list[Intent]]:
    """The two parallel lists a model fits on."""
    return [example.text for example in examples], [example.intent for example in examples]


def _load(path: Path, model: type[RecordT]) -> list[RecordT]:
    records: list[RecordT] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(model.model_validate_json(line))
        except ValidationError as exc:
            raise DatasetError(f"{path}:{number}: not a valid {model.__name__}: {exc}") from exc
    return records
