"""The hand-rolled inference path equals scikit-learn's own transform and predict_proba."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from agents.offline import IntentClassifier
from agents.offline.dataset import HELDOUT_FILE, TRAINING_FILE, load_examples
from agents.offline.features import FeatureBuilder, FeatureConfig, tfidf_rows
from agents.offline.preprocess import prepare
from tests.agents.offline.conftest import HashEncoder

ODD = ["", "   ", "$75?!", "🙂", "a" * 3000]


def _texts(path: Path) -> list[str]:
    return [prepare(example.text).normalized for example in load_examples(path)]


def test_tfidf_rows_equal_sklearn_transform() -> None:
    training = _texts(TRAINING_FILE)
    builder = FeatureBuilder(FeatureConfig()).fit(training, np.zeros((len(training), 384), np.float32))
    texts = _texts(HELDOUT_FILE) + ODD
    for vectorizer in builder.vectorizers:
        expected = vectorizer.transform(texts)
        actual = tfidf_rows(vectorizer, texts)
        assert actual.shape == expected.shape
        assert abs(actual - expected).max() < 1e-6


def test_probabilities_equal_predict_proba() -> None:
    examples = load_examples(TRAINING_FILE)[::8]
    model = IntentClassifier.train(examples, encoder=HashEncoder()).model
    texts = _texts(HELDOUT_FILE)[:50] + ODD
    embeddings = HashEncoder().embed(texts)
    expected = model.regression.predict_proba(model.features.transform(texts, embeddings))
    assert np.abs(model.probabilities(texts, embeddings) - expected).max() < 1e-5
