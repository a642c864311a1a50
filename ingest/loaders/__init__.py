"""Read a file's bytes into pages of text, choosing the loader (and the size cap) by file extension."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest import limits
from ingest.document import LoadedDocument, LoadError
from ingest.loaders.markdown import load_markdown
from ingest.loaders.pdf import load_pdf
from ingest.loaders.text import load_text
from ingest.loaders.word import load_docx

Loader = Callable[[bytes], LoadedDocument]

LOADERS: dict[str, Loader] = {
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
    ".text": load_text,
}
SUPPORTED_SUFFIXES = frozenset(LOADERS)


def _loader(path: Path) -> Loader:
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise LoadError(f"unsupported file type {path.suffix or '(no extension)'!r}; supported: {supported}")
    return loader


def max_file_bytes(path: Path) -> int:
    """The most bytes ingest reads from a file of this type (`ingest.limits`), or LoadError when the type
    is not one we load."""
    loader = _loader(path)
    if loader is load_pdf:
        return limits.MAX_PDF_FILE_BYTES
    if loader is load_docx:
        return limits.MAX_DOCX_FILE_BYTES
    return limits.MAX_TEXT_FILE_BYTES


def load_document(path: Path, data: bytes) -> LoadedDocument:
    """Parse `data` (the bytes of `path`) or raise `LoadError` saying why the file cannot be used."""
    loader = _loader(path)
    if len(data) > (cap := max_file_bytes(path)):
        raise LoadError(limits.too_large(len(data), cap))
    if not data.strip():
        raise LoadError("empty file")
    document = loader(data)
    if not document.has_text:
        if document.format == "pdf":
            raise LoadError("no text layer: the PDF holds only images (scanned?); run OCR on it first")
        raise LoadError("no text found")
    if (chars := sum(len(page.text) for page in document.pages)) > limits.MAX_TEXT_CHARS:
        raise LoadError(limits.too_much_text(chars))
    return document


__all__ = ["SUPPORTED_SUFFIXES", "LoadError", "LoadedDocument", "load_document", "max_file_bytes"]
