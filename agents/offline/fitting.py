"""Fit the intent model: features, a multinomial logistic regression, and thresholds tuned out of fold.

The regression's probabilities are what the graph reads (top intent, alternatives, summed escalation
probability). Before the final fit on all the training data, `folds`-fold cross-validation produces an
out-of-fold probability for every training message; the escalation threshold and the ambiguity margin
are tuned on those (`agents.offline.thresholds`), so they reflect how the model does on text it has
not seen. The held-out file is never read here.

This is the only module of the classifier that uses scikit-learn: the fitted vectorisers and regression
are handed back as plain arrays (`agents.offline.model.FittedModel`), so predicting never imports it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from agents.intents import ESCALATING, Intent
from agents.offline.features import (
    WORD_PATTERN,
    Analyzer,
    FeatureConfig,
    FloatMatrix,
    LinearFeatures,
    TfidfBlock,
)
from agents.offline.model import (
    CLARIFY_EXEMPT,
    FittedModel,
    ProbabilityMatrix,
    TrainingConfig,
    escalating_columns,
)
from agents.offline.thresholds import top_two_margins, tune_ambiguity_margin, tune_escalation_threshold


class FeatureBuilder:
    """scikit-learn vectorisers plus block weights: `fit` on training texts, then `transform` any batch
    into the sparse rows the regression is fitted on; `frozen` keeps what a prediction needs.

    Texts given here are already normalised (`agents.offline.text.normalize_for_model`), and
    `embeddings` holds the encoder's rows for the same texts in the same order.
    """

    def __init__(self, config: FeatureConfig) -> None:
        self.config = config
        self._chars = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=config.char_ngrams,
            min_df=config.char_min_df,
            sublinear_tf=True,
            dtype=np.float32,
        )
        self._words = TfidfVectorizer(
            analyzer="word",
            ngram_range=config.word_ngrams,
            token_pattern=WORD_PATTERN,
            min_df=config.word_min_df,
            sublinear_tf=True,
            dtype=np.float32,
        )

    def fit(self, texts: Sequence[str], embeddings: FloatMatrix) -> FeatureBuilder:
        """Learn both vocabularies and their IDF weights from the training texts."""
        _check(texts, embeddings)
        self._chars.fit(texts)
        self._words.fit(texts)
        return self

    def transform(self, texts: Sequence[str], embeddings: FloatMatrix) -> sp.csr_matrix:
        """One sparse row per text: [chars ‖ words ‖ embedding], each block weighted."""
        _check(texts, embeddings)
        config = self.config
        blocks = [
            self._chars.transform(texts) * np.float32(config.char_weight),
            self._words.transform(texts) * np.float32(config.word_weight),
            sp.csr_matrix(embeddings * np.float32(config.embedding_weight)),
        ]
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    @property
    def vectorizers(self) -> tuple[TfidfVectorizer, TfidfVectorizer]:
        """The fitted (character, word) vectorisers."""
        return self._chars, self._words

    def frozen(self) -> LinearFeatures:
        """The fitted vocabularies and idf weights as plain arrays."""
        return LinearFeatures(
            config=self.config,
            chars=block_of(self._chars, "char_wb"),
            words=block_of(self._words, "word"),
        )


def block_of(vectorizer: TfidfVectorizer, analyzer: Analyzer) -> TfidfBlock:
    """A fitted vectoriser's vocabulary and idf weights."""
    return TfidfBlock(
        analyzer=analyzer,
        ngram_range=tuple(vectorizer.ngram_range),
        vocabulary={str(term): int(column) for term, column in vectorizer.vocabulary_.items()},
        idf=vectorizer.idf_.astype(np.float32),
    )


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
    features, regression = fit_regression(texts, y, embeddings, config)
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
        features=features.frozen(),
        coef=regression.coef_.astype(np.float64),
        intercept=regression.intercept_.astype(np.float64),
        intents=intents,
        escalation_threshold=escalation_threshold,
        ambiguity_margin=ambiguity_margin,
        out_of_fold_accuracy=float(correct.mean()),
        data_fingerprint=data_fingerprint,
        examples=len(texts),
    )


def fit_regression(
    texts: Sequence[str], y: npt.NDArray[np.str_], embeddings: FloatMatrix, config: TrainingConfig
) -> tuple[FeatureBuilder, LogisticRegression]:
    """The vectorisers and the regression fitted on `texts` (labels `y`), as scikit-learn objects."""
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
        features, regression = fit_regression(
            [texts[i] for i in train_rows], y[train_rows], embeddings[train_rows], config
        )
        columns = np.searchsorted(classes, regression.classes_)
        test_texts = [texts[i] for i in test_rows]
        out[np.ix_(test_rows, columns)] = regression.predict_proba(
            features.transform(test_texts, embeddings[test_rows])
        )
    return out


def _check(texts: Sequence[str], embeddings: FloatMatrix) -> None:
    if embeddings.ndim != 2 or embeddings.shape[0] != len(texts):
        raise ValueError(f"expected {len(texts)} embedding rows, got shape {embeddings.shape}")
