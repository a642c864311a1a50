"""Turn resident messages into the scores the intent model reads, without scikit-learn.

Three blocks side by side, each row of each block L2-normalised and then weighted:

- character n-gram TF-IDF (`char_wb`, 2-5): carries Spanish, typos ("ablar", "pymnt") and fragments;
- word TF-IDF (1-2 grams, one-letter words kept: "u", "k", "y"): carries word order cues ("i paid" vs
  "did i pay");
- the MiniLM sentence embedding: carries English meaning across wordings the data never saw.

Training fits scikit-learn's `TfidfVectorizer` (`agents.offline.fitting`); what a prediction needs of
it is only the vocabulary, the idf weights and the analyser, kept here as plain arrays (`TfidfBlock`).
So answering a message never imports scikit-learn (about 0.8 s of a one-shot `doorstep ask`), and the
cached model is arrays, not a pickle. The analysers below reproduce scikit-learn's `char_wb` and word
analysers exactly; a test holds them and the rows they give equal to `TfidfVectorizer.transform`.

The embedding comes from outside (`Encoder`): the encoder is process-wide and loaded once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

FloatMatrix = npt.NDArray[np.float32]
Scores = npt.NDArray[np.float64]
Analyzer = Literal["char_wb", "word"]

#: scikit-learn's default word pattern with one-letter words kept ("u", "k", "y").
WORD_PATTERN = r"(?u)\b\w+\b"
_WORD = re.compile(WORD_PATTERN)


class Encoder(Protocol):
    """Anything that embeds texts into unit-length rows (`app.knowledge.embedding.MiniLMEncoder`)."""

    def embed(self, texts: Sequence[str]) -> FloatMatrix: ...


@runtime_checkable
class QueryEncoder(Encoder, Protocol):
    """An encoder that keeps the vectors of short texts it has seen (`MiniLMEncoder.embed_query`): a
    row from it is bit-for-bit the row `embed` gives the same text."""

    def embed_query(self, text: str) -> FloatMatrix: ...


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


def char_wb_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    """Character n-grams inside word boundaries, each word padded with a space on both sides (what
    scikit-learn's `analyzer="char_wb"` gives after lower-casing)."""
    low, high = ngram_range
    grams: list[str] = []
    for word in text.lower().split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            if length <= n:  # a word shorter than n counts once, whole
                grams.append(padded)
                break
            grams.extend(padded[i : i + n] for i in range(length - n + 1))
    return grams


def word_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    """Word n-grams joined by one space (scikit-learn's `analyzer="word"` with `WORD_PATTERN`)."""
    tokens = _WORD.findall(text.lower())
    low, high = ngram_range
    grams: list[str] = []
    for n in range(low, min(high, len(tokens)) + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


@dataclass(frozen=True)
class TfidfBlock:
    """A fitted TF-IDF vocabulary: which n-grams have a column, and each column's idf weight."""

    analyzer: Analyzer
    ngram_range: tuple[int, int]
    vocabulary: dict[str, int]
    idf: npt.NDArray[np.float32]

    def __post_init__(self) -> None:
        if self.idf.shape != (len(self.vocabulary),):
            raise ValueError(f"{len(self.vocabulary)} terms but {self.idf.shape} idf weights")

    @property
    def size(self) -> int:
        """Columns in this block."""
        return len(self.vocabulary)

    def analyze(self, text: str) -> list[str]:
        """The n-grams of `text` this block counts (in or out of its vocabulary)."""
        if self.analyzer == "char_wb":
            return char_wb_ngrams(text, self.ngram_range)
        return word_ngrams(text, self.ngram_range)

    def row(self, text: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """One text's TF-IDF row as (columns in ascending order, L2-normalised weights): sublinear tf
        times idf, as `TfidfVectorizer(sublinear_tf=True)` computes it."""
        vocabulary = self.vocabulary
        counts = Counter(
            column for gram in self.analyze(text) if (column := vocabulary.get(gram)) is not None
        )
        columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        weights = (np.log(tf) + 1) * self.idf[columns]
        norm = float(np.sqrt(np.dot(weights, weights)))
        order = np.argsort(columns)
        return columns[order], (weights[order] / norm if norm > 0 else weights[order])

    def terms(self) -> list[str]:
        """The vocabulary in column order."""
        ordered = [""] * len(self.vocabulary)
        for term, column in self.vocabulary.items():
            ordered[column] = term
        return ordered


@dataclass(frozen=True)
class LinearFeatures:
    """The fitted feature blocks of a linear model: [chars ‖ words ‖ embedding], each weighted."""

    config: FeatureConfig
    chars: TfidfBlock
    words: TfidfBlock

    def linear_scores(self, texts: Sequence[str], embeddings: FloatMatrix, coef: npt.NDArray[Any]) -> Scores:
        """The feature rows of `texts` times `coef.T`, without building the rows: each text's score is
        the coefficient columns its n-grams hit, weighted, plus its embedding times the embedding block.
        A test holds this equal to scikit-learn's sparse product."""
        if embeddings.ndim != 2 or embeddings.shape[0] != len(texts):
            raise ValueError(f"expected {len(texts)} embedding rows, got shape {embeddings.shape}")
        config = self.config
        offset = self.chars.size + self.words.size
        scores: Scores = (embeddings @ coef[:, offset:].T) * config.embedding_weight
        blocks = ((self.chars, 0, config.char_weight), (self.words, self.chars.size, config.word_weight))
        for block, start, weight in blocks:
            for n, text in enumerate(texts):
                columns, values = block.row(text)
                if len(columns):
                    scores[n] += weight * (coef[:, start + columns] @ values)
        return scores
