"""The on-disk sentence vector cache: what one process embeds, the next one reads; a broken file is a miss."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from app.knowledge.constants import EMBEDDING_DIM
from app.knowledge.vector_cache import VectorCache


def _vector(seed: int) -> np.ndarray:
    row = np.random.default_rng(seed).standard_normal(EMBEDDING_DIM).astype(np.float32)
    return row / np.linalg.norm(row)


def test_a_vector_kept_by_one_process_is_read_by_the_next(tmp_path: Path) -> None:
    first = VectorCache.in_directory(tmp_path)
    first.put_many({"Rent is due on the 1st.": _vector(1), "A late fee of $50 applies.": _vector(2)})
    first.close()

    second = VectorCache.in_directory(tmp_path)
    found = second.get_many(["A late fee of $50 applies.", "Never kept.", "A late fee of $50 applies."])
    assert list(found) == ["A late fee of $50 applies."]
    assert np.array_equal(found["A late fee of $50 applies."], _vector(2))
    assert not found["A late fee of $50 applies."].flags.writeable


def test_the_oldest_vectors_go_first_past_the_limit(tmp_path: Path) -> None:
    cache = VectorCache(tmp_path / "v.sqlite3", max_rows=3)
    for n in range(5):
        cache.put_many({f"sentence {n}": _vector(n)})
    assert sorted(cache.get_many([f"sentence {n}" for n in range(5)])) == [
        "sentence 2",
        "sentence 3",
        "sentence 4",
    ]


def test_a_sentence_kept_twice_keeps_its_first_vector(tmp_path: Path) -> None:
    cache = VectorCache.in_directory(tmp_path)
    cache.put_many({"same": _vector(1)})
    cache.put_many({"same": _vector(2)})
    assert np.array_equal(cache.get_many(["same"])["same"], _vector(1))


def test_a_damaged_file_is_a_miss_not_an_error(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "v.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    cache = VectorCache(path)
    with caplog.at_level(logging.WARNING):
        assert cache.get_many(["Rent is due on the 1st."]) == {}
        cache.put_many({"Rent is due on the 1st.": _vector(1)})
    assert "reading without it" in caplog.text
    assert path.read_bytes() == b"this is not a database" * 100


def test_an_unwritable_place_turns_the_cache_off(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be")
    cache = VectorCache.in_directory(blocker)
    cache.put_many({"Rent is due on the 1st.": _vector(1)})
    assert cache.get_many(["Rent is due on the 1st."]) == {}


def test_many_sentences_at_once(tmp_path: Path) -> None:
    cache = VectorCache.in_directory(tmp_path)
    vectors = {f"clause {n}": _vector(n) for n in range(1200)}
    cache.put_many(vectors)
    found = cache.get_many(list(vectors))
    assert len(found) == 1200
    assert all(np.array_equal(found[text], vector) for text, vector in vectors.items())


class _CountingEncoder:
    """Hash vectors, counting the sentences it is asked to embed."""

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.embedded += texts
        return np.array([_vector(hash(text) % 2**32) for text in texts], dtype=np.float32)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def embed_query(self, text: str) -> np.ndarray:
        return _vector(hash(text) % 2**32)


def test_the_next_process_reads_the_sentences_instead_of_embedding_them(tmp_path: Path) -> None:
    from app.knowledge.reading import EncoderSimilarity

    sentences = ["Rent is due on the 1st.", "A late fee of $50 applies after the 5th.", "Pets need consent."]
    first_encoder, next_encoder = _CountingEncoder(), _CountingEncoder()
    first = EncoderSimilarity(first_encoder, kept=VectorCache.in_directory(tmp_path))  # type: ignore[arg-type]
    expected = first("when is rent late", sentences)
    assert first_encoder.embedded == sentences

    following = EncoderSimilarity(next_encoder)  # type: ignore[arg-type]
    following.keep_on_disk(VectorCache.in_directory(tmp_path))
    measured = following("when is rent late", [*sentences, "Parking is $40 a month."])
    assert measured[:3] == expected
    assert next_encoder.embedded == ["Parking is $40 a month."]
