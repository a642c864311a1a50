"""Fit the intent model: features, a multinomial logistic regression, and thresholds tuned out of fold.

The regression's probabilities are what the graph reads (top intent, alternatives, summed escalation
probability). Before the final fit on all the training data, `folds`-fold cross-validation produces an
out-of-fold probability for every training message; the escalation threshold and the ambiguity margin
are tuned on those (`agents.offline.thresholds`), so they reflect how the model does on text it has
not seen. The held-out file is never read here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from agents.intents import ESCALATING, Intent
from agents.offline.features import FeatureBuilder, FeatureConfig, FloatMatrix
from agents.offline.thresholds import top_two_margins, tune_ambiguity_margin, tune_escalation_threshold

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


@dataclass
class FittedModel:
    """What the cache stores: fitted features and regression, column order, and tuned thresholds."""

    features: FeatureBuilder
    regression: LogisticRegression
    intents: tuple[Intent, ...]
    escalation_threshold: float
    ambiguity_margin: float
    out_of_fold_accuracy: float
    data_fingerprint: str
    examples: int

    def probabilities(self, texts: Sequence[str], embeddings: FloatMatrix) -> ProbabilityMatrix:
        """One row per (normalised) text, columns in `intents` order: the regression's softmax.

        Computed from the fitted coefficients rather than `predict_proba`, whose input checks cost more
        than the arithmetic for one message; a test holds the two equal.
        """
        scores = self.features.linear_scores(texts, embeddings, self.regression.coef_)
        scores += self.regression.intercept_
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        proba: ProbabilityMatrix = exp / exp.sum(axis=1, keepdims=True)
        return proba


def escalating_columns(intents: Sequence[Intent]) -> npt.NDArray[np.bool_]:
    """Mask over the probability columns of the intents that go to a person."""
    return np.array([intent in ESCALATING for intent in intents], dtype=bool)


def fit_model(
    texts: Sequence[str],
    labels: Sequence[Intent],
    embeddings: FloatMatrix,
    net_hits: npt.NDArray[np.bool_],
    *,
    config: TrainingConfig,
    data_fingerprint: str,
) -> FittedModel:
    """Fit on all `texts` (normalised) and tune both thresholds on out-of-fold probabilities.

    `net_hits` marks the texts the always-escalate word net catches, so the escalation threshold is
    tuned for what the model must add to the net.
    """
    y = np.array([str(label) for label in labels])
    out_of_fold = _out_of_fold_probabilities(texts, y, embeddings, config)
    features, regression = _fit(texts, y, embeddings, config)
    intents = tuple(Intent(name) for name in regression.classes_)
    top = out_of_fold.argmax(axis=1)
    predicted = np.array(intents)[top]
    correct = predicted == y
    escalating = escalating_columns(intents)
    escalation_threshold = tune_escalation_threshold(
        out_of_fold[:, escalating].sum(axis=1),
        np.isin(y, [str(intent) for intent in ESCALATING]),
        net_hits | escalating[top],
        min_recall=config.escalation_min_recall,
    )
    clarifiable = ~np.isin(predicted, [str(intent) for intent in CLARIFY_EXEMPT])
    ambiguity_margin = tune_ambiguity_margin(
        top_two_margins(out_of_fold)[clarifiable],
        correct[clarifiable],
        max_flagged_correct=config.max_flagged_correct,
    )
    return FittedModel(
        features=features,
        regression=regression,
        intents=intents,
        escalation_threshold=escalation_threshold,
        ambiguity_margin=ambiguity_margin,
        out_of_fold_accuracy=float(correct.mean()),
        data_fingerprint=data_fingerprint,
        examples=len(texts),
    )


def _fit(
    texts: Sequence[str], y: npt.NDArray[np.str_], embeddings: FloatMatrix, config: TrainingConfig
) -> tuple[FeatureBuilder, LogisticRegression]:
    features = FeatureBuilder(config.features).fit(texts, embeddings)
    regression = LogisticRegression(
        C=config.c,
        class_weight="balanced" if config.balanced_classes else None,
        max_iter=config.max_iter,
        random_state=config.random_state,
    )
    regression.fit(features.transform(texts, embeddings), y)
    return features, regression


def _out_of_fold_probabilities(
    texts: Sequence[str], y: npt.NDArray[np.str_], embeddings: FloatMatrix, config: TrainingConfig
) -> ProbabilityMatrix:
    classes = np.unique(y)
    out = np.zeros((len(texts), len(classes)), dtype=np.float64)
    folds = StratifiedKFold(n_splits=config.folds, shuffle=True, random_state=config.random_state)
    for train_rows, test_rows in folds.split(np.zeros(len(y)), y):
        features, regression = _fit(
            [texts[i] for i in train_rows], y[train_rows], embeddings[train_rows], config
        )
        columns = np.searchsorted(classes, regression.classes_)
        test_texts = [texts[i] for i in test_rows]
        out[np.ix_(test_rows, columns)] = regression.predict_proba(
            features.transform(test_texts, embeddings[test_rows])
        )
    return out
