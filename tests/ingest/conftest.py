"""Fixtures for the ingest tests: a per-test data directory and small documents made on the spot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import Settings
from tests.knowledge.support import pinned_tiktoken_cache


@pytest.fixture(scope="session", autouse=True)
def _tiktoken_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield from pinned_tiktoken_cache(tmp_path_factory)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with their own data directory (embedded Chroma under it)."""
    return Settings(DOORSTEP_DATA_DIR=tmp_path / "data", CHROMA_URL=None, ENVIRONMENT="test")
