"""Number words and the Spanish glossary rendering behind the slot parsers and the embedding."""

from __future__ import annotations

import pytest

from agents.offline.gloss import gloss_spanish
from agents.offline.slot_parsers.numbers import number_word_spans, ordinal_value


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("setenta y cinco", [75]),
        ("seventy-five", [75]),
        ("two hundred and fifty", [250]),
        ("a hundred", [100]),
        ("mil quinientos", [1500]),
        ("ciento veinte", [120]),
        ("one thousand eight hundred fifty", [1850]),
        ("two three", [2, 3]),
        ("in two parts", [2]),
        ("nothing here", []),
    ],
)
def test_number_words(text: str, values: list[int]) -> None:
    assert [span.value for span in number_word_spans(text)] == values


@pytest.mark.parametrize(
    ("words", "day"),
    [
        ("first", 1),
        ("fifteenth", 15),
        ("twenty-first", 21),
        ("thirty first", 31),
        ("primero", 1),
        ("twenty", None),
    ],
)
def test_ordinals(words: str, day: int | None) -> None:
    assert ordinal_value(words) == day


@pytest.mark.parametrize(
    ("spanish", "english"),
    [
        ("perdí mi trabajo", "i lost my job"),
        ("puedo pagar la mitad", "can i pay half"),
        ("quiero hablar con una persona", "i want talk to a person"),
        ("huele a gas", "smells like gas"),
    ],
)
def test_gloss_renders_spanish_word_by_word(spanish: str, english: str) -> None:
    assert gloss_spanish(spanish) == english
