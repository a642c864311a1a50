"""Shared fixtures: one classifier trained from scratch per session, and a fast stand-in encoder."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from agents.offline import IntentClassifier
from agents.offline.dataset import HELDOUT_FILE, Example, load_examples
from agents.offline.evaluation import HeldoutReport, evaluate_heldout
from agents.offline.features import FloatMatrix


class HashEncoder:
    """Deterministic unit vectors from a hash of the text: no model, for cache and plumbing tests."""

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> FloatMatrix:
        self.calls += 1
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
            row = np.random.default_rng(seed).standard_normal(384).astype(np.float32)
            rows.append(row / np.linalg.norm(row))
        return np.array(rows, dtype=np.float32).reshape(len(texts), 384)


@pytest.fixture(scope="session")
def model_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("intent-model")


@pytest.fixture(scope="session")
def classifier(model_cache_dir: Path) -> IntentClassifier:
    """The real classifier (MiniLM embeddings), trained from scratch into an empty cache directory."""
    trained = IntentClassifier.load_or_train(model_cache_dir)
    assert not trained.loaded_from_cache
    return trained


@pytest.fixture(scope="session")
def heldout() -> list[Example]:
    return load_examples(HELDOUT_FILE)


@pytest.fixture(scope="session")
def heldout_report(classifier: IntentClassifier, heldout: list[Example]) -> HeldoutReport:
    return evaluate_heldout(classifier, heldout)
