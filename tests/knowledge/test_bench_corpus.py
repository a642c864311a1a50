"""The benchmark's generated corpus: real multi-page PDFs whose running headers and footers ingest strips."""

from __future__ import annotations

from pathlib import Path

from app.config import Settings
from app.knowledge.store import make_client, open_collection
from evals.bench_knowledge import write_generated_corpus
from ingest.pipeline import ingest_paths


def test_generated_corpus_ingests_without_its_running_headers(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "docs").mkdir()

    pages = write_generated_corpus(tmp_path / "docs", pages=4, pages_per_file=2)
    report = ingest_paths([tmp_path / "docs"], doc_type="lease", property_code="bench", settings=settings)

    assert pages == 4
    assert sorted(p.name for p in (tmp_path / "docs").iterdir()) == ["lease-001.pdf", "lease-002.pdf"]
    assert (report.files, report.pages, report.failed) == (2, 4, [])
    texts = open_collection(make_client(settings=settings)).get(include=["documents"])["documents"] or []
    assert len(texts) == report.chunks > 8
    assert not any("Residential Lease Agreement" in text or "Form GEN" in text for text in texts)


def test_generated_corpus_is_deterministic(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()

    write_generated_corpus(tmp_path / "a", pages=2, pages_per_file=2)
    write_generated_corpus(tmp_path / "b", pages=2, pages_per_file=2)

    assert (tmp_path / "a" / "lease-001.pdf").read_bytes() == (tmp_path / "b" / "lease-001.pdf").read_bytes()
