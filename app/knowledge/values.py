"""Typed values a sentence states, and the kind of value a question asks for.

A question asks for an amount ("how much is the late fee"), a day ("when is rent due"), a count or a
length of time ("how many days notice"), a yes or no ("can I keep a cat"), or a procedure ("how do I
get my deposit back"); anything else is "general". A sentence states money ("$75.00", "5%"), days of
the month ("the 5th", "the first day of each month"), clock times ("5:00 p.m."), lengths of time
("thirty (30) days") and counts ("two pets"), each with where it sits in the sentence, so an answer can
prefer the sentence that states what was asked and a conflict check can compare like with like.

Pure functions over text, in English and the Spanish residents write; no model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

from app.knowledge.lexical import fold

AskedKind = Literal["amount", "day", "count", "yesno", "procedure", "general"]
ValueKind = Literal["money", "percent", "day_of_month", "time", "duration", "count"]

#: Which value kinds answer which asked kind, best first.
ANSWERS: Final[dict[AskedKind, tuple[ValueKind, ...]]] = {
    "amount": ("money", "percent"),
    "day": ("day_of_month", "time", "duration"),
    "count": ("duration", "count"),
    "yesno": (),
    "procedure": (),
    "general": (),
}

_NUMBER_WORDS: Final = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "twenty-one": 21,
    "twenty-four": 24,
    "twenty-five": 25,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "fifty": 50,
    "sixty": 60,
    "seventy-two": 72,
    "ninety": 90,
    "hundred": 100,
}
_ORDINAL_WORDS: Final = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "twentieth": 20,
    "twenty-fifth": 25,
    "last": 31,
}
_NUMBER: Final = r"(?P<n>\d{1,3}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
_UNITS: Final = {
    "day": "days",
    "days": "days",
    "business day": "business days",
    "business days": "business days",
    "calendar day": "days",
    "calendar days": "days",
    "banking day": "business days",
    "banking days": "business days",
    "hour": "hours",
    "hours": "hours",
    "week": "weeks",
    "weeks": "weeks",
    "month": "months",
    "months": "months",
    "year": "years",
    "years": "years",
    "dia": "days",
    "dias": "days",
    "dias habiles": "business days",
    "hora": "hours",
    "horas": "hours",
    "semana": "weeks",
    "semanas": "weeks",
    "mes": "months",
    "meses": "months",
}
_UNIT: Final = r"(?P<unit>" + "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True)) + r")"

_MONEY: Final = re.compile(r"[$£€]\s?(?P<v>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<c>\d{2}))?(?!\d)")
_DOLLARS: Final = re.compile(r"\b(?P<v>\d+)(?:\.(?P<c>\d{2}))?\s+dollars\b")
_NO_CHARGE: Final = re.compile(
    r"\b(?:(?:at\s+)?no\s+(?:additional\s+|extra\s+)?(?:charge|cost|fee)|free\s+of\s+charge|sin\s+costo)\b"
)
"""An amount of nothing: "at no charge", "free of charge"."""
_SUM: Final = re.compile(
    r"\b(?:amount|sum|fee|charge|cost|price|total)\s+of\s+(?P<v>\d{1,3}(?:,\d{3})+|\d+)\.(?P<c>\d{2})\b"
)
"""An amount written without its currency sign where the sentence says it is one: "a fee in the amount
of 25.00"."""
_PERCENT: Final = re.compile(r"\b(?P<v>\d{1,2}(?:\.\d+)?)\s?(?:%|percent\b|por\s+ciento\b)")
_DAY_OF_MONTH: Final = re.compile(
    r"\b(?:(?P<d>\d{1,2})(?:st|nd|rd|th)\b|(?P<w>"
    + "|".join(sorted(_ORDINAL_WORDS, key=len, reverse=True))
    + r")\s+(?:\(\d{1,2}(?:st|nd|rd|th)?\)\s+)?(?:(?:calendar\s+)?day\s+)?of\s+(?:the|each|every|any)\s+"
    r"(?:calendar\s+)?month)"
)
_DAY_BY_ORDINAL: Final = re.compile(
    r"\b(?:by|on|before|after|until|through|than)\s+the\s+(?P<w>"
    + "|".join(sorted((w for w in _ORDINAL_WORDS if w != "last"), key=len, reverse=True))
    + r")\b(?=\s*(?:[.,;)]|$)|\s+(?:and|or|if|at|in|calendar)\b)"
)
"""A day named by its ordinal alone where a deadline puts it: "payable by the tenth", "after the fifth,"."""
_DAY_OF_MONTH_SPACED: Final = re.compile(r"\b(?P<d>\d{1,2})\s(?:st|nd|rd|th)\b")
"""OCR of a superscript ordinal: "the 5 TH" (folded to "the 5 th")."""
_DAY_OF_MONTH_ES: Final = re.compile(r"\b(?:el\s+)?(?:dia\s+)(?P<d>\d{1,2})\b")
_TIME: Final = re.compile(
    r"\b(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s?(?P<ap>a\.?\s?m\.?|p\.?\s?m\.?)(?![a-z])|\b(?P<word>noon|midnight)\b"
)
_DURATION: Final = re.compile(
    r"\b"
    + _NUMBER
    + r"(?:\s*\((?:or\s*)?\d{0,3}\s*\))?(?:[\s-]+(?:full|consecutive|calendar|more|additional))?[\s-]+"
    + _UNIT
    + r"\b"
)
_COUNT: Final = re.compile(
    r"\b(?:up\s+to|no\s+more\s+than|maximum\s+of|at\s+most|hasta)\s+" + _NUMBER + r"(?:\s*\(\d{1,3}\))?\s+"
    r"(?P<noun>[a-z]+)"
)


_COUNTED: Final = re.compile(
    r"\b"
    + _NUMBER
    + r"(?:\s*\(\d{1,3}\))?\s+(?:\w+\s+)?(?P<noun>times|occasions|occupants|persons|people|pets|animals|"
    r"guests|visitors|vehicles|cars|checks|keys|nights|extensions|installments|roommates|lockouts)\b"
)
"""A number of things: "two (2) occasions", "three nights", "two returned checks"."""
_SPELLED_COUNT: Final = re.compile(
    r"\b(?P<n>" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\s*\(\d{1,3}\)\s+"
    r"(?:[a-z]+-[a-z]+\s+|[a-z]+\s+)?(?P<noun>[a-z]+)\b"
)
"""A number drafted in words and figures, of any thing: "two (2) lock-out services"."""


@dataclass(frozen=True, slots=True)
class Value:
    """One typed value in a text: its kind, a normal form to compare by, and where it is."""

    kind: ValueKind
    normal: str
    """"7500" (cents), "5" (percent), "5" (day of month), "17:00", "30 days", "2 pets"."""
    start: int
    end: int


def _number(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    return _NUMBER_WORDS.get(word)


VALUES_CACHE_SIZE: Final = 8192
"""Texts whose values `values_in` keeps: the reader asks again of the same clauses, several times a turn."""


def values_in(text: str) -> list[Value]:
    """Every typed value `text` states, in order of position (the text is folded to lower case)."""
    return list(_values(text))


@lru_cache(maxsize=VALUES_CACHE_SIZE)
def _values(text: str) -> tuple[Value, ...]:
    folded = fold(text)
    found: list[Value] = []
    for m in _MONEY.finditer(folded):
        cents = int(m["v"].replace(",", "")) * 100 + int(m["c"] or 0)
        found.append(Value("money", str(cents), m.start(), m.end()))
    for m in _DOLLARS.finditer(folded):
        found.append(Value("money", str(int(m["v"]) * 100 + int(m["c"] or 0)), m.start(), m.end()))
    for m in _NO_CHARGE.finditer(folded):
        found.append(Value("money", "0", m.start(), m.end()))
    for m in _SUM.finditer(folded):
        cents = int(m["v"].replace(",", "")) * 100 + int(m["c"])
        found.append(Value("money", str(cents), m.start("v"), m.end()))
    for m in _PERCENT.finditer(folded):
        found.append(Value("percent", m["v"].rstrip("0").rstrip(".") if "." in m["v"] else m["v"], *m.span()))
    for m in _DAY_OF_MONTH.finditer(folded):
        day = int(m["d"]) if m["d"] else _ORDINAL_WORDS[m["w"]]
        if 1 <= day <= 31:
            found.append(Value("day_of_month", str(day), m.start(), m.end()))
    for m in _DAY_BY_ORDINAL.finditer(folded):
        found.append(Value("day_of_month", str(_ORDINAL_WORDS[m["w"]]), m.start("w"), m.end("w")))
    for m in _DAY_OF_MONTH_SPACED.finditer(folded):
        if 1 <= int(m["d"]) <= 31:
            found.append(Value("day_of_month", str(int(m["d"])), m.start(), m.end()))
    for m in _DAY_OF_MONTH_ES.finditer(folded):
        if 1 <= int(m["d"]) <= 31:
            found.append(Value("day_of_month", str(int(m["d"])), m.start(), m.end()))
    for m in _TIME.finditer(folded):
        if m["word"]:
            normal = "12:00" if m["word"] == "noon" else "00:00"
        else:
            hour = int(m["h"]) % 12 + (12 if m["ap"].startswith("p") else 0)
            normal = f"{hour:02d}:{m['m'] or '00'}"
        found.append(Value("time", normal, m.start(), m.end()))
    for m in _DURATION.finditer(folded):
        n = _number(m["n"])
        if n is not None:
            found.append(Value("duration", f"{n} {_UNITS[m['unit']]}", m.start(), m.end()))
    for m in _COUNT.finditer(folded):
        n = _number(m["n"])
        if n is not None:
            found.append(Value("count", f"{n} {m['noun'].rstrip('s')}", m.start(), m.end()))
    counted = [(v.start, v.end) for v in found if v.kind in ("count", "duration")]
    for pattern in (_COUNTED, _SPELLED_COUNT):
        for m in pattern.finditer(folded):
            n = _number(m["n"])
            if n is not None and not any(a <= m.start() < b for a, b in counted):
                found.append(Value("count", f"{n} {m['noun'].rstrip('s')}", m.start(), m.end()))
                counted.append((m.start(), m.end()))
    return tuple(sorted(found, key=lambda v: v.start))


# -- what a question asks for ------------------------------------------------------------------------------

_ASK_PATTERNS: Final[tuple[tuple[AskedKind, str], ...]] = (
    (
        "count",
        r"\bhow\s+(?:many|long|far\s+in\s+advance|soon|fast|quickly|much\s+(?:notice|time))\b|\bcuant[oa]s\b|"
        r"\bcuanto\s+tiempo\b|\bcon\s+cuant[oa]s?\b",
    ),
    (
        "amount",
        r"\bhow\s+much\b|\bcuanto\b|\b(?:what|whats|wats)(?:'s|\s+is|\s+are)?\s+(?:the\s+|a\s+|my\s+)?(?:\w+\s+){0,2}"
        r"(?:fees?|charges?|costs?|prices?|rates?|amount|deposit|penalty)\b|\bcost\b|\bprice\b|"
        r"\bis\s+there\s+(?:a|an|any)\s+(?:\w+\s+){0,2}(?:fee|charge|cost|penalty)\b|\bcuesta\b|\bcobran\b|"
        r"^(?:the\s+|a\s+|my\s+)?(?:[a-z]+\s+){0,3}(?:fees?|deposit|charges?|costs?|fines?|penalty)$|"
        # "whats my monthly rent", "what is the pet rent per month": the rent itself, not its due date
        r"\b(?:what|whats|wats)(?:'s|\s+is|\s+are)?\s+(?:the\s+|my\s+|our\s+)?(?:\w+\s+){0,2}rent"
        r"(?=$|\s+(?:per|a|an|each|every|for|on|in|under|at|of|now|this|next)\b)",
    ),
    (
        "day",
        # not "when i pay, what gets paid first": a "when" clause that sets up another question
        r"\bwhen\b(?![^,?]*,\s*(?:what|whats|how|who|which|where|can|could|do|does|will|would|is|are|should)\b)|"
        r"\bwhat\s+(?:day|date|time)\b|\b(?:what|whats|which)(?:'s|\s+is|\s+are)?\s+(?:the\s+|my\s+)?"
        r"(?:last|final|latest|earliest|first)\s+(?:day|date|time)\b|\bwhich\s+day\b|\bby\s+what\b|\bdeadline\b|"
        r"\bwhat\s+hours?\b|\b(?:what|whats|which)(?:'s|\s+(?:is|are))?\s+(?:the\s+|your\s+)?(?:\w+\s+){0,2}hours\b|"
        r"\b(?:office|opening|business)\s+hours\b|\bcuando\b|\bque\s+(?:dia|fecha|hora)\b|\ba\s+que\s+hora\b",
    ),
    (
        "procedure",
        r"\bhow\s+(?:do|can|should|would|will)\s+(?:i|we|you)\b|\bhow\s+to\b|"
        r"\bwhere\s+(?:do|can|should)\s+(?:i|we)\b|\bwhat\s+(?:do|should)\s+i\s+do\b|\bwho\s+do\s+i\b|"
        r"\bwhat(?:'s|\s+is)\s+the\s+(?:process|procedure|steps?)\b|\bwhat\s+happens\b|\bcomo\s+(?:puedo|hago|se)\b|"
        r"\bdonde\b|\bwhere\b",
    ),
    (
        "yesno",
        r"^(?:and\s+|so\s+|but\s+)?(?:can|may|could|am|are|is|do|does|will|would|should|must|have|"
        r"has|did)\b|\b(?:can|may)\s+(?:i|we|my|our)\b|"
        # asked after what it depends on: "the 5th is a sunday, do i get charged", "if i move early do i pay"
        r"(?:,\s*|^if\b[^,?]*?\s(?<!what\s)(?<!how\s)(?<!who\s)(?<!where\s)(?<!when\s)(?<!why\s))"
        r"(?:and\s+|so\s+)?"
        r"(?:can|could|do|does|will|would|should|must|am|is|are)\s+(?:i|we|you|they|it)\b(?![^?]*\bor\b)|"
        r"\b(?:allowed|permitted|ok|okay)\b|\bpuedo\b|"
        r"\bse\s+(?:permite\w*|puede\w*)\b|\bpermiten\b|\bhay\s+que\b|\bes\s+obligatori\w*\b",
    ),
)
_ASKS: Final = tuple((kind, re.compile(pattern)) for kind, pattern in _ASK_PATTERNS)
ASKED_CACHE_SIZE: Final = 4096
"""Questions whose asked kind and unit are kept: the reader asks them once per candidate passage."""


@lru_cache(maxsize=ASKED_CACHE_SIZE)
def asked_kinds(question: str) -> tuple[AskedKind, ...]:
    """What the question asks for, most specific first; ("general",) when nothing says.

    "how many days notice" is a count; "how much is the deposit" an amount; "when is rent due" a day;
    "can I keep a cat" a yes or no; "how do I pay" a procedure. "is there a fee for ..." asks an amount
    first (staff would answer with the fee) and a yes or no second. A yes or no asked after what it
    depends on ("if I move early do I owe ...", "the 10th is a Sunday, do I ...") is one; a "when" clause
    that sets up another question ("when I pay, what is paid first") asks no day.
    """
    folded = " ".join(fold(question).replace("?", " ").split())
    kinds = [kind for kind, pattern in _ASKS if pattern.search(folded)]
    if "count" in kinds and "amount" in kinds and re.search(r"\bhow\s+much\s+(?:notice|time)\b", folded):
        kinds.remove("amount")
    return tuple(kinds) or ("general",)


_ASKED_UNIT: Final = re.compile(
    r"\bhow\s+many\s+(?:more\s+|full\s+|calendar\s+|business\s+|consecutive\s+)?(?P<what>[a-z]+(?:\s+days?)?)"
    r"|\bcuant[oa]s\s+(?P<es>[a-z]+)"
)


@lru_cache(maxsize=ASKED_CACHE_SIZE)
def asked_unit(question: str) -> str | None:
    """The unit of time a count question counts in, as `values_in` normalises it: "how many days" ->
    "days", "how many business days" -> "business days"; None for anything else ("how many guests": a
    document may count them as "two or more times") or when it does not say ("how long")."""
    folded = " ".join(fold(question).split())
    m = _ASKED_UNIT.search(folded)
    if m is None:
        return None
    words = m[0].split()[2:] if m["what"] else [m["es"]]
    phrase = " ".join(w for w in words if w not in ("more", "full", "consecutive", "calendar"))
    return _UNITS.get(phrase)


def states_unit(value: Value, unit: str) -> bool:
    """Whether a duration or count is of `unit` ("15 days" of "days"; "2 guest" of "guest")."""
    if value.kind not in ("duration", "count"):
        return False
    counted = value.normal.split(" ", 1)[1] if " " in value.normal else ""
    return counted == unit or counted.rstrip("s") == unit.rstrip("s")


def answers_kind(value: Value, kind: AskedKind) -> bool:
    return value.kind in ANSWERS[kind]


KIND_WORDS: Final[dict[str, dict[str, str]]] = {
    "en": {"amount": "an amount", "day": "a day or time", "count": "a number"},
    "es": {"amount": "un monto", "day": "un día ni una hora", "count": "un número"},
}
"""How an answer names the kind of value the documents do not state."""
