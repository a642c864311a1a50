"""The training and held-out files: enough of every intent, Spanish, no leaks between them."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from agents.intents import Intent
from agents.offline.dataset import HELDOUT_FILE, TRAINING_FILE, DatasetError, fingerprint, load_examples
from agents.offline.gloss import GLOSSARY_FILE, Glossary


def _key(text: str) -> str:
    """Case and punctuation do not make a message new ("hi!" is "hi"); punctuation alone stays itself."""
    return re.sub(r"\W+", " ", text.lower()).strip() or text


@pytest.mark.parametrize(
    ("path", "minimum"), [(TRAINING_FILE, 40), (HELDOUT_FILE, 15)], ids=["training", "heldout"]
)
def test_every_intent_has_enough_examples(path: Path, minimum: int) -> None:
    counts = Counter(example.intent for example in load_examples(path))
    assert {intent: counts[intent] for intent in Intent if counts[intent] < minimum} == {}


@pytest.mark.parametrize("path", [TRAINING_FILE, HELDOUT_FILE], ids=["training", "heldout"])
def test_about_a_quarter_to_a_third_is_spanish(path: Path) -> None:
    examples = load_examples(path)
    share = sum(example.lang == "es" for example in examples) / len(examples)
    assert 0.2 <= share <= 0.35


def test_out_of_scope_is_the_broadest_class() -> None:
    counts = Counter(example.intent for example in load_examples(TRAINING_FILE))
    assert counts.most_common(1)[0][0] is Intent.OUT_OF_SCOPE


def test_heldout_messages_never_appear_in_training() -> None:
    training = {_key(example.text) for example in load_examples(TRAINING_FILE)}
    leaked = [example.text for example in load_examples(HELDOUT_FILE) if _key(example.text) in training]
    assert leaked == []


def test_no_duplicates_within_training() -> None:
    counts = Counter(_key(example.text) for example in load_examples(TRAINING_FILE))
    assert [text for text, count in counts.items() if count > 1] == []


def test_a_bad_line_names_its_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "hi", "intent": "greeting", "lang": "en"}\n{"text": "x", "intent": "nope"}\n')
    with pytest.raises(DatasetError, match=r"bad\.jsonl:2"):
        load_examples(path)


def test_fingerprint_follows_content(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text("a\n")
    before = fingerprint([path])
    path.write_text("b\n")
    assert fingerprint([path]) != before


def test_packaged_glossary_parses() -> None:
    glossary = Glossary.read(GLOSSARY_FILE)
    assert glossary.words["renta"] == "rent"
    assert glossary.render("Cuánto debo de renta?") == "how much do i owe of rent ?"


def test_glossary_rejects_a_line_without_a_tab(tmp_path: Path) -> None:
    path = tmp_path / "glossary.tsv"
    path.write_text("renta rent\n", encoding="utf-8")
    with pytest.raises(ValueError, match="glossary.tsv:1"):
        Glossary.read(path)
