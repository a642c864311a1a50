"""How many parts a resident wants to split a payment into.

"in two parts", "2 payments", "3 installments", "split it into 3", "en dos pagos", "en 3 partes",
"dividirlo en dos", "half now half later", "la mitad", "twice a month" -> 2. Counts outside 2-24 are
not a split ("in one payment"). The first explicit count wins over a "half".
"""

from __future__ import annotations

import re
from typing import Final

from agents.offline.slot_parsers.numbers import NUMBER_WORD_PATTERN, number_word_spans

_WORD: Final = r"(?:" + NUMBER_WORD_PATTERN + r")"
_COUNT: Final = r"(?P<count>\d{1,2}|" + _WORD + r"(?:\s+y\s+" + _WORD + r")?)"
_PARTS: Final = (
    r"(?:parts?|payments?|installments?|instal?ments?|instalments?|pieces|chunks|halves|paychecks|checks|"
    r"pagos|partes|cuotas|plazos|abonos|quincenas|mensualidades)"
)
_COUNTED: Final = (
    re.compile(
        r"\b" + _COUNT + r"\s+(?:separate\s+|equal\s+|smaller\s+|small\s+|monthly\s+|weekly\s+|"
        r"biweekly\s+|diferentes\s+)?" + _PARTS + r"\b"
    ),
    re.compile(
        r"\b(?:split|divide|break)\s+(?:it|this|that|rent|the\s+\w+|what\s+i\s+owe|up)?\s*(?:up\s+)?"
        r"(?:in|into|in\s+to|over)\s+" + _COUNT + r"\b"
    ),
    re.compile(r"\b(?:dividir|dividirlo|dividirla|partir|partirlo|repartir)\s+(?:\w+\s+)?en\s+" + _COUNT),
    re.compile(
        r"\b(?:pagar|pagarlo|pagarla|pago|pagarle)\s+(?:\w+\s+)?en\s+"
        + _COUNT
        + r"\b(?!\s+(?:dias|semanas|meses))"
    ),
)
_HALF: Final = re.compile(r"\bhalf\b|\bhalves\b|\bmitad\b|\b50\s*/\s*50\b|\btwice\b|\bdos\s+veces\b")

MIN_PARTS: Final = 2
MAX_PARTS: Final = 24


def find_installments(folded: str) -> int | None:
    """The number of parts named in `folded` text, or None when it names no split."""
    for pattern in _COUNTED:
        for match in pattern.finditer(folded):
            count = _count(match["count"])
            if count is not None and MIN_PARTS <= count <= MAX_PARTS:
                return count
    return MIN_PARTS if _HALF.search(folded) else None


def _count(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    spans = number_word_spans(text)
    return spans[0].value if len(spans) == 1 else None
