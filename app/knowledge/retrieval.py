"""Hybrid retrieval over the documents collection, scoped to one property plus portfolio-wide documents.

A question is answered from the chunks of the resident's property and the portfolio-wide documents
(metadata `property == "*"`); without a property, from portfolio-wide documents only. Within that
scope, two rankings are fused by reciprocal rank fusion:

- dense: cosine similarity of the question's MiniLM vector to the chunks' vectors;
- lexical: BM25 over each chunk's title, headings and text.

The `Retriever` keeps an in-memory mirror of the collection (texts, metadata and the vectors Chroma
stores) and, per scope, a BM25 index and the scope's slice of the vectors. It checks the corpus
version that ingest stamps on the collection (at most once a second by default) and rebuilds the
mirror when it changed, so a long-running server sees new documents without a restart.

Dense search runs on the mirrored vectors, exactly, rather than through Chroma's filtered HNSW
query: at 10,000 chunks the latter took 11-18 ms per filtered query here, the mirror well under
1 ms, and the lexical side needs the texts in memory anyway. Chroma stays the system of record
that ingest writes and every process reads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from chromadb.api import ClientAPI
from pydantic import BaseModel, Field

from app.config import Settings
from app.knowledge.constants import (
    EMBEDDING_DIM,
    FUSION_DEPTH,
    LEASE_PREFERENCE,
    PORTFOLIO_DISCOUNT,
    PORTFOLIO_WIDE,
    RERANK_DEPTH,
    RRF_K,
)
from app.knowledge.embedding import FloatMatrix, MiniLMEncoder, get_encoder
from app.knowledge.lexical import LexicalIndex, dense_query, top_indices
from app.knowledge.reading import EncoderSimilarity, Source, encoder_similarity, rerank
from app.knowledge.records import ChunkMetadata, search_text
from app.knowledge.store import corpus_version, make_client, open_collection
from app.knowledge.vector_cache import VectorCache

RetrievalMode = Literal["hybrid", "dense", "lexical"]
RANKING_HEAD = 10
"""The reader re-ranks each ranking's top RANKING_HEAD passages before the rest of the fused ranking (and
gives them the higher rank prior): a passage one ranking puts near the top and the other misses (a
clause whose words the question shares but whose meaning MiniLM does not place, or the reverse) sinks
below passages that are middling in both under RRF, and then out of the candidates. Real-documents
development set, hit@5: 0.950 -> 0.957 in `python -m evals.documents` (tuned landlords 0.912 -> 0.923,
held out 1.000 -> 1.000), 0.938 -> 0.950 retrieving alone (5: 0.938, 15: 0.950); the late-payment
conflict of line 7 is then among the 8 passages searched. Demo set: recall@5 0.981 -> 0.981, recall@1
0.906 -> 0.888."""
_MIRROR_PAGE = 5000
EMPTY_RECHECK_SECONDS = 1.0
"""How often an empty index is rechecked: a first ingest shows up within this delay, and a server with
no documents does not pay for a Chroma lookup (and the lock around it) on every query."""


class Passage(BaseModel):
    """One retrieved chunk with its citation."""

    text: str
    title: str
    page: int
    section: str
    source: str
    score: float = Field(
        description="In hybrid mode the reader's re-ranking score (its best sentence's score plus a prior "
        "for the fused rank; the fused RRF score without re-ranking), cosine similarity in dense mode, BM25 "
        "in lexical mode; portfolio-wide passages discounted when a property was given."
    )
    doc_type: str
    property: str | None = Field(description="The property code, or None for a portfolio-wide document.")


@dataclass(frozen=True, slots=True)
class _Mirror:
    """The whole collection as of one corpus version."""

    version: str
    texts: list[str]
    metadatas: list[ChunkMetadata]
    vectors: FloatMatrix
    properties: frozenset[str]
    """Property codes that have documents (portfolio-wide included)."""


@dataclass(frozen=True, slots=True)
class _Scope:
    """The chunks one scope may see: their mirror positions, vectors and lexical index."""

    rows: npt.NDArray[np.int64]
    portfolio_wide: npt.NDArray[np.bool_]
    vectors: FloatMatrix
    lexical: LexicalIndex


def reciprocal_rank_fusion(rankings: Sequence[Sequence[int]], *, k: int = RRF_K) -> list[tuple[int, float]]:
    """Fuse rankings of ids (best first) by sum of 1 / (k + rank); best first, ties by first ranking."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])


def heads_first(ranked: list[tuple[int, float]], heads: Sequence[Sequence[int]]) -> list[tuple[int, float]]:
    """`ranked` with the ids of any of `heads` (each ranking's top ids) moved before the others, each part
    keeping its order."""
    head = {i for ids in heads for i in ids}
    return [pair for pair in ranked if pair[0] in head] + [pair for pair in ranked if pair[0] not in head]


def _discount_portfolio(
    ranked: list[tuple[int, float]], portfolio_wide: npt.NDArray[np.bool_]
) -> list[tuple[int, float]]:
    """Lower portfolio-wide passages' scores by PORTFOLIO_DISCOUNT of their size; re-sort, best first."""
    adjusted = [
        (i, score - abs(score) * PORTFOLIO_DISCOUNT if portfolio_wide[i] else score) for i, score in ranked
    ]
    return sorted(adjusted, key=lambda pair: -pair[1])


class Retriever:
    """Answers `retrieve(question, property_code=...)`; build once per process and share (thread-safe)."""

    def __init__(
        self,
        *,
        client: ClientAPI,
        encoder: MiniLMEncoder | None = None,
        recheck_seconds: float = 1.0,
        rerank_depth: int = RERANK_DEPTH,
        clock: Callable[[], float] = time.monotonic,
        vector_cache: VectorCache | None = None,
    ) -> None:
        """`recheck_seconds`: how often to ask Chroma whether the corpus changed (0: before every query).
        Each check costs about half a millisecond; new documents show up within this delay (within
        EMPTY_RECHECK_SECONDS at most while the index is still empty). `rerank_depth`: how many fused
        candidates the reader re-ranks in hybrid mode (0: none). `clock`: seconds, for tests.
        `vector_cache`: where the reader's sentence vectors are kept between processes (none: memory only).
        Without an `encoder` of its own, the retriever reads with the process-wide similarity, so a
        sentence its re-ranking embedded is not embedded again when the answer quotes it."""
        self._client = client
        self._encoder = encoder
        self._shared_similarity = encoder is None
        self._vector_cache = vector_cache
        self._rerank_depth = rerank_depth
        self._similarity: EncoderSimilarity | None = None
        self._recheck_seconds = recheck_seconds
        self._clock = clock
        self._checked_at = float("-inf")
        self._lock = threading.Lock()
        self._mirror: _Mirror | None = None
        self._scopes: dict[str | None, _Scope] = {}

    @classmethod
    def from_settings(cls, *, settings: Settings, recheck_seconds: float = 1.0) -> Retriever:
        """A retriever on the Chroma that `settings` names (embedded or server)."""
        return cls(
            client=make_client(settings=settings),
            recheck_seconds=recheck_seconds,
            vector_cache=VectorCache.in_directory(settings.cache_dir),
        )

    @property
    def encoder(self) -> MiniLMEncoder:
        if self._encoder is None:
            self._encoder = get_encoder()
        return self._encoder

    def retrieve(
        self,
        question: str,
        *,
        property_code: str | None = None,
        k: int = 5,
        mode: RetrievalMode = "hybrid",
    ) -> list[Passage]:
        """The `k` best passages for `question` from `property_code`'s documents and portfolio-wide ones.

        `mode` "dense" and "lexical" use one ranking alone (for evaluation); both apply the same query
        glossary and the same portfolio discount as "hybrid", so comparisons isolate the fusion.
        """
        if mode not in ("hybrid", "dense", "lexical"):
            raise ValueError(f"mode must be hybrid, dense or lexical, not {mode!r}")
        question = question.strip()
        if not question or k <= 0:
            return []
        mirror, scope = self._scope(property_code)
        if scope.rows.size == 0:
            return []
        depth = max(FUSION_DEPTH, k)
        rankings: list[list[tuple[int, float]]] = []
        if mode in ("hybrid", "dense"):
            # einsum runs on this thread; BLAS (`@`) would wake its own thread pool, which on a small
            # machine spins against onnxruntime's and turned a 1 ms product into a 10 ms tail here.
            similarity = np.einsum("ij,j->i", scope.vectors, self.encoder.embed_query(dense_query(question)))
            rankings.append([(i, float(similarity[i])) for i in top_indices(similarity, depth)])
        if mode in ("hybrid", "lexical"):
            rankings.append(scope.lexical.top(question, depth))
        if mode == "hybrid":
            ranked = reciprocal_rank_fusion([[i for i, _ in ranking] for ranking in rankings])
        else:
            ranked = rankings[0]
        if property_code is not None:
            ranked = _discount_portfolio(ranked, scope.portfolio_wide)
        if mode == "hybrid" and self._rerank_depth > 0:
            ranked = heads_first(ranked, [[i for i, _ in ranking[:RANKING_HEAD]] for ranking in rankings])
            candidates = ranked[: max(k, self._rerank_depth)]
            ranked = self._rerank(question, mirror, scope, candidates, discount=property_code is not None)
        return [self._passage(mirror, int(scope.rows[i]), score) for i, score in ranked[:k]]

    def _rerank(
        self,
        question: str,
        mirror: _Mirror,
        scope: _Scope,
        ranked: list[tuple[int, float]],
        *,
        discount: bool,
    ) -> list[tuple[int, float]]:
        """The fused candidates re-ordered by how well their best sentence answers the question (the
        reader's score, with the encoder already loaded for the query), best first. Portfolio-wide
        passages keep their discount (`discount`: a property was given)."""
        if self._similarity is None:
            similarity = encoder_similarity() if self._shared_similarity else EncoderSimilarity(self.encoder)
            if self._vector_cache is not None:
                similarity.keep_on_disk(self._vector_cache)
            self._similarity = similarity
        metas = [mirror.metadatas[int(scope.rows[i])] for i, _ in ranked]
        sources = [
            Source(mirror.texts[int(scope.rows[i])], meta.section)
            for (i, _), meta in zip(ranked, metas, strict=True)
        ]
        scores = [
            score + (LEASE_PREFERENCE if meta.doc_type == "lease" else 0.0)
            for score, meta in zip(rerank(question, sources, similarity=self._similarity), metas, strict=True)
        ]
        adjusted = [
            (i, score - abs(score) * PORTFOLIO_DISCOUNT if discount and scope.portfolio_wide[i] else score)
            for (i, _), score in zip(ranked, scores, strict=True)
        ]
        return sorted(adjusted, key=lambda pair: -pair[1])

    def refresh(self) -> None:
        """Drop the mirror; the next query reloads the collection."""
        with self._lock:
            self._mirror = None
            self._scopes = {}

    def _scope(self, property_code: str | None) -> tuple[_Mirror, _Scope]:
        with self._lock:
            mirror, now = self._mirror, self._clock()
            if mirror is None or now - self._checked_at >= self._recheck_interval(mirror):
                version = corpus_version(self._client)
                self._checked_at = now
                if mirror is None or mirror.version != version:
                    mirror = self._mirror = self._load_mirror(version)
                    self._scopes = {}
            key = property_code if property_code in mirror.properties else None  # unknown: portfolio only
            scope = self._scopes.get(key)
            if scope is None:
                scope = self._scopes[key] = self._build_scope(mirror, key)
            return mirror, scope

    def _recheck_interval(self, mirror: _Mirror) -> float:
        # An empty index is rechecked sooner, so a first ingest shows up within a second even when a
        # populated index is only rechecked rarely.
        if mirror.texts:
            return self._recheck_seconds
        return min(self._recheck_seconds, EMPTY_RECHECK_SECONDS)

    def _load_mirror(self, version: str) -> _Mirror:
        if not version:  # nothing ingested yet
            return _Mirror(version, [], [], np.empty((0, EMBEDDING_DIM), dtype=np.float32), frozenset())
        collection = open_collection(self._client)
        texts: list[str] = []
        metadatas: list[ChunkMetadata] = []
        blocks: list[FloatMatrix] = []
        offset = 0
        while True:
            page = collection.get(
                include=["documents", "metadatas", "embeddings"], limit=_MIRROR_PAGE, offset=offset
            )
            texts.extend(page["documents"] or [])
            metadatas.extend(ChunkMetadata.from_chroma(meta) for meta in page["metadatas"] or [])
            if page["ids"]:
                blocks.append(np.asarray(page["embeddings"], dtype=np.float32))
            if len(page["ids"]) < _MIRROR_PAGE:
                break
            offset += _MIRROR_PAGE
        vectors = np.concatenate(blocks) if blocks else np.empty((0, EMBEDDING_DIM), dtype=np.float32)
        return _Mirror(version, texts, metadatas, vectors, frozenset(meta.property for meta in metadatas))

    @staticmethod
    def _build_scope(mirror: _Mirror, property_code: str | None) -> _Scope:
        allowed = {PORTFOLIO_WIDE} if property_code is None else {PORTFOLIO_WIDE, property_code}
        rows = np.array(
            [i for i, meta in enumerate(mirror.metadatas) if meta.property in allowed], dtype=np.int64
        )
        texts = [
            search_text(
                title=mirror.metadatas[i].title,
                section_path=mirror.metadatas[i].section_path,
                text=mirror.texts[i],
            )
            for i in rows.tolist()
        ]
        portfolio_wide = np.array(
            [mirror.metadatas[i].property == PORTFOLIO_WIDE for i in rows.tolist()], dtype=bool
        )
        return _Scope(
            rows=rows,
            portfolio_wide=portfolio_wide,
            vectors=mirror.vectors[rows],
            lexical=LexicalIndex(texts),
        )

    @staticmethod
    def _passage(mirror: _Mirror, row: int, score: float) -> Passage:
        meta = mirror.metadatas[row]
        return Passage(
            text=mirror.texts[row],
            title=meta.title,
            page=meta.page,
            section=meta.section,
            source=meta.source,
            score=round(score, 6),
            doc_type=meta.doc_type,
            property=None if meta.property == PORTFOLIO_WIDE else meta.property,
        )


__all__ = ["Passage", "RetrievalMode", "Retriever", "heads_first", "reciprocal_rank_fusion"]
