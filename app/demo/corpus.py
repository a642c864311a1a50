"""The demo documents on disk and in the index: written from the portfolio's terms, then ingested."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from app.config import Settings
from app.demo.documents import DemoDocument, demo_terms, write_demo_documents
from ingest.pipeline import ingest_paths
from ingest.report import IngestReport


def load_demo_documents(settings: Settings) -> list[IngestReport]:
    """Write the demo leases, policies, handbooks and FAQ, and ingest them (idempotent: unchanged files
    are skipped). One ingest per document type and property, so each chunk knows its scope."""
    documents = write_demo_documents(demo_terms(), settings.documents_dir)
    groups: dict[tuple[str, str | None], list[Path]] = defaultdict(list)
    for document in documents:
        groups[(document.doc_type, document.property_code)].append(document.path)
    return [
        ingest_paths(paths, doc_type=doc_type, property_code=code, settings=settings)  # type: ignore[arg-type]
        for (doc_type, code), paths in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
    ]


__all__ = ["DemoDocument", "load_demo_documents"]
