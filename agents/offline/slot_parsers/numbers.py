"""Numbers written as words, in English and Spanish ("seventy-five", "setenta y cinco", "mil quinientos").

Only what residents write about rent: whole numbers below a million, and the day ordinals 1-31
("the fifteenth", "twenty-first", "el primero").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

_UNITS: Final = {
    # English
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    # Spanish
    "cero": 0, "un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14,
    "quince": 15, "dieciseis": 16, "diecisiete": 17, "dieciocho": 18, "diecinueve": 19, "veintiun": 21,
    "veintiuno": 21, "veintidos": 22, "veintitres": 23, "veinticuatro": 24, "veinticinco": 25,
    "veintiseis": 26, "veintisiete": 27, "veintiocho": 28, "veintinueve": 29,
}  # fmt: skip
_TENS: Final = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
    "veinte": 20, "treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70,
    "ochenta": 80, "noventa": 90,
}  # fmt: skip
_HUNDREDS: Final = {
    "cien": 100, "ciento": 100, "doscientos": 200, "doscientas": 200, "trescientos": 300,
    "trescientas": 300, "cuatrocientos": 400, "cuatrocientas": 400, "quinientos": 500, "quinientas": 500,
    "seiscientos": 600, "seiscientas": 600, "setecientos": 700, "setecientas": 700, "ochocientos": 800,
    "ochocientas": 800, "novecientos": 900, "novecientas": 900,
}  # fmt: skip
_SCALES: Final = {"hundred": 100, "thousand": 1000, "mil": 1000, "grand": 1000}
_JOINERS: Final = frozenset({"and", "y"})
#: "a hundred", "a thousand": the article counts as one only before a scale word.
_ARTICLES: Final = frozenset({"a"})

_ORDINALS: Final = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30, "primero": 1, "primer": 1,
}  # fmt: skip

_TOKEN: Final = re.compile(r"[a-z]+")
NUMBER_WORD_PATTERN: Final = "|".join(sorted({*_UNITS, *_TENS, *_HUNDREDS, *_SCALES}, key=len, reverse=True))
ORDINAL_WORD_PATTERN: Final = (
    r"(?:(?:twenty|thirty)[ -])?(?:" + "|".join(sorted(_ORDINALS, key=len, reverse=True)) + r")"
)


@dataclass(frozen=True)
class NumberSpan:
    """A number written in words: its value and where it sits in the text."""

    start: int
    end: int
    value: int


def number_word_spans(folded: str) -> list[NumberSpan]:
    """Every maximal run of number words in `folded` (lowercase, accent-free), with its value."""
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(folded.replace("-", " "))]
    spans: list[NumberSpan] = []
    run: list[tuple[int, int, str]] = []
    for index, token in enumerate(tokens):
        word = token[2]
        following = tokens[index + 1][2] if index + 1 < len(tokens) else ""
        if _is_number_word(word) or (word in _ARTICLES and following in _SCALES):
            if run and not _continues(run, word):
                spans.extend(_close(run))
                run = []
            run.append(token)
        elif word in _JOINERS and run and _is_number_word(following):
            run.append(token)
        else:
            spans.extend(_close(run))
            run = []
    spans.extend(_close(run))
    return spans


def ordinal_value(words: str) -> int | None:
    """The day an ordinal phrase names ("fifteenth" -> 15, "twenty-first" -> 21), or None."""
    parts = words.replace("-", " ").split()
    if len(parts) == 1:
        return _ORDINALS.get(parts[0])
    if len(parts) == 2 and parts[0] in ("twenty", "thirty") and parts[1] in _ORDINALS:
        value = _TENS[parts[0]] + _ORDINALS[parts[1]]
        return value if _ORDINALS[parts[1]] < 10 else None
    return None


def _is_number_word(word: str) -> bool:
    return word in _UNITS or word in _TENS or word in _HUNDREDS or word in _SCALES


def _continues(run: list[tuple[int, int, str]], word: str) -> bool:
    """Whether `word` extends the number in `run` ("seventy five") or starts another ("two three")."""
    previous = run[-1][2]
    if previous in _JOINERS or word in _SCALES or previous in _SCALES or previous in _ARTICLES:
        return True
    if previous in _TENS:
        return word in _UNITS and _UNITS[word] < 10
    if previous in _HUNDREDS:
        return word in _UNITS or word in _TENS
    return False


def _close(run: list[tuple[int, int, str]]) -> list[NumberSpan]:
    while run and run[-1][2] in _JOINERS:
        run = run[:-1]
    words = [word for _, _, word in run if word not in _JOINERS and word not in _ARTICLES]
    if not words:
        return []
    return [NumberSpan(start=run[0][0], end=run[-1][1], value=_value(words))]


def _value(words: list[str]) -> int:
    total, current = 0, 0
    for word in words:
        if word in _SCALES:
            scale = _SCALES[word]
            if scale == 100:
                current = (current or 1) * 100
            else:
                total += (current or 1) * scale
                current = 0
        elif word in _HUNDREDS:
            current += _HUNDREDS[word]
        elif word in _TENS:
            current += _TENS[word]
        else:
            current += _UNITS[word]
    return total + current
