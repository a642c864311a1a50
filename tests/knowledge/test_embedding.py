"""The embedding model: offline, unit-length, batch-independent, truncated at 256 tokens."""

from __future__ import annotations

import numpy as np
from chromadb.utils.embedding_functions import known_embedding_functions

from app.knowledge.constants import (
    EMBEDDING_DIM,
    EMBEDDING_FUNCTION_NAME,
    EMBEDDING_MAX_TOKENS,
    EMBEDDING_MODEL_ID,
)
from app.knowledge.embedding import MiniLMEmbeddingFunction, get_encoder, tokenizer_path


def test_vectors_are_unit_length_and_similar_texts_are_close() -> None:
    encoder = get_encoder()

    vectors = encoder.embed(["When is rent due?", "What day of the month is rent due?", "Where is the pool?"])

    assert vectors.shape == (3, EMBEDDING_DIM) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_a_text_embeds_the_same_alone_or_padded_in_a_batch() -> None:
    encoder = get_encoder()
    short, long = "Late fee?", "If rent is not received by the 4th a late charge of $75.00 applies. " * 5

    together = encoder.embed([long, short])

    np.testing.assert_allclose(together[1], encoder.embed_one(short), atol=1e-4)
    np.testing.assert_allclose(together[0], encoder.embed_one(long), atol=1e-4)


def test_a_text_has_the_same_vector_bit_for_bit_in_any_batch() -> None:
    """The reader's re-ranking measures every candidate's sentences in one call, and ranks as it did with
    one call per candidate only because a sentence's vector does not depend on what it is batched with."""
    encoder = get_encoder()
    texts = [
        "Late fee?",
        "Rent is due on the 1st.",
        "If rent is not received by the 4th a late charge of $75.00 applies. " * 5,
        "Pets are not permitted without the written consent of the Landlord.",
        "A returned payment is charged a $35.00 fee, and the payment is removed from your account.",
    ]

    together = encoder.embed(texts)

    for text, vector in zip(texts, together, strict=True):
        assert np.array_equal(vector, encoder.embed_one(text))
    assert np.array_equal(encoder.embed(texts[1::2]), together[1::2])


def test_a_repeated_query_is_embedded_once_and_cannot_be_changed_by_a_caller() -> None:
    encoder = get_encoder()
    question = "Is there a fee for paying rent by card at Maple Court?"

    first = encoder.embed_query(question)

    np.testing.assert_allclose(first, encoder.embed_one(question), atol=1e-6)
    assert encoder.embed_query(question) is first
    assert not first.flags.writeable
    assert encoder.embed_query(question + " Thanks") is not first
    encoder.forget_queries()
    again = encoder.embed_query(question)
    assert again is not first
    np.testing.assert_allclose(again, first, atol=1e-6)


def test_inputs_are_cut_at_256_tokens() -> None:
    encoder = get_encoder()
    text = "rent " * 1000

    assert encoder.count_tokens([text]) == [EMBEDDING_MAX_TOKENS]
    np.testing.assert_allclose(
        encoder.embed_one(text), encoder.embed_one(text + " extra words at the end"), atol=1e-5
    )


def test_empty_input_gives_an_empty_matrix() -> None:
    assert get_encoder().embed([]).shape == (0, EMBEDDING_DIM)


def test_chroma_embedding_function_is_registered_and_round_trips_its_config() -> None:
    function = MiniLMEmbeddingFunction()

    assert known_embedding_functions[EMBEDDING_FUNCTION_NAME] is MiniLMEmbeddingFunction
    assert function.get_config()["model_id"] == EMBEDDING_MODEL_ID
    rebuilt = MiniLMEmbeddingFunction.build_from_config(function.get_config())
    np.testing.assert_allclose(rebuilt(["hello"])[0], function(["hello"])[0], atol=1e-6)
    assert function.default_space() == "cosine"


def test_the_project_carries_its_own_tokenizer_with_a_notice() -> None:
    assert tokenizer_path().is_file()
    notice = (tokenizer_path().parent / "NOTICE").read_text()
    assert "Apache License, Version 2.0" in notice and "all-MiniLM-L6-v2" in notice
