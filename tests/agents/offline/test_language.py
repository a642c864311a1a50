"""English, Spanish or other, including one- and two-word messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.offline import detect_language
from agents.offline.dataset import HELDOUT_FILE, TRAINING_FILE, load_examples, load_language_samples


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("hola", "es"),
        ("cuanto debo", "es"),
        ("ok thanks", "en"),
        ("ok gracias", "es"),
        ("hi", "en"),
        ("balance?", "en"),
        ("mañana pago", "es"),
        ("¿Cuándo vence la renta?", "es"),
        ("nesesito ablar con alguien", "es"),
        ("holaaa", "es"),
        ("jajaja ok", "es"),
        ("thankss", "en"),
        ("el rent esta caro", "es"),
        ("mi balance", "es"),
        ("tengo un late fee", "es"),
        ("hi soy Ana del 4B", "es"),
        ("the late fee", "en"),
        ("rent", "en"),
        ("can maria from the office call me", "en"),
        ("paid at the oficina today", "en"),
        ("👍", "en"),
        ("$75", "en"),
        ("", "en"),
        ("merci beaucoup", "other"),
        ("bonjour, je veux payer mon loyer", "other"),
        ("obrigado", "other"),
        ("não consigo pagar o aluguel", "other"),
        ("salamat po", "other"),
        ("magkano po ang upa", "other"),
        ("cảm ơn", "other"),
        ("toi muon tra tien nha", "other"),
        ("谢谢", "other"),
        ("شكرا", "other"),
        ("спасибо", "other"),
        ("월세 얼마예요?", "other"),
        ("danke", "other"),
        ("grazie mille", "other"),
        ("mesi anpil", "other"),
    ],
)
def test_detects_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_language_samples_are_all_detected() -> None:
    misses = [(s.text, s.lang) for s in load_language_samples() if detect_language(s.text) != s.lang]
    assert misses == []


@pytest.mark.parametrize("path", [TRAINING_FILE, HELDOUT_FILE], ids=["training", "heldout"])
def test_intent_data_languages_agree_with_their_labels(path: Path) -> None:
    examples = load_examples(path)
    misses = [(e.text, e.lang) for e in examples if detect_language(e.text) != e.lang]
    assert len(misses) / len(examples) <= 0.01, misses
