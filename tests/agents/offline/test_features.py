"""The classifier's own inference path equals scikit-learn's: the analysers, the TF-IDF rows, and the
probabilities, so that predicting without scikit-learn gives what training measured."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agents.intents import Intent
from agents.offline.dataset import HELDOUT_FILE, TRAINING_FILE, load_examples
from agents.offline.features import FeatureConfig
from agents.offline.fitting import FeatureBuilder, fit_regression
from agents.offline.model import FittedModel, TrainingConfig
from agents.offline.preprocess import prepare
from tests.agents.offline.conftest import HashEncoder

ODD = ["", "   ", "$75?!", "🙂", "a" * 3000, "a  b\tc\n d", "I PAID  ¿Cuánto?", "x y z"]


def _texts(path: Path) -> list[str]:
    return [prepare(example.text).normalized for example in load_examples(path)]


@pytest.fixture(scope="module")
def builder() -> FeatureBuilder:
    training = _texts(TRAINING_FILE)
    return FeatureBuilder(FeatureConfig()).fit(training, np.zeros((len(training), 384), np.float32))


def test_the_analysers_give_scikit_learns_ngrams(builder: FeatureBuilder) -> None:
    frozen = builder.frozen()
    texts = _texts(HELDOUT_FILE) + ODD + [example.text for example in load_examples(HELDOUT_FILE)[:200]]
    for vectorizer, block in zip(builder.vectorizers, (frozen.chars, frozen.words), strict=True):
        analyze = vectorizer.build_analyzer()
        for text in texts:
            assert block.analyze(text) == analyze(text), text


def test_the_rows_equal_scikit_learns_transform(builder: FeatureBuilder) -> None:
    frozen = builder.frozen()
    texts = _texts(HELDOUT_FILE) + ODD
    for vectorizer, block in zip(builder.vectorizers, (frozen.chars, frozen.words), strict=True):
        expected = vectorizer.transform(texts).toarray()
        assert block.size == expected.shape[1]
        for n, text in enumerate(texts):
            actual = np.zeros(block.size, np.float32)
            columns, weights = block.row(text)
            actual[columns] = weights
            assert np.abs(actual - expected[n]).max() < 1e-6, text


def test_probabilities_equal_predict_proba() -> None:
    examples = load_examples(TRAINING_FILE)[::8]
    texts = [prepare(example.text).normalized for example in examples]
    labels = np.array([str(example.intent) for example in examples])
    features, regression = fit_regression(texts, labels, HashEncoder().embed(texts), TrainingConfig())
    model = FittedModel(
        features=features.frozen(),
        coef=regression.coef_,
        intercept=regression.intercept_,
        intents=tuple(Intent(name) for name in regression.classes_),
        escalation_threshold=0.5,
        ambiguity_margin=0.1,
        out_of_fold_accuracy=1.0,
        data_fingerprint="",
        examples=len(texts),
    )
    asked = _texts(HELDOUT_FILE)[:50] + ODD
    embeddings = HashEncoder().embed(asked)
    expected = regression.predict_proba(features.transform(asked, embeddings))
    assert np.abs(model.probabilities(asked, embeddings) - expected).max() < 1e-5
