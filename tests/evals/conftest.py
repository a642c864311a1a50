"""The conversation eval's shared setup, built once per session: the seeded demo database, the ingested
demo documents and the offline planner (its classifier cached in a session directory)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evals.conversations.environment import EvalEnvironment, open_environment
from tests.knowledge.support import pinned_tiktoken_cache


@pytest.fixture(scope="session")
def _eval_tiktoken_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield from pinned_tiktoken_cache(tmp_path_factory)


@pytest.fixture(scope="session")
def classifier_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("classifier-cache")


@pytest.fixture(scope="session")
def conversation_env(
    tmp_path_factory: pytest.TempPathFactory, _eval_tiktoken_cache: Path, classifier_cache: Path
) -> Iterator[EvalEnvironment]:
    """Read-only for tests: scenarios run on copies of its database."""
    with open_environment(
        root=tmp_path_factory.mktemp("conversation-eval"), cache_dir=classifier_cache
    ) as env:
        yield env
