"""Turn resident messages into the feature rows the intent model reads.

Three blocks side by side, each row of each block L2-normalised and then weighted:

- character n-gram TF-IDF (`char_wb`, 2-5): carries Spanish, typos ("ablar", "pymnt") and fragments;
- word TF-IDF (1-2 grams, one-letter words kept: "u", "k", "y"): carries word order cues ("i paid" vs
  "did i pay");
- the MiniLM sentence embedding: carries English meaning across wordings the data never saw.

The embedding comes from outside (`Encoder`), so this object holds only fitted vectorisers and pickles
small; the encoder is process-wide and loaded once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

FloatMatrix = npt.NDArray[np.float32]
Scores = npt.NDArray[np.float64]


class Encoder(Protocol):
    """Anything that embeds texts into unit-length rows (`app.knowledge.embedding.MiniLMEncoder`)."""

    def embed(self, texts: Sequence[str]) -> FloatMatrix: ...


@dataclass(frozen=True)
class FeatureConfig:
    """How the blocks are built and weighted; part of the model cache key."""

    char_ngrams: tuple[int, int] = (2, 5)
    word_ngrams: tuple[int, int] = (1, 2)
    #: Character n-grams seen in fewer training texts than this are dropped: one-off n-grams only
    #: memorise single examples, and the regression's cost grows with the number of columns.
    char_min_df: int = 2
    word_min_df: int = 1
    char_weight: float = 1.5
    word_weight: float = 0.5
    embedding_weight: float = 1.0


class FeatureBuilder:
    """Fitted vectorisers plus block weights: `fit` on training texts, then `transform` any batch.

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
            token_pattern=r"(?u)\b\w+\b",
            min_df=config.word_min_df,
            sublinear_tf=True,
            dtype=np.float32,
        )

    def fit(self, texts: Sequence[str], embeddings: FloatMatrix) -> FeatureBuilder:
        """Learn both vocabularies and their IDF weights from the training texts."""
        self._check(texts, embeddings)
        self._chars.fit(texts)
        self._words.fit(texts)
        return self

    def transform(self, texts: Sequence[str], embeddings: FloatMatrix) -> sp.csr_matrix:
        """One sparse row per text: [chars ‖ words ‖ embedding], each block weighted."""
        self._check(texts, embeddings)
        config = self.config
        blocks = [
            tfidf_rows(self._chars, texts) * np.float32(config.char_weight),
            tfidf_rows(self._words, texts) * np.float32(config.word_weight),
            sp.csr_matrix(embeddings * np.float32(config.embedding_weight)),
        ]
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    def linear_scores(self, texts: Sequence[str], embeddings: FloatMatrix, coef: npt.NDArray[Any]) -> Scores:
        """`transform(texts, embeddings) @ coef.T` without building the sparse rows: each text's score is
        the coefficient columns its n-grams hit, weighted, plus its embedding times the embedding block.

        For one message this is a third of the cost of the sparse product (scipy's per-matrix overhead
        was most of it), and classification runs on every turn. A test holds the two equal.
        """
        self._check(texts, embeddings)
        config = self.config
        n_chars, n_words = self.vocabulary_sizes
        scores: Scores = (embeddings @ coef[:, n_chars + n_words :].T) * config.embedding_weight
        blocks = ((self._chars, 0, config.char_weight), (self._words, n_chars, config.word_weight))
        for vectorizer, offset, weight in blocks:
            analyze, vocabulary, idf = _parts(vectorizer)
            for row, text in enumerate(texts):
                columns, values = tfidf_terms(analyze, vocabulary, idf, text)
                if len(columns):
                    scores[row] += weight * (coef[:, offset + columns] @ values)
        return scores

    @property
    def vectorizers(self) -> tuple[TfidfVectorizer, TfidfVectorizer]:
        """The fitted (character, word) vectorisers."""
        return self._chars, self._words

    @property
    def vocabulary_sizes(self) -> tuple[int, int]:
        """(character n-grams, word n-grams) learned by `fit`."""
        return len(self._chars.vocabulary_), len(self._words.vocabulary_)

    @staticmethod
    def _check(texts: Sequence[str], embeddings: FloatMatrix) -> None:
        if embeddings.ndim != 2 or embeddings.shape[0] != len(texts):
            raise ValueError(f"expected {len(texts)} embedding rows, got shape {embeddings.shape}")


def tfidf_rows(vectorizer: TfidfVectorizer, texts: Sequence[str]) -> sp.csr_matrix:
    """What `vectorizer.transform(texts)` returns (sublinear tf, idf, L2 norm), without its per-call checks.

    scikit-learn validates its input on every call, which costs more than the arithmetic for one short
    message (about 1 ms of a 5 ms prediction); this computes the same rows from the fitted vocabulary
    and idf directly. A test holds it equal to `transform`.
    """
    analyze, vocabulary, idf = _parts(vectorizer)
    indptr, indices, values = [0], [], []
    for text in texts:
        columns, weights = tfidf_terms(analyze, vocabulary, idf, text)
        indices.append(columns)
        values.append(weights)
        indptr.append(indptr[-1] + len(columns))
    return sp.csr_matrix(
        (
            np.concatenate(values) if values else np.empty(0, np.float32),
            np.concatenate(indices) if indices else np.empty(0, np.int64),
            np.array(indptr),
        ),
        shape=(len(texts), len(vocabulary)),
        dtype=np.float32,
    )


def tfidf_terms(
    analyze: Callable[[str], list[str]],
    vocabulary: dict[str, int],
    idf: npt.NDArray[np.float32],
    text: str,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """One text's TF-IDF row as (columns in ascending order, L2-normalised weights)."""
    counts = Counter(column for gram in analyze(text) if (column := vocabulary.get(gram)) is not None)
    columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
    weights = (np.log(tf) + 1) * idf[columns]
    norm = float(np.sqrt(np.dot(weights, weights)))
    order = np.argsort(columns)
    return columns[order], (weights[order] / norm if norm > 0 else weights[order])


def _parts(
    vectorizer: TfidfVectorizer,
) -> tuple[Callable[[str], list[str]], dict[str, int], npt.NDArray[np.float32]]:
    """A fitted vectoriser's analyser, vocabulary and idf (as float32)."""
    return vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_.astype(np.float32)
