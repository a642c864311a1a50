"""The demo corpus, built once per session: the demo documents ingested into a session data directory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.config import Settings
from app.demo.documents import DemoDocument
from app.knowledge.retrieval import Retriever
from evals.retrieval import build_demo_corpus
from tests.knowledge.support import pinned_tiktoken_cache


@pytest.fixture(scope="session", autouse=True)
def _tiktoken_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield from pinned_tiktoken_cache(tmp_path_factory)


@dataclass(frozen=True)
class DemoCorpus:
    settings: Settings
    documents: list[DemoDocument]
    retriever: Retriever


@pytest.fixture(scope="session")
def demo_corpus(tmp_path_factory: pytest.TempPathFactory, _tiktoken_cache: Path) -> DemoCorpus:
    """Read-only: tests that ingest more build their own data directory."""
    settings = Settings(
        DOORSTEP_DATA_DIR=tmp_path_factory.mktemp("demo-corpus"), CHROMA_URL=None, ENVIRONMENT="test"
    )
    documents = build_demo_corpus(settings=settings)
    return DemoCorpus(
        settings=settings, documents=documents, retriever=Retriever.from_settings(settings=settings)
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with their own, empty data directory."""
    return Settings(DOORSTEP_DATA_DIR=tmp_path / "data", CHROMA_URL=None, ENVIRONMENT="test")
