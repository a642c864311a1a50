"""The demo documents on disk and in the index: written from the portfolio's terms, then ingested."""

from __future__ import annotations

from collections.abc import Sequence

from app.config import Settings
from app.demo.documents import DemoDocument, demo_terms, write_demo_documents
from ingest.pipeline import Filing, ingest_filings
from ingest.report import IngestReport


def load_demo_documents(settings: Settings) -> IngestReport:
    """Write the demo leases, policies, handbooks and FAQ, and ingest them (idempotent: unchanged files
    are skipped)."""
    documents = write_demo_documents(demo_terms(), settings.documents_dir)
    return ingest_demo_documents(documents, settings=settings)


def ingest_demo_documents(documents: Sequence[DemoDocument], *, settings: Settings) -> IngestReport:
    """Ingest the demo documents in one run, each filed under its own type and property.

    One run rather than one per type and property: the fixed costs of a run (reading the index's
    manifest, a Chroma write, the corpus version bump) are paid once, and the model embeds every
    chunk in one stream, which on a corpus this small is the difference between ingest keeping up
    with the bare model or not (see `evals/bench_knowledge.py`).
    """
    filings = [Filing(paths=[d.path], doc_type=d.doc_type, property_code=d.property_code) for d in documents]
    return ingest_filings(filings, settings=settings)


__all__ = ["DemoDocument", "ingest_demo_documents", "load_demo_documents"]
