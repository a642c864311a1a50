"""PDF via pypdf, one `Page` per PDF page so citations keep their page numbers.

pypdf bounds what one compressed stream may inflate to (75 MB for Flate); a stream past that is refused as
a decompression bomb, so a small PDF costs at most a few hundred MB of memory while it is read.
"""

from __future__ import annotations

import io

from pypdf import PasswordType, PdfReader
from pypdf.errors import LimitReachedError, PyPdfError

from ingest import limits
from ingest.document import LoadedDocument, LoadError, Page


def load_pdf(data: bytes) -> LoadedDocument:
    """Extract each page's text layer; refuse encrypted, unreadable and oversized files with a clear reason
    (more pages than `limits.MAX_PDF_PAGES`, more text than `limits.MAX_TEXT_CHARS`)."""
    if not data.lstrip().startswith(b"%PDF"):
        raise LoadError("not a PDF: the file does not start with a PDF header")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise LoadError("encrypted PDF: it needs a password to open; save an unprotected copy")
        pages = _pages(reader)
        title = reader.metadata.title if reader.metadata else None
    except LoadError:
        raise
    except LimitReachedError as exc:  # pypdf stops inflating a stream past its limits (75 MB for Flate)
        raise LoadError(
            f"decompression bomb? a compressed stream of the PDF inflates past pypdf's limit ({exc})"
        ) from exc
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise LoadError(f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from exc
    if not pages:
        raise LoadError("the PDF has no pages")
    return LoadedDocument(format="pdf", pages=pages, title=(title or "").strip() or None)


def _pages(reader: PdfReader) -> list[Page]:
    """Each page's text, counting pages before extracting any and characters as they are extracted."""
    if (count := len(reader.pages)) > limits.MAX_PDF_PAGES:
        raise LoadError(f"too many pages: {count:,}, over the limit of {limits.MAX_PDF_PAGES:,}")
    pages: list[Page] = []
    chars = 0
    for number, page in enumerate(reader.pages, 1):
        text = page.extract_text() or ""
        chars += len(text)
        if chars > limits.MAX_TEXT_CHARS:
            raise LoadError(limits.too_much_text(chars))
        pages.append(Page(number, text))
    return pages
