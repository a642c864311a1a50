"""The shape of one chunk in the collection: what ingest writes and what retrieval reads back.

Chroma metadata values are flat scalars, so the section path is stored joined by " > ", and a
portfolio-wide document stores `PORTFOLIO_WIDE` as its property.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from app.knowledge.constants import PORTFOLIO_WIDE, DocType

PATH_SEPARATOR = " > "


class ChunkMetadata(BaseModel):
    """Everything stored beside a chunk's text and vector."""

    property: str = Field(description=f"Property code, or {PORTFOLIO_WIDE!r} for portfolio-wide documents.")
    doc_type: DocType
    title: str
    source: str = Field(description="Absolute path of the file the chunk came from.")
    page: int = Field(ge=1, description="Page the chunk starts on.")
    page_end: int = Field(ge=1)
    section: str = Field(
        description='Heading of the chunk\'s section, e.g. "4.2 Late Charges"; "" before any.'
    )
    section_path: str = Field(description="Headings from the top level down, joined by ' > '.")
    content_hash: str = Field(description="sha256 of the source file's bytes.")
    index_version: str
    chunk_index: int = Field(ge=0)
    chunk_count: int = Field(
        ge=1, description="Chunks the source file produced; lets ingest spot a partial write."
    )
    tokens: int = Field(ge=0)
    ingested_at: str = Field(description="UTC time of the ingest, ISO 8601.")

    def to_chroma(self) -> dict[str, str | int]:
        return self.model_dump()

    @classmethod
    def from_chroma(cls, metadata: Mapping[str, Any]) -> ChunkMetadata:
        return cls.model_validate(dict(metadata))


def source_key(source: str) -> str:
    """A short stable key for a source path, the prefix of its chunk ids."""
    return hashlib.sha1(source.encode()).hexdigest()[:16]


def chunk_id(*, source: str, content_hash: str, index: int) -> str:
    """Chunk ids change with the file's content, so a new version never overwrites the old one in place."""
    return f"{source_key(source)}:{content_hash[:16]}:{index:05d}"


def search_text(*, title: str, section_path: str, text: str) -> str:
    """What both the dense and the lexical index see of a chunk: where it sits, then what it says.

    A chunk alone often lacks its subject ("It is due on the 1st"); the title and headings supply it.
    """
    heading = f"{title}: {section_path}" if section_path else title
    return f"{heading}\n{text}"
