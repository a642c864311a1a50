"""Do the retrieved documents disagree on the point asked? Then say so and escalate, never pick one.

Two signals, compared only between passages of different documents that both bear on the question:
- the same term carries different numbers ("late fee ... $75.00" in the lease, "late fee of $100.00" in a
  notice; "3 days" against "5 days" of grace);
- one allows what the other forbids, about a word of the question ("pets are welcome" / "a pet-free
  community"; "accepts personal checks" / "no longer accepts personal checks").
Pure functions over passage texts; the planner calls `find_conflict` on a `search_policies` result.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tools.policies import PolicyPassage

TERMS: dict[str, tuple[str, ...]] = {
    "late_fee": ("late fee", "late charge", "recargo", "cargo por atraso"),
    "grace": ("grace period", "grace", "periodo de gracia"),
    "nsf_fee": ("returned payment", "returned-payment", "nsf", "dishonored", "pago devuelto"),
    "deposit": ("security deposit", "deposit", "depósito"),
    "pet_fee": ("pet rent", "pet fee", "pet deposit"),
    "parking_fee": ("parking fee", "parking space", "reserved space"),
    "card_fee": ("convenience fee", "card fee"),
}
_AMOUNT = re.compile(
    r"\$\s?(\d{1,3}(?:,\d{3})*(?:\.\d{2})?)|(\d{1,2}(?:\.\d+)?)\s?%|\b(\d{1,2})\s+(?:calendar\s+)?days?\b"
)
WINDOW = 80
"""Characters after a term in which its number must appear."""

FORBID = re.compile(
    r"\b(no longer|not accept\w*|does not accept|do not accept|may not|must not|cannot|can't|not allowed|"
    r"not permitted|prohibited|forbidden|pet-free|smoke-free|were removed|was removed|no new|no pets|"
    r"no dogs|not be brought|ya no|no se permite\w*|prohibid\w*)\b",
    re.IGNORECASE,
)
ALLOW = re.compile(
    r"\b(accept\w*|allowed|permitted|welcome\w*|may keep|may have|may bring|may park|may pay|can pay|"
    r"up to (?:two|one|three|\d)|se permite\w*|puede\w*)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-záéíóúñ]{3,}", re.IGNORECASE)
STOP = {
    "what",
    "when",
    "where",
    "with",
    "have",
    "this",
    "that",
    "still",
    "from",
    "your",
    "about",
    "there",
    "would",
    "could",
    "should",
    "does",
    "thinking",
    "weekend",
    "puedo",
    "pueden",
    "tengo",
    "para",
    "como",
}
# A few words residents use for the nouns documents use.
SYNONYMS = {
    "dog": "pet",
    "dogs": "pets",
    "cat": "pet",
    "cats": "pets",
    "puppy": "pet",
    "visitas": "guest",
    "visitantes": "guest",
    "visitors": "guest",
    "visitor": "guest",
    "guests": "guest",
    "perro": "pet",
    "mascota": "pet",
    "mascotas": "pets",
    "cheque": "check",
    "cheques": "checks",
    "personal": "check",
}


@dataclass(frozen=True)
class Conflict:
    topic: str
    sources: tuple[str, str]
    """The two documents that disagree (titles)."""


def _numbers_by_term(text: str) -> dict[tuple[str, str], set[str]]:
    """{(term, kind): numbers}: the first money amount, percent and day count after each term."""
    lowered = text.lower()
    found: dict[tuple[str, str], set[str]] = {}
    for term, words in TERMS.items():
        for word in words:
            for match in re.finditer(re.escape(word), lowered):
                window = lowered[match.end() : match.end() + WINDOW]
                for kind, value in _first_of_each_kind(window):
                    found.setdefault((term, kind), set()).add(value)
    return found


def _first_of_each_kind(window: str) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for number in _AMOUNT.finditer(window):
        money, percent, days = number.groups()
        kind, value = ("money", money) if money else ("percent", percent) if percent else ("days", days)
        seen.setdefault(kind, value.replace(",", ""))
    return list(seen.items())


def _topic_words(question: str) -> set[str]:
    words = {w.lower() for w in _WORD.findall(question)} - STOP
    mapped = {alias for w in words for alias in SYNONYMS.get(w, ())}
    return words | mapped | {w.rstrip("s") for w in words if len(w) > 4}


def _stance(text: str, topic: set[str]) -> str | None:
    """ "forbid" or "allow" for sentences that mention a topic word; None when neither is clear."""
    stances = set()
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        lowered = sentence.lower()
        if not any(w in lowered for w in topic):
            continue
        if FORBID.search(sentence):
            stances.add("forbid")
        elif ALLOW.search(sentence):
            stances.add("allow")
    return stances.pop() if len(stances) == 1 else None


def find_conflict(question: str, passages: Sequence[PolicyPassage], *, depth: int = 4) -> Conflict | None:
    """The first disagreement between two different documents among the top `depth` passages."""
    top = list(passages[:depth])
    topic = _topic_words(question)
    asked_terms = {t for t, words in TERMS.items() if any(w in question.lower() for w in words)}
    for i, a in enumerate(top):
        for b in top[i + 1 :]:
            if a.citation.title == b.citation.title:
                continue
            numbers_a, numbers_b = _numbers_by_term(a.text), _numbers_by_term(b.text)
            for key in set(numbers_a) & set(numbers_b):
                if asked_terms and key[0] not in asked_terms:
                    continue
                if not numbers_a[key] & numbers_b[key]:
                    return Conflict(key[0], (a.citation.title, b.citation.title))
            stance_a, stance_b = _stance(a.text, topic), _stance(b.text, topic)
            if stance_a and stance_b and stance_a != stance_b:
                return Conflict("permission", (a.citation.title, b.citation.title))
    return None
