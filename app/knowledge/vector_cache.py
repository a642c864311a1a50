"""Sentence vectors kept on disk between processes.

The reader weighs every sentence of the candidate passages by its MiniLM cosine to the question
(`app.knowledge.reading.EncoderSimilarity`). A server keeps those vectors in memory and soon has every
clause it reads; a one-shot `doorstep ask` starts empty and spent about 0.25 s of its wall time
embedding the same forty sentences again (the model is compute-bound: batching them saves little).
This file keeps them for the next process, the way the intent model is kept.

It is a cache and never a source of truth: a vector is keyed by the model, its input limit and the
sentence's own text, so an entry can be stale only by being unused; anything unreadable is a miss;
when the file cannot be opened or written (a read-only data directory, a full disk) the reader embeds
as it did before and the cache stays off for the process. At most `MAX_ROWS` vectors are kept (about
1.5 KiB each), the oldest written dropped first.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

import numpy as np

from app.knowledge.constants import EMBEDDING_DIM, EMBEDDING_MAX_TOKENS, EMBEDDING_MODEL_ID
from app.knowledge.embedding import FloatMatrix

logger = logging.getLogger(__name__)

FILE_NAME: Final = "sentence-vectors.sqlite3"
MAX_ROWS: Final = 100_000
"""About 150 MiB: every sentence of a portfolio's documents several times over."""
BUSY_SECONDS: Final = 2.0
_VECTOR_BYTES: Final = EMBEDDING_DIM * 4
_SCHEMA: Final = "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)"


def sentence_key(text: str) -> bytes:
    """The cache key of a sentence: what made its vector (model, input limit) and the text itself."""
    digest = hashlib.sha256(f"{EMBEDDING_MODEL_ID}\0{EMBEDDING_MAX_TOKENS}\0".encode())
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.digest()[:20]


class VectorCache:
    """Sentence vectors in one SQLite file; safe to share across threads and processes."""

    def __init__(self, path: Path, *, max_rows: int = MAX_ROWS) -> None:
        self.path = path
        self.max_rows = max_rows
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._off = False

    @classmethod
    def in_directory(cls, directory: Path) -> VectorCache:
        """The cache file a data directory keeps (created on first write)."""
        return cls(directory / FILE_NAME)

    def get_many(self, texts: Sequence[str]) -> dict[str, FloatMatrix]:
        """The cached vectors of those of `texts` that have one (read-only arrays)."""
        keys = {sentence_key(text): text for text in dict.fromkeys(texts)}
        if not keys:
            return {}
        found: dict[str, FloatMatrix] = {}
        with self._lock:
            connection = self._open()
            if connection is None:
                return {}
            try:
                rows: list[tuple[bytes, bytes]] = []
                batch = list(keys)
                for start in range(0, len(batch), 500):  # SQLite's bound-parameter limit
                    chunk = batch[start : start + 500]
                    marks = ",".join("?" * len(chunk))
                    rows += connection.execute(
                        f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk
                    ).fetchall()
            except sqlite3.Error as exc:
                self._turn_off("read", exc)
                return {}
        for key, blob in rows:
            if len(blob) == _VECTOR_BYTES:
                vector = np.frombuffer(blob, dtype=np.float32)  # read-only, like the in-memory cache's
                found[keys[bytes(key)]] = vector
        return found

    def put_many(self, vectors: Mapping[str, FloatMatrix]) -> None:
        """Keep these sentences' vectors (a sentence already kept keeps its first vector)."""
        rows = [
            (sentence_key(text), np.ascontiguousarray(vector, dtype=np.float32).tobytes())
            for text, vector in vectors.items()
            if vector.shape == (EMBEDDING_DIM,)
        ]
        if not rows:
            return
        with self._lock:
            connection = self._open()
            if connection is None:
                return
            try:
                with connection:
                    connection.executemany("INSERT OR IGNORE INTO vectors (key, vector) VALUES (?, ?)", rows)
                    connection.execute(
                        "DELETE FROM vectors WHERE rowid <= (SELECT MAX(rowid) FROM vectors) - ?",
                        (self.max_rows,),
                    )
            except sqlite3.Error as exc:
                self._turn_off("write", exc)

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _open(self) -> sqlite3.Connection | None:
        if self._off:
            return None
        if self._connection is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(self.path, timeout=BUSY_SECONDS, check_same_thread=False)
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
                connection.execute(_SCHEMA)
            except (OSError, sqlite3.Error) as exc:
                self._turn_off("open", exc)
                return None
            self._connection = connection
        return self._connection

    def _turn_off(self, action: str, exc: Exception) -> None:
        logger.warning(
            "sentence vector cache %s: could not %s it (%s); reading without it", self.path, action, exc
        )
        self._off = True
        if self._connection is not None:
            self._connection.close()
            self._connection = None
