"""The int8-matmul rewrite of MiniLM: faithful to the float pass, cached once, never a broken model."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from tokenizers import Tokenizer

from app.knowledge import embedding, integer_model
from app.knowledge.embedding import MiniLMEncoder, model_path, tokenizer_path
from app.knowledge.integer_model import cached_file_name, integer_matmuls, integer_model_file

MESSAGES = [
    "hi",
    "How much do I owe this month?",
    "Why was I charged a late fee when I paid on the 3rd?",
    "Can I pay $600 now and the rest on the 15th?",
    "¿Cuánto debo de renta este mes?",
    "Is there a fee for paying rent by card at Maple Court?",
    "The dishwasher is leaking again and nobody has come",
    "I lost my job and cannot pay rent, what are my options",
]


def _float_vectors(texts: list[str]) -> np.ndarray:
    """The packaged model as onnxruntime runs it unrewritten: int8 weights turned back into float."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(
        str(model_path()), sess_options=options, providers=["CPUExecutionProvider"]
    )
    tokenizer = Tokenizer.from_file(str(tokenizer_path()))
    tokenizer.no_padding()
    rows = []
    for text in texts:
        ids = np.asarray([tokenizer.encode(text).ids], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        pooled = session.run(["last_hidden_state"], feeds)[0][0].mean(axis=0)
        rows.append(pooled / np.linalg.norm(pooled))
    return np.asarray(rows)


def test_every_projection_of_the_six_layers_runs_on_int8_weights() -> None:
    model = onnx.load(str(model_path()))
    before = [node.op_type for node in model.graph.node]

    replaced = integer_matmuls(model)

    ops = [node.op_type for node in model.graph.node]
    assert replaced == 6 * 6  # query, key, value, output, and the two feed-forward projections
    assert ops.count("DynamicQuantizeMatMul") == replaced
    assert ops.count("MatMul") == before.count("MatMul") - replaced  # attention's stay in float
    # the float copies of those weights are no longer made: their Cast and Mul are gone
    assert (ops.count("Cast"), ops.count("Mul")) == (
        before.count("Cast") - replaced,
        before.count("Mul") - replaced,
    )
    onnx.checker.check_model(model)


QUESTIONS_AND_CLAUSES = [
    ("When is my rent due?", "Rent is due in advance on the first day of each month."),
    ("Why was I charged a late fee?", "A late charge of $75.00 applies if rent is not received by the 4th."),
    ("Can I pay with a credit card?", "Card payments in the portal carry a 2.95% processing fee."),
    ("My check bounced, what now?", "A returned payment is charged a $35.00 fee and must be replaced."),
    ("Can I have a cat?", "Pets are not permitted without the written consent of the Landlord."),
    ("Who fixes the leaking sink?", "Tenants report repairs through the maintenance request form."),
]


def test_vectors_stay_close_to_the_float_pass() -> None:
    rewritten = MiniLMEncoder(threads=1).embed(MESSAGES)
    reference = _float_vectors(MESSAGES)

    cosines = (rewritten * reference).sum(axis=1)
    assert cosines.min() >= 0.97, cosines


def test_each_question_still_finds_its_clause() -> None:
    encoder = MiniLMEncoder(threads=1)
    questions = encoder.embed([q for q, _ in QUESTIONS_AND_CLAUSES])
    clauses = encoder.embed([c for _, c in QUESTIONS_AND_CLAUSES])

    nearest = (questions @ clauses.T).argmax(axis=1)

    assert nearest.tolist() == list(range(len(QUESTIONS_AND_CLAUSES)))


def test_long_texts_on_the_multithreaded_session_match_the_single_threaded_one() -> None:
    chunk = "If rent is not received by the 4th a late charge of $75.00 applies to the account. " * 8
    assert MiniLMEncoder(threads=1).count_tokens([chunk])[0] > embedding.SHORT_TOKENS

    np.testing.assert_allclose(
        MiniLMEncoder(threads=2).embed_one(chunk), MiniLMEncoder(threads=1).embed_one(chunk), atol=1e-5
    )


def test_the_rewrite_is_cached_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = integer_model_file(model_path(), tmp_path)

    def no_second_rewrite(source: Path) -> bytes:
        raise AssertionError("the cached model was rewritten again")

    monkeypatch.setattr(integer_model, "integer_model_bytes", no_second_rewrite)
    again = integer_model_file(model_path(), tmp_path)

    assert isinstance(first, Path) and again == first
    assert first.name == cached_file_name(model_path())
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no partial file left behind


def test_an_unwritable_cache_still_gives_the_model(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache directory should be")

    with caplog.at_level(logging.WARNING):
        model = integer_model_file(model_path(), blocked / "models")

    assert isinstance(model, bytes)
    assert ort.InferenceSession(model, providers=["CPUExecutionProvider"]).get_inputs()[0].name == "input_ids"
    assert "from memory" in caplog.text


def test_a_damaged_cached_model_is_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(integer_model, "default_cache_dir", lambda: tmp_path)
    damaged = tmp_path / cached_file_name(model_path())
    damaged.write_bytes(b"half a model")

    with caplog.at_level(logging.WARNING):
        encoder = MiniLMEncoder(threads=1)

    np.testing.assert_allclose(np.linalg.norm(encoder.embed_one("When is rent due?")), 1.0, atol=1e-5)
    assert "could not be loaded" in caplog.text
    assert not damaged.exists() or damaged.read_bytes() != b"half a model"


def test_a_model_without_int8_weights_is_refused(tmp_path: Path) -> None:
    graph = onnx.helper.make_graph(
        [onnx.helper.make_node("Identity", ["x"], ["y"])],
        "plain",
        [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1])],
        [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])],
    )
    source = tmp_path / "plain.onnx"
    onnx.save(onnx.helper.make_model(graph), str(source))

    with pytest.raises(ValueError, match="no int8-weight MatMul"):
        integer_model_file(source, tmp_path / "cache")
