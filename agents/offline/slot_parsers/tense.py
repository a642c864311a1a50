"""Which way a date in a message looks: back ("I paid on the 3rd") or ahead ("I'll pay on the 3rd").

Dates without a year, and bare days, are resolved by it (`agents.offline.slot_parsers.dates`).
"""

from __future__ import annotations

import re
from typing import Final, Literal

Tense = Literal["past", "future"] | None

_PAST_CUES: Final = re.compile(
    r"\b(?:(?<!get )(?<!gets )(?<!getting )paid|payed|sent|made|mailed|dropped|deposited|submitted|was|were|"
    r"did|got|received|charged|posted|happened|ago|pague|pagamos|pagaron|mande|envie|deje|hice|deposite|"
    r"fue|llego|cobraron|hicieron)\b"
)
_FUTURE_CUES: Final = re.compile(
    r"\b(?:will|ll|ill|gonna|going\s+to|can\s+i|could\s+i|may\s+i|can\s+we|could\s+we|plan\s+to|planning|"
    r"expect|promise|gets?\s+paid|voy\s+a|vamos\s+a|va\s+a|pagare|pagaremos|puedo|podemos|podria|"
    r"cuando\s+me\s+paguen|me\s+pagan|next|if\s+(?:i|we)\s+pay|si\s+(?:pago|pagamos|le\s+pago))\b"
)
#: A preposition right before the date says which way it looks ("by the 5th", "since friday").
_FUTURE_PREPOSITION: Final = re.compile(
    r"\b(?:by|until|til|till|before|hasta|antes\s+del?|para)\s+(?:the\s+|el\s+)?$"
)
_PAST_PREPOSITION: Final = re.compile(r"\b(?:since|desde)\s+(?:the\s+|el\s+)?$")
_CUES: Final[tuple[tuple[re.Pattern[str], Literal["past", "future"]], ...]] = (
    (_FUTURE_PREPOSITION, "future"),
    (_PAST_PREPOSITION, "past"),
)
_CLAUSE_CUES: Final[tuple[tuple[re.Pattern[str], Literal["past", "future"]], ...]] = (
    (_FUTURE_CUES, "future"),
    (_PAST_CUES, "past"),
)
_CLAUSE_BREAK: Final = re.compile(r"[.;!?\n]|,|\b(?:but|and|pero|y|because|porque|so)\b")


def tense_at(folded: str, start: int, end: int) -> Tense:
    """Which way the date at [start, end) looks: a preposition right before it, else the nearest cue in
    its clause (cues before the date count before cues after it), else None."""
    before = folded[max(0, start - 24) : start]
    for pattern, tense in _CUES:
        if pattern.search(before):
            return tense
    clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(folded, 0, start)), default=0)
    following = _CLAUSE_BREAK.search(folded, end)
    clause_end = following.start() if following else len(folded)
    best: tuple[int, Tense] | None = None
    for pattern, cue in _CLAUSE_CUES:
        for match in pattern.finditer(folded, clause_start, clause_end):
            if start <= match.start() < end:
                continue
            distance = start - match.end() if match.end() <= start else match.start() - end + 1000
            if best is None or distance < best[0]:
                best = (distance, cue)
    return best[1] if best else None
