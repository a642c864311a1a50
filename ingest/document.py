"""What a loader hands to the rest of the pipeline: a document's title and its pages of text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SourceFormat = Literal["pdf", "docx", "markdown", "text"]


class LoadError(Exception):
    """A file that cannot be read as a document. The message is the reason shown to the operator."""


@dataclass(frozen=True, slots=True)
class Page:
    """One page of text, numbered from 1 as a reader would cite it."""

    number: int
    text: str


@dataclass(frozen=True, slots=True)
class LoadedDocument:
    """A parsed file. `title` is None when the file names none (the pipeline then uses its name).

    `declares_headings` is True when the format marks headings explicitly (Markdown `#`, Word heading
    styles, both rendered as Markdown headings by the loaders); section detection then trusts those
    alone instead of guessing from numbering and capitals.
    """

    format: SourceFormat
    pages: list[Page]
    title: str | None = None
    declares_headings: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def has_text(self) -> bool:
        return any(page.text.strip() for page in self.pages)
