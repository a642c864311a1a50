"""The fitted intent model as a prediction needs it: feature blocks, coefficients, thresholds.

Plain arrays and numbers, no scikit-learn: `agents.offline.fitting` fits with scikit-learn and hands
back one of these, `agents.offline.model_cache` stores it as arrays, and a prediction is a softmax over
`LinearFeatures.linear_scores`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from agents.intents import ESCALATING, Intent
from agents.offline.features import FeatureConfig, FloatMatrix, LinearFeatures

ProbabilityMatrix = npt.NDArray[np.float64]

#: Intents never worth a clarifying question: a greeting or a thank-you is answered either way.
CLARIFY_EXEMPT = frozenset({Intent.GREETING, Intent.THANKS})


@dataclass(frozen=True)
class TrainingConfig:
    """Everything that shapes the fitted model; part of the model cache key."""

    features: FeatureConfig = field(default_factory=FeatureConfig)
    #: Inverse regularisation strength of the logistic regression.
    c: float = 10.0
    #: Weight classes inversely to their size (out-of-scope has the most examples by design).
    balanced_classes: bool = True
    max_iter: int = 5000
    folds: int = 5
    random_state: int = 0
    #: Share of escalating training messages the escalation rules must catch out of fold.
    escalation_min_recall: float = 0.96
    #: Most right predictions the ambiguity margin may flag out of fold.
    max_flagged_correct: float = 0.10


@dataclass(frozen=True)
class FittedModel:
    """What the cache stores: fitted features and regression, column order, and tuned thresholds."""

    features: LinearFeatures
    #: One row of coefficients per intent, over [chars ‖ words ‖ embedding]; `intents` gives the order.
    coef: npt.NDArray[np.float64]
    intercept: npt.NDArray[np.float64]
    intents: tuple[Intent, ...]
    escalation_threshold: float
    ambiguity_margin: float
    out_of_fold_accuracy: float
    data_fingerprint: str
    examples: int

    def __post_init__(self) -> None:
        columns = self.features.chars.size + self.features.words.size
        if self.coef.ndim != 2 or self.coef.shape[0] != len(self.intents) or self.coef.shape[1] <= columns:
            raise ValueError(
                f"coefficients of shape {self.coef.shape} do not fit {len(self.intents)} intents"
            )
        if self.intercept.shape != (len(self.intents),):
            raise ValueError(f"intercepts of shape {self.intercept.shape} for {len(self.intents)} intents")

    def probabilities(self, texts: Sequence[str], embeddings: FloatMatrix) -> ProbabilityMatrix:
        """One row per (normalised) text, columns in `intents` order: the multinomial regression's
        softmax (a test holds it equal to scikit-learn's `predict_proba`)."""
        scores = self.features.linear_scores(texts, embeddings, self.coef)
        scores += self.intercept
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        proba: ProbabilityMatrix = exp / exp.sum(axis=1, keepdims=True)
        return proba


def escalating_columns(intents: Sequence[Intent]) -> npt.NDArray[np.bool_]:
    """Mask over the probability columns of the intents that go to a person."""
    return np.array([intent in ESCALATING for intent in intents], dtype=bool)
