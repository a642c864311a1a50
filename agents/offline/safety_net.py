"""Words that send a message to staff whatever the classifier thinks.

A small fixed net under the model: legal threats, discrimination, and danger to life are too costly to
miss, and residents name them in words the model may never have seen together ("sheriff said court
thursday"). Terms match whole words or stems on folded text (lowercase, accents removed), so
"desalojó", "Desalojo" and "desalojar" all match, while "fired" (lost a job), "courtesy", "issue",
"corte de luz" (a power cut) and "basketball court" do not. A hit costs a human look at a message
that may not have needed one; a miss costs far more, so stems are generous (a resident named Sue
reaches staff too).
"""

from __future__ import annotations

import re
from typing import Final

from agents.offline.text import fold

_NOT_AFTER_SPORT: Final = "".join(
    f"(?<!{word} )" for word in ("basketball", "tennis", "volleyball", "pickleball", "food", "sport")
)

#: (label reported to the graph and the audit log, pattern on folded text)
ALWAYS_ESCALATE: Final[tuple[tuple[str, re.Pattern[str]], ...]] = tuple(
    (label, re.compile(pattern))
    for label, pattern in (
        ("evict", r"\bevict\w*"),
        ("court", _NOT_AFTER_SPORT + r"\bcourts?\b"),
        ("lawyer", r"\blawyers?\b"),
        ("attorney", r"\battorneys?\b"),
        ("sue", r"\bsu(?:e|es|ed|ing)\b"),
        ("lawsuit", r"\blaw ?suits?\b"),
        ("bankrupt", r"\bbankrupt\w*"),
        ("discriminat", r"\bdiscrimin\w*"),
        ("desalojo", r"\bdesaloj\w*"),
        ("abogado", r"\babogad[oa]s?\b"),
        ("corte", r"\bcortes?\b(?! de (?:luz|agua|gas|pelo|cabello|servicio|internet|cable|energia))"),
        ("demanda", r"\bdemand(?:a|as|ar|are|aremos|arlos|arlas|arte|ando|o|aron)\b"),
        ("bancarrota", r"\bbancarrota\b|\bquiebra\b"),
        ("911", r"(?<![\d$.,])911(?![\d.,])"),
        ("fire", r"\bfires?\b"),
        ("fuego", r"\bfuego\b|\bincendio\w*"),
        ("gas leak", r"\bgas leak\w*|\bleak\w* gas\b|\bsmell\w* (?:like |of )?gas\b"),
        ("fuga de gas", r"\bfugas? de gas\b|\b(?:huele|olor) a gas\b"),
    )
)


def escalation_triggers(text: str) -> list[str]:
    """Labels of the always-escalate terms found in `text`, in table order; empty when none."""
    folded = fold(text, max_chars=None)  # the whole message: a threat may come after a long preamble
    return [label for label, pattern in ALWAYS_ESCALATE if pattern.search(folded)]
