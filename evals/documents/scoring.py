"""How `doorstep eval documents` decides a question was answered: one small function per check.

- `evidence_found`: the supporting sentence is in a retrieved passage (hit@k). Text is compared after
  `normalize` (case, quotes, dashes, whitespace); a sentence that a chunk boundary cut still counts when
  the passage holds a long enough unbroken run of its words.
- `answer_matches`: the reply contains what the question asks for, by kind: the same amount (money in any
  notation: "$20", "$20.00", "20 dollars"; percentages), the same day ("10th", "tenth", "the 10"), the same
  count ("three", "3", "(3)"), the right yes/no, or the key phrase; a yes/no or procedure reply that quotes
  the evidence sentence counts too. Where documents disagree, every value must be there.
- `declines`: for questions the documents do not answer, the reply says so or hands over to a person.
- `conflict_flagged`: the turn reported documents that disagree.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from difflib import SequenceMatcher
from typing import Any

from evals.documents.dataset import Corpus, QACase

#: A cut sentence still counts when the passage holds this share of its words in one unbroken run...
MIN_RUN_SHARE = 0.5
#: ...and at least this many words (shorter sentences must be there whole).
MIN_RUN_WORDS = 12

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-"})
_WORD = re.compile(r"[a-z0-9£$€%]+(?:[.,'][a-z0-9]+)*")

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
}  # fmt: skip
ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "twenty-first": 21, "twenty-fifth": 25, "thirtieth": 30, "thirty-first": 31,
}  # fmt: skip

_AMOUNT = re.compile(
    r"(?P<cur>[$£€])\s?(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<cents>\d{1,2}))?"
    r"|(?P<num2>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<cents2>\d{1,2}))?\s?(?P<unit>dollars?|pounds?|euros?|%|percent)"
    r"|(?P<num3>\d+)\.(?P<cents3>\d\d)\b"
)
_NUMBER = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s?(?:st|nd|rd|th)\b)?")
_CITED = re.compile(r"\b(?:p|pp|page|pages|section|clause|para|paragraph)\.?\s?\d+(?:\s?-\s?\d+)?|§\s?[\d.]+")
_DAY_OF_MONTH = re.compile(
    r"\b(\d{1,2})\s?(?:st|nd|rd|th)\b|\bday\s(\d{1,2})\b|\bthe\s(\d{1,2})\s(?:of|day)\b|\((\d{1,2})\)\s(?:day|calendar)"
)
_NO_ANSWER = re.compile(
    r"\b(?:do(?:es)?n'?t|do(?:es)? not|could(?:n'?t| not)|can(?:'?t|not)|did(?:n'?t| not)|unable to)\s+"
    r"(?:find|see|say|answer|mention|cover|address|have|state|include|tell)"
    r"|\bnot (?:in|covered|mentioned|stated|addressed) (?:in )?(?:your|the|these|any)\b"
    r"|\bno (?:information|answer|mention|passage|document)\b"
    r"|\bnothing in (?:your|the) documents\b"
    r"|\b(?:connect|put) you (?:with|in touch)"
    r"|\b(?:asked|passed|sent|handed|forwarded) (?:it |this |your \w+ )?(?:to|on to) (?:the |our )?"
    r"(?:office|staff|team|a person|someone)"
    r"|\b(?:asked|told) (?:the|our) (?:office|staff|team)",
    re.IGNORECASE,
)


_LINE_BREAK_HYPHEN = re.compile(r"(?<=[a-z])-\s+(?!(?:and|or|to|nor)\b)(?=[a-z])")
"""A word a PDF broke at a line end, copied with its hyphen ("non- rent"); text extraction joins it
("nonrent"), so an expected phrase copied from the page and a reply quoting the extracted text say the
same. Not a hyphen left hanging before "and"/"or" ("first- and second-year")."""


def normalize(text: str) -> str:
    """Lower case, plain quotes and dashes, one space between words, words broken at a line end joined."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    return _LINE_BREAK_HYPHEN.sub("", " ".join(text.split()))


def words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


def evidence_found(evidence: str, passages: Iterable[str]) -> bool:
    """The evidence sentence (or a long enough unbroken run of it) is in one of the passages."""
    target = words(evidence)
    if not target:
        return False
    needed = (
        len(target)
        if len(target) <= MIN_RUN_WORDS
        else max(MIN_RUN_WORDS, math.ceil(MIN_RUN_SHARE * len(target)))
    )
    for passage in passages:
        haystack = words(passage)
        if len(target) <= len(haystack) and _contains(haystack, target):
            return True
        match = SequenceMatcher(None, target, haystack, autojunk=False).find_longest_match()
        if match.size >= needed:
            return True
    return False


def quotes_evidence(evidence: str, reply: str) -> bool:
    """The reply quotes the evidence sentence (most of it, in one run)."""
    target = words(evidence)
    if not target:
        return False
    match = SequenceMatcher(None, target, words(reply), autojunk=False).find_longest_match()
    return match.size >= max(1, math.ceil(0.8 * len(target)))


def _contains(haystack: list[str], needle: list[str]) -> bool:
    first, size = needle[0], len(needle)
    return any(
        haystack[i] == first and haystack[i : i + size] == needle for i in range(len(haystack) - size + 1)
    )


def amounts(text: str) -> set[tuple[str, int]]:
    """Money and percentages in `text`, as ("money", cents) or ("percent", hundredths)."""
    found: set[tuple[str, int]] = set()
    for m in _AMOUNT.finditer(normalize(text)):
        if m.group("num") is not None:
            found.add(("money", _cents(m.group("num"), m.group("cents"))))
        elif m.group("num2") is not None:
            unit = m.group("unit")
            kind = "percent" if unit in ("%", "percent") else "money"
            found.add((kind, _cents(m.group("num2"), m.group("cents2"))))
        else:
            found.add(("money", _cents(m.group("num3"), m.group("cents3"))))
    return found


def _cents(whole: str, fraction: str | None) -> int:
    return int(whole.replace(",", "")) * 100 + (int((fraction or "0").ljust(2, "0")) if fraction else 0)


def numbers(text: str) -> set[int]:
    """Every whole number in `text`: digits (with or without an ordinal suffix) and number words; page and
    section references ("p. 2", "page 3", "§ 5") are not numbers the reply states."""
    lowered = _CITED.sub(" ", normalize(text))
    found = {int(m.group(1).replace(",", "")) for m in _NUMBER.finditer(lowered)}
    tokens = re.findall(r"[a-z]+(?:-[a-z]+)?", lowered)
    found.update(NUMBER_WORDS[t] for t in tokens if t in NUMBER_WORDS)
    found.update(ORDINAL_WORDS[t] for t in tokens if t in ORDINAL_WORDS)
    return found


def days(text: str) -> set[int]:
    """Days of the month `text` names: "10th", "the 10th (10) day", "tenth", "day 10", "the 10 of"."""
    lowered = _CITED.sub(" ", normalize(text))
    found = {int(next(g for g in m.groups() if g)) for m in _DAY_OF_MONTH.finditer(lowered)}
    tokens = re.findall(r"[a-z]+(?:-[a-z]+)?", lowered)
    found.update(ORDINAL_WORDS[t] for t in tokens if t in ORDINAL_WORDS)
    return found


def expected_number(value: str) -> int | None:
    """The number an expected count or day names ("fifty (50) pounds" -> 50, "tenth" -> 10)."""
    if m := _NUMBER.search(normalize(value)):
        return int(m.group(1).replace(",", ""))
    found = numbers(value)
    return min(found) if found else None


def answer_matches(case: QACase, reply: str, *, escalated: bool = False) -> bool:
    """The reply contains what `case` asks for (every value, where documents disagree). For a question the
    documents do not answer, the reply declines or the turn went to a person (`escalated`)."""
    if case.kind == "none":
        return escalated or declines(reply)
    if case.kind in ("yesno", "procedure") and quotes_evidence(case.evidence, reply):
        return True
    return all(_part_matches(case.kind, part, reply) for part in case.parts)


def _part_matches(kind: str | None, expected: str, reply: str) -> bool:
    if kind == "amount":
        wanted = amounts(expected) or {("money", n * 100) for n in numbers(expected)}
        return bool(wanted & amounts(reply)) or _phrase_in(expected, reply)
    if kind in ("day", "count"):
        number = expected_number(expected)
        if number is None:
            return _phrase_in(expected, reply)
        said = days(reply) if kind == "day" else numbers(reply)
        # "May 15" is a date the reply may state as it is; a bare "14" must be a number the reply states.
        return number in said or (
            re.search("[a-z]", expected.lower()) is not None and _phrase_in(expected, reply)
        )
    if kind == "yesno":
        return _polarity(reply) == expected.strip().lower()
    return _phrase_in(expected, reply)


def _phrase_in(phrase: str, reply: str) -> bool:
    wanted, said = _singular(words(phrase)), _singular(words(reply))
    return 0 < len(wanted) <= len(said) and _contains(said, wanted)


def _singular(tokens: list[str]) -> list[str]:
    """Words with a possessive or plural "s" taken off: a reply that quotes "the Executive Director's
    approval" (or a document's "Executive Directors approval") names "Executive Director"."""
    return [t.removesuffix("'s").removesuffix("s") if len(t) > 3 and t[0].isalpha() else t for t in tokens]


def _polarity(reply: str) -> str | None:
    first = normalize(reply)[:40]
    if re.match(r"^(yes|yep|yeah|you can|you may|they can|it is|that's fine|sure)\b", first):
        return "yes"
    if re.match(r"^(no|nope|you can't|you cannot|you may not|not allowed|they can't|it isn't)\b", first):
        return "no"
    return None


def declines(reply: str) -> bool:
    """The reply says the documents do not answer, or hands the question to a person."""
    return bool(_NO_ANSWER.search(reply))


def conflict_flagged(outcome: Any) -> bool:
    """The turn said the documents disagree: an escalation for conflicting documents (or, once the answer
    carries one, an explicit `conflict` mark)."""
    if getattr(outcome, "conflict", None):
        return True
    if getattr(outcome, "reason", None) == "conflicting_documents":
        return True
    return any(
        call.get("name") == "escalate" and call.get("args", {}).get("reason") == "conflicting_documents"
        for call in getattr(outcome, "tool_calls", []) or []
    )


def missing_evidence(cases: Iterable[QACase], corpus: Corpus) -> list[str]:
    """Lines whose evidence is not verbatim (after `normalize`) in the text our loaders extract from their
    `doc`; documents absent from `corpus` are not checked."""
    from ingest.loaders import load_document

    texts: dict[str, str] = {}
    by_relative = {document.relative: document for document in corpus.files}
    problems: list[str] = []
    for case in cases:
        if not case.evidence or case.doc not in by_relative:
            continue
        if case.doc not in texts:
            path = by_relative[case.doc].path
            loaded = load_document(path, path.read_bytes())
            texts[case.doc] = normalize(" ".join(page.text for page in loaded.pages))
        if normalize(case.evidence) not in texts[case.doc]:
            problems.append(f"line {case.line}: evidence not found in {case.doc}: {case.evidence[:80]!r}")
    return problems
