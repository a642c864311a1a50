"""Do the retrieved documents disagree on what was asked? Then the answer shows both sides, each cited.

A conflict is two documents stating different values of the kind the question asks for, about the same
subject, among the passages retrieved for it:

- values: a $20 fee against a $25 fee, the 5th against the 10th, 3 days against 5 days. Each value in a
  sentence is tied to the nearest subject named before it in that sentence ("a late fee of $75.00 and a
  returned-check fee of $35.00": $75 is the late fee's, $35 the returned check's), and only values of
  the kind asked are compared ("how much is the late fee": amounts; "when is rent late": days). A flat
  amount is compared with flat amounts, a daily amount with daily ones. Two documents conflict only
  when both state values for the subject and kind and no value is common to both, so a lease that
  states a $50 fee and a $10 daily fee does not conflict with a policy that states the $50 fee;
- a yes or no: one document allows outright what the other forbids outright, about the thing asked
  ("pets are welcome" / "a pet-free community"; "accepts personal checks" / "no longer accepts personal
  checks"). A conditional rule ("no pets without a signed addendum") allows, so it does not conflict
  with a document that allows;
- the conditions of a rule: both documents restrict the thing asked after the event asked about, but
  after a different number of occurrences ("a returned check" / "two returned checks") or for a different
  time ("for a 6-month period" / "permanently"). Only a condition both documents state is compared, so a
  document silent on how long the rule lasts never conflicts on it.

Where a document says which one governs ("if this Lease and the Rules conflict, this Lease controls"),
the conflict carries that sentence, so the answer can say so. Pure functions over passage texts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from agents.methods import methods_asked
from app.knowledge.lexical import STOPWORDS, analyze, fold, stem
from app.knowledge.reading import question_groups
from app.knowledge.sentences import LIST_ITEM, split_sentences
from app.knowledge.values import AskedKind, Value, asked_kinds, values_in
from tools.policies import PRECEDENCE, PolicyPassage

#: Subjects a question and a sentence can both name, with the words documents and residents use.
TERMS: Final[dict[str, tuple[str, ...]]] = {
    "late_fee": (
        "late fee",
        "late charge",
        "late payment fee",
        "late rent fee",
        "recargo",
        "cargo por atraso",
    ),
    "grace": ("grace period", "grace", "periodo de gracia"),
    "nsf_fee": (
        "returned payment",
        "returned-payment",
        "returned check",
        "returned-check",
        "nsf",
        "dishonored",
        "insufficient funds",
        "bounced",
        "pago devuelto",
    ),
    "deposit": ("security deposit", "deposit", "deposito"),
    "pet_fee": ("pet rent", "pet fee", "pet deposit"),
    "parking_fee": ("parking fee", "parking space", "reserved space", "parking permit"),
    "card_fee": ("convenience fee", "card fee", "processing fee"),
    "lockout_fee": ("lockout", "lock-out", "locked out", "lock out"),
    "application_fee": ("application fee",),
    "early_termination": ("early termination", "terminate early", "break the lease", "breaking the lease"),
    "notice_to_vacate": (
        "notice to vacate",
        "notice of intent to vacate",
        "move-out notice",
        "written notice",
    ),
    "rent_due": ("rent is due", "due on", "due date", "payable", "rent due", "vence"),
    "termination_notice": (
        "notice of termination",
        "notice of lease termination",
        "termination notice",
        "proposed termination",
        "terminate",
        "termination",
    ),
    "late_after": (
        "delinquent",
        "considered late",
        "late rent",
        "not received",
        "received by",
        "not paid by",
        "paid by",
    ),
}
_QUESTION_TERMS: Final[dict[str, tuple[str, ...]]] = {
    **TERMS,
    "nsf_fee": (*TERMS["nsf_fee"], "bounce", "returned"),
    "rent_due": (*TERMS["rent_due"], "due", "when is rent", "what day is rent"),
    "notice_to_vacate": (*TERMS["notice_to_vacate"], "notice", "move out", "moving out", "aviso"),
    "lockout_fee": (*TERMS["lockout_fee"], "locksmith", "lock myself out"),
    "termination_notice": (*TERMS["termination_notice"], "evict", "eviction", "kick me out", "kicked out"),
    "late_after": ("delinquent", "on time", "considered late", "count as late", "counted late"),
}
_COMPARED: Final[dict[AskedKind, tuple[tuple[str, ...], ...]]] = {
    "amount": (("money", "percent"),),
    "day": (("day_of_month",), ("time",)),
    "count": (("duration",), ("count",)),
}
"""Per asked kind, the groups of value kinds compared with each other: a flat $100 against 5% of rent is
a different fee, while the 5th is never compared with 5:00 p.m."""
_NATURAL_KIND: Final[dict[str, AskedKind]] = {
    "late_fee": "amount",
    "nsf_fee": "amount",
    "deposit": "amount",
    "pet_fee": "amount",
    "parking_fee": "amount",
    "card_fee": "amount",
    "lockout_fee": "amount",
    "application_fee": "amount",
    "early_termination": "amount",
    "grace": "count",
    "notice_to_vacate": "count",
    "rent_due": "day",
    "termination_notice": "count",
    "late_after": "day",
}
"""What a question about a subject asks when its words do not say ("the late fee?")."""
_PER: Final = re.compile(
    r"^\s*(?:(?:per|each|every|for\s+each)\s+(?:calendar\s+)?([a-z]+)|a\s+(day|week|month|year|pet|occurrence))\b"
)
"""A rate after a value: "per day", "each month", "per key", "a month"."""
CONFLICT_DEPTH: Final = 8
"""How many of the retrieved passages are searched for a disagreement: deeper than the reader reads,
since the other document's statement of the term is often not among the passages that answer best (on
the development set, 4 found none of the 3 real conflicts, 8 found one, neither flagged one falsely; 8
found two once retrieval re-ranked each ranking's head first, `app.knowledge.retrieval.RANKING_HEAD`)."""
_WEAK: Final = frozenset({"late_after"})
"""Subjects named by words that often qualify another subject's value rather than name a subject."""
_END_OF_DAY: Final = "time:end of day"
"""What a deadline that names a day and no time means: the whole day ("by the 10th")."""

FORBID: Final = re.compile(
    r"\bno\s+[^.;:]{0,40}?\b(?:are|is|will\s+be)\s+(?:allowed|permitted|accepted)\b"
    r"|\b(no longer|not accept\w*|does not accept|do not accept|will not accept|may not|must not|cannot|"
    r"can't|"
    r"not allowed|not permitted|prohibited|forbidden|pet-free|smoke-free|were removed|was removed|no new|"
    r"no pets|no dogs|no animals?|not be brought|not to be|shall not|will not be|ya no|no se permite\w*|"
    r"prohibid\w*)\b",
    re.IGNORECASE,
)
ALLOW: Final = re.compile(
    r"\b(accept\w*|allowed|permitted|welcome\w*|may keep|may have|may bring|may park|may pay|can pay|"
    r"may be paid|can be paid|may be made|may use|may be kept|"
    r"up to (?:two|one|three|\d)|se permite\w*|puede\w*)\b",
    re.IGNORECASE,
)
CONDITION: Final = re.compile(
    r"\b(without|unless|except|other than|until|prior written|written (?:consent|approval|permission)|"
    r"approv\w+|addendum|only (?:if|with|after)|sin|salvo|excepto)\b",
    re.IGNORECASE,
)
HEDGE: Final = re.compile(
    r"\b(?:usually|typically|generally|often|normally|in most cases|for example|for instance|e\.g\.|varies|"
    r"vary|depends|depending|some (?:properties|communities|leases)|your lease (?:sets|says|states)|"
    r"see your lease|check your lease|por lo general|normalmente)\b",
    re.IGNORECASE,
)
"""A sentence that speaks in general ("usually the 1st") states no value to hold a document to."""
_CONDITIONAL_START: Final = re.compile(r"^\W*(?:if|when|whenever|in the event|si|cuando)\b")
_IF: Final = re.compile(r"\b(?:if|when|whether|unless|si|cuando)\b")
_CLAUSE: Final = re.compile(r"[;:]|\s[-\u2013\u2014]\s|,\s+(?:but|and|while|however)\s+")
_DOCUMENT: Final = re.compile(
    r"\b(?:this|the|these|such|your)\s+"
    r"(lease|agreement|rental agreement|lease agreement|addendum|policy|rules|handbook)\b",
    re.IGNORECASE,
)
_CONTROLS: Final = re.compile(
    r"\b(?:control|controls|govern|governs|prevail|prevails|take\w? precedence)\b", re.IGNORECASE
)
_NOT_TOPIC: Final = frozenset(
    """pay paid paying get have keep use bring put make take give still now adopt adopting thinking weekend
    need want like allowed allow permitted okay ever also just really puedo pueden podemos tener traer
    pagar usar lugares one two this that weekend today tomorrow guys yall thing things stuff what rent rents
    payment payments late charge charges fee fees month monthly lease apartment unit tenant resident landlord
    office money time day days going gonna live living lives""".split()
)
#: The same words stemmed, so their plurals ("apartments", "units") are not topics either.
_NOT_TOPIC_STEMS: Final = frozenset(stem(word) for word in _NOT_TOPIC)
_SYNONYMS: Final = {
    "dog": "pet",
    "dogs": "pet",
    "cat": "pet",
    "cats": "pet",
    "puppy": "pet",
    "pets": "pet",
    "perro": "pet",
    "mascota": "pet",
    "mascotas": "pet",
    "visitas": "guest",
    "visitantes": "guest",
    "visitor": "guest",
    "visitors": "guest",
    "guests": "guest",
    "estacionar": "park",
    "cheque": "check",
    "cheques": "check",
    "checks": "check",
    "grills": "grill",
    "parrilla": "grill",
    "efectivo": "cash",
}


@dataclass(frozen=True)
class Side:
    """What one document says: the passage and its sentence, and the values compared."""

    passage: PolicyPassage
    sentence: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Conflict:
    topic: str
    """The subject ("late_fee", "rent_due", ...) or "permission" for a yes-or-no disagreement."""
    kind: str
    """What was compared: "money/percent", "day_of_month", "time", "duration", "count" or "stance"."""
    sides: tuple[Side, Side]
    governing: Side | None = None
    """A sentence saying which document controls where they differ, when one was found."""

    @property
    def sources(self) -> tuple[str, str]:
        """The two documents that disagree (titles)."""
        return self.sides[0].passage.citation.title, self.sides[1].passage.citation.title


def document_of(passage: PolicyPassage) -> str:
    """Which document a passage comes from: its file, else its title. Not the title alone: an
    authority's scanned policies often all carry its name as their title."""
    return passage.citation.source or passage.citation.title


# -- typed values about a subject --------------------------------------------------------------------------


def _subjects_asked(question: str) -> list[str]:
    folded = fold(question)
    return [t for t, words in _QUESTION_TERMS.items() if any(_mentions(folded, w) for w in words)]


def _mentions(folded: str, word: str) -> bool:
    return re.search(r"\b" + re.escape(word) + r"\b", folded) is not None


def _term_positions(folded: str, asked: str) -> list[tuple[int, int, str]]:
    """(start, end, subject) of every subject word in a sentence, in order; longer words win overlaps.
    A `_WEAK` subject's words count only when it is the one `asked` ("not received by the 5th" says
    when a late fee applies, not a second subject that takes the 5th from it)."""
    found: list[tuple[int, int, str]] = []
    for subject, words in TERMS.items():
        if subject in _WEAK and subject != asked:
            continue
        for word in words:
            for m in re.finditer(r"\b" + re.escape(word) + r"\b", folded):
                found.append((m.start(), m.end(), subject))
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    kept: list[tuple[int, int, str]] = []
    for item in found:
        if not kept or item[0] >= kept[-1][1]:
            kept.append(item)
    return kept


def _normal(value: Value, folded: str) -> str:
    """A value's normal form with its rate ("1000/day" for "$10.00 per day") so flat meets flat only."""
    per = _PER.match(folded[value.end : value.end + 24])
    normal = f"{value.kind}:{value.normal}"
    return f"{normal}/{per[1] or per[2]}" if per else normal


def subject_values(sentence: str, subject: str, kinds: tuple[str, ...]) -> list[str]:
    """Normal forms of the values of `kinds` the sentence ties to `subject` (nearest subject word before
    the value in the same clause; the first subject named after it, when none is before)."""
    folded = fold(sentence)
    terms = _term_positions(folded, subject)
    if not any(t[2] == subject for t in terms):
        return []
    out: list[str] = []
    for value in values_in(sentence):
        if value.kind not in kinds:
            continue
        before = [t for t in terms if t[1] <= value.start and not _CLAUSE.search(folded[t[1] : value.start])]
        after = [t for t in terms if t[0] >= value.end and not _CLAUSE.search(folded[value.end : t[0]])]
        owner = before[-1] if before else after[0] if after and not _deadline_before(folded, value) else None
        if owner is not None and owner[2] == subject:
            out.append(_normal(value, folded))
    return out


def _deadline_before(folded: str, value: Value) -> bool:
    """A payment deadline names the value ("rents not paid by the tenth ... a notice to vacate"): the day
    is when rent is late, not the day of the subject named after it."""
    start = max((m.end() for m in _CLAUSE.finditer(folded, 0, value.start)), default=0)
    return any(_mentions(folded[start : value.end], w) for w in TERMS["late_after"])


def _sentences(passage: PolicyPassage) -> list[str]:
    """The passage's sentences that state something outright (not "usually", "for example"); a list
    item keeps the line that introduces it ("We accept the following: - Personal check.")."""
    out: list[str] = []
    lead = ""
    for line in passage.text.split("\n"):
        item = LIST_ITEM.match(line) is not None
        for sentence in split_sentences(line):
            if not HEDGE.search(sentence):
                # the lead's colon joined as a comma, so an item's value belongs to what the lead names
                out.append(f"{lead.rstrip(':').rstrip()}, {sentence}" if item and lead else sentence)
        if line.rstrip().endswith(":"):  # a numbered clause may introduce lettered items of its own
            lead = line.strip()
        elif not item:
            lead = ""
    return out


def _value_sides(
    question: str, passages: Sequence[PolicyPassage], subject: str, kinds: tuple[str, ...]
) -> dict[str, list[Side]]:
    """Per document, the sentences stating values of `kinds` about `subject`: of those, the ones
    that say most of what the question says ("for failure to pay rent, 14 days" rather than "for all
    other cases, 30 days" when termination for not paying rent is asked), so a document is held to what
    it says about the case asked, not to every case it lists."""
    groups = question_groups(question)
    by_title: dict[str, list[tuple[int, Side]]] = {}
    for passage in passages:
        for sentence in _sentences(passage):
            values = subject_values(sentence, subject, kinds)
            if not values and kinds == ("time",) and subject == "late_after":
                values = _whole_day(sentence, subject)
            if values:
                terms = frozenset(analyze(sentence))
                said = sum(1 for group in groups if group & terms)
                by_title.setdefault(document_of(passage), []).append(
                    (said, Side(passage, sentence, tuple(values)))
                )
    out: dict[str, list[Side]] = {}
    for title, sides in by_title.items():
        most = max(said for said, _ in sides)
        out[title] = [side for said, side in sides if said == most]
    return out


def _whole_day(sentence: str, subject: str) -> list[str]:
    """A deadline that names a day of the month and no clock time ("not received on or before the 10th")
    runs to the end of that day: compared with a cut-off time on the day ("after 10:30 AM on the 10th")."""
    if any(value.kind == "time" for value in values_in(sentence)):
        return []
    return [_END_OF_DAY] if subject_values(sentence, subject, ("day_of_month",)) else []


def _value_conflict(question: str, passages: Sequence[PolicyPassage]) -> Conflict | None:
    kinds = asked_kinds(question)
    for subject in _subjects_asked(question):
        asked = next((k for k in kinds if k in _COMPARED), None) or _NATURAL_KIND.get(subject)
        if asked is None or (kinds[0] in ("yesno", "procedure") and not _states_value(question)):
            continue
        if subject == "late_after" and asked != "day":
            continue  # "delinquent" in a fee question: the fee's own subject compares amounts
        for value_kinds in _COMPARED[asked]:
            sides = _value_sides(question, passages, subject, value_kinds)
            titles = list(sides)
            for i, a in enumerate(titles):
                for b in titles[i + 1 :]:
                    if _disjoint(sides[a], sides[b]):
                        return Conflict(subject, "/".join(value_kinds), (sides[a][0], sides[b][0]))
    return None


def _states_value(question: str) -> bool:
    """ "is the late fee $100 now?": a yes-or-no question about a value compares values."""
    return bool(values_in(question))


def _disjoint(a: list[Side], b: list[Side]) -> bool:
    """Both documents state values and none is shared, comparing flat with flat and rate with rate."""
    values_a = {v for side in a for v in side.values}
    values_b = {v for side in b for v in side.values}
    rates_a = {v.partition("/")[2] for v in values_a}
    rates_b = {v.partition("/")[2] for v in values_b}
    common_rates = rates_a & rates_b
    if not common_rates:
        return False
    return all(
        not {v for v in values_a if v.partition("/")[2] == rate}
        & {v for v in values_b if v.partition("/")[2] == rate}
        for rate in common_rates
    )


# -- yes or no ---------------------------------------------------------------------------------------------


def _topic_words(question: str) -> list[frozenset[str]]:
    """What a yes-or-no question is about: its content words that are not verbs of asking or paying, each
    with the documents' noun for it ("dog" -> {"dog", "pet"}, "visitas" -> {"visita", "guest"})."""
    words = [
        w
        for w in re.findall(r"[a-z]{3,}", fold(question))
        if w not in STOPWORDS and w not in _NOT_TOPIC and stem(w) not in _NOT_TOPIC_STEMS
    ]
    groups: list[frozenset[str]] = []
    for w in words:
        group = frozenset({stem(w), *([stem(_SYNONYMS[w])] if w in _SYNONYMS else [])})
        if not any(group & g for g in groups):
            groups.append(group)
    return groups


def stance(sentence: str, topic: Sequence[frozenset[str]], *, every: bool = False) -> str | None:
    """ "forbid" when the clause naming a topic word forbids outright, "allow" when it allows (a
    conditional "not without ..." allows, and so does a plain statement naming every topic: "guests park
    in spaces marked VISITOR"), None when it names no topic word (with `every`, not all of them) or says
    neither."""
    for clause in _CLAUSE.split(sentence):
        lowered = fold(clause)
        if _CONDITIONAL_START.match(lowered):
            continue  # "if the resident, pets or guests caused the damage, ...": a case, not a rule on pets
        named = [any(re.search(r"\b" + re.escape(w), lowered) for w in group) for group in topic]
        if not any(named) or (every and not all(named)):
            continue
        if 2 * sum(named) < len(topic):
            continue  # a clause on one of the several things asked ("months") says nothing on the question
        if FORBID.search(clause):
            return "allow" if CONDITION.search(clause) else "forbid"
        if ALLOW.search(clause):
            return "allow"
        if all(named) and not _IF.search(lowered):
            return "allow"  # "guests park in spaces marked VISITOR", "- Personal check."
    return None


def _stance_conflict(question: str, passages: Sequence[PolicyPassage]) -> Conflict | None:
    if asked_kinds(question)[0] != "yesno":
        return None  # "how many extensions can I ask for": a count asked, not whether something is allowed
    topic = _topic_words(question)
    if not topic:
        return None
    by_title: dict[str, dict[str, Side]] = {}
    for passage in passages:
        for sentence in _sentences(passage):
            found = stance(sentence, topic)
            if found is not None:
                by_title.setdefault(document_of(passage), {}).setdefault(
                    found, Side(passage, sentence, (found,))
                )
    titles = [t for t, stances in by_title.items() if len(stances) == 1]  # a document of one mind
    for i, a in enumerate(titles):
        for b in titles[i + 1 :]:
            (stance_a, side_a), (stance_b, side_b) = (
                next(iter(by_title[a].items())),
                next(iter(by_title[b].items())),
            )
            if stance_a != stance_b:
                return Conflict("permission", "stance", (side_a, side_b))
    return None


_NEGATIVE_QUESTION = re.compile(
    r"\b(?:not|prohibited|banned|forbidden|illegal|against the rules|no|isn'?t|aren'?t|can'?t|cannot)\b"
)
_OBLIGATION_QUESTION = re.compile(
    r"\b(?:have to|has to|must|required|need to|needs to|obligated|tengo que|hay que)\b"
)
_OBLIGATION = re.compile(
    r"\b(?:must|shall|is required|are required|will be required|required to|responsible for)\b", re.I
)
_NO_OBLIGATION = re.compile(
    r"\b(?:not required|need not|does not have to|do not have to|is not required|optional)\b", re.I
)


def polarity(question: str, sentence: str) -> str | None:
    """ "yes" or "no" as the sentence answers a yes-or-no question, when it does so outright: a rule that
    allows or forbids the thing asked, or an obligation asked about ("do I have to ..."). None when the
    sentence is conditional, says neither, or the question is put in the negative ("is smoking not ...")."""
    folded = fold(question)
    if asked_kinds(question)[0] != "yesno" or _NEGATIVE_QUESTION.search(folded):
        return None
    if methods_asked(question):
        # "do u take checks": the lease's accepted methods answer it (`agents.methods`), not a sentence's
        # stance ("- Money order or cashier's check. We do not accept cash." is no "No" to checks).
        return None
    topic = _topic_words(question)
    lowered = fold(sentence)
    if not topic or not all(any(re.search(r"\b" + re.escape(w), lowered) for w in g) for g in topic):
        return None  # a yes or no only for a sentence about everything the question names
    if _OBLIGATION_QUESTION.search(folded):
        if _NO_OBLIGATION.search(sentence):
            return "no"
        return "yes" if _OBLIGATION.search(sentence) and not CONDITION.search(sentence) else None
    found = stance(sentence, topic, every=True)
    if found == "forbid":
        return "no"
    if found == "allow" and not CONDITION.search(sentence) and not _IF.search(fold(sentence)):
        return "yes"
    return None


# -- conditions of a rule ----------------------------------------------------------------------------------

_RESTRICTS: Final = re.compile(r"\b[a-z]+[- ]only\b|\bonly\s+(?:cash|certified|money orders?|cashier)")
"""A rule that narrows what is allowed rather than forbidding: "a "cash only" policy will apply"."""
_OCCURRENCES: Final[dict[str, int]] = {
    "a": 1,
    "an": 1,
    "any": 1,
    "one": 1,
    "single": 1,
    "first": 1,
    "two": 2,
    "second": 2,
    "three": 3,
    "third": 3,
    "four": 4,
    "fourth": 4,
    "five": 5,
    "fifth": 5,
}
_COUNTED_WORDS: Final = 3
"""How near before the event's word a count of it stands: "two (2) checks are returned", "a second NSF"."""
_LASTING: Final = re.compile(r"\bfor\s+(?:a\s+|an\s+|the\s+next\s+|a\s+period\s+of\s+)?$")
"""A length of time that says how long the rule holds: "for a 6-month period", "for twelve months"."""
_FOREVER: Final = re.compile(
    r"\b(?:permanently|indefinitely|no longer|(?:for|all|any)\s+future|from then on|ever again)\b"
)
_PERMANENT: Final = "permanent"
_MONTHS: Final = {"months": 1, "years": 12}


@dataclass(frozen=True)
class RuleConditions:
    """When a restriction starts (after how many occurrences of the event) and how long it lasts."""

    after: int | None
    lasting: str | None


def _events_asked(question: str) -> list[tuple[str, ...]]:
    """The words of each subject the question names as something that happened ("bounces": a returned
    check), matched as word starts so the resident's inflection counts."""
    folded = fold(question)
    return [
        words
        for words in _QUESTION_TERMS.values()
        if any(re.search(r"\b" + re.escape(w), folded) for w in words)
    ]


def rule_conditions(
    sentence: str, thing: Sequence[frozenset[str]], event: Sequence[str]
) -> RuleConditions | None:
    """The conditions of a sentence that restricts `thing` (topic word groups) after `event` (its words):
    None when the sentence names neither, or restricts nothing."""
    folded = fold(sentence)
    named = [m for w in event for m in re.finditer(r"\b" + re.escape(w), folded)]
    if not named or not all(any(re.search(r"\b" + re.escape(w), folded) for w in g) for g in thing):
        return None
    if not (FORBID.search(sentence) or _RESTRICTS.search(folded)):
        return None
    counts = (_occurrences(folded[: m.start()]) for m in sorted(named, key=lambda m: m.start()))
    return RuleConditions(next((n for n in counts if n is not None), None), _lasting(folded))


def _occurrences(before: str) -> int | None:
    """The count nearest before an event's word, within a few words ("a $35" is money, not a count)."""
    for token in reversed(re.findall(r"\$?[a-z0-9]+", before)[-_COUNTED_WORDS:]):
        if token in _OCCURRENCES:
            return _OCCURRENCES[token]
        if token.isdigit() and len(token) == 1:
            return int(token)
    return None


def _lasting(folded: str) -> str | None:
    """How long the rule holds: a length of time after "for" in months or days, or "permanent"."""
    for value in values_in(folded):
        if value.kind == "duration" and _LASTING.search(folded[max(0, value.start - 24) : value.start]):
            number, _, unit = value.normal.partition(" ")
            months = _MONTHS.get(unit)
            return f"{int(number) * months} months" if months else value.normal
    return _PERMANENT if _FOREVER.search(folded) else None


def _condition_conflict(question: str, passages: Sequence[PolicyPassage]) -> Conflict | None:
    """Documents that restrict the thing asked after the event asked about, under conditions that differ
    where both state them (a different number of occurrences, or a different time)."""
    if asked_kinds(question)[0] != "yesno":
        return None
    events = _events_asked(question)
    event = tuple(w for words in events for w in words)
    thing = [
        g
        for g in _topic_words(question)
        if not any(w.startswith(s) or s.startswith(w) for s in g for w in map(stem, event))
    ]
    if not event or not thing:
        return None
    by_title: dict[str, list[tuple[RuleConditions, Side]]] = {}
    for passage in passages:
        for sentence in _sentences(passage):
            found = rule_conditions(sentence, thing, event)
            if found is not None:
                by_title.setdefault(document_of(passage), []).append((found, Side(passage, sentence, ())))
    titles = list(by_title)
    for i, a in enumerate(titles):
        for b in titles[i + 1 :]:
            for kind in ("after", "lasting"):
                pair = _differ(by_title[a], by_title[b], kind)
                if pair is not None:
                    return Conflict("condition", kind, pair)
    return None


def _differ(
    a: list[tuple[RuleConditions, Side]], b: list[tuple[RuleConditions, Side]], kind: str
) -> tuple[Side, Side] | None:
    """The two documents' sentences, each with its value, when both state the condition and share no
    value of it (a document that states none is silent on it, not in disagreement)."""
    stated_a, stated_b = _stated(a, kind), _stated(b, kind)
    if not stated_a or not stated_b or {s.values for s in stated_a} & {s.values for s in stated_b}:
        return None
    return stated_a[0], stated_b[0]


def _stated(found: list[tuple[RuleConditions, Side]], kind: str) -> list[Side]:
    return [
        Side(side.passage, side.sentence, (str(value),))
        for conditions, side in found
        if (value := getattr(conditions, kind)) is not None
    ]


# -- which governs -----------------------------------------------------------------------------------------


def governing_clause(passages: Sequence[PolicyPassage]) -> Side | None:
    """The first sentence that says which document controls where documents differ."""
    for passage in passages:
        for sentence in _sentences(passage):
            if PRECEDENCE.search(sentence):
                return Side(passage, sentence, ())
    return None


def governs(side: Side) -> str | None:
    """The kind of document the precedence sentence says controls ("lease", "rules", ...): the one named
    last before "shall control" ("if the Rules conflict with this Lease, this Lease shall control")."""
    verb = _CONTROLS.search(side.sentence)
    if verb is None:
        return None
    named = [m[1].lower() for m in _DOCUMENT.finditer(side.sentence, 0, verb.start())]
    return named[-1] if named else None


def find_conflict(
    question: str,
    passages: Sequence[PolicyPassage],
    *,
    precedence: Sequence[PolicyPassage] = (),
    depth: int = CONFLICT_DEPTH,
) -> Conflict | None:
    """The first disagreement between two documents among the top `depth` passages on what was asked,
    with the sentence that says which document governs when `precedence` (or the passages) hold one."""
    top = list(passages[:depth])
    if len({document_of(p) for p in top}) < 2:
        return None
    conflict = (
        _value_conflict(question, top)
        or _stance_conflict(question, top)
        or _condition_conflict(question, top)
    )
    if conflict is None:
        return None
    governing = governing_clause([*precedence, *top])
    return Conflict(conflict.topic, conflict.kind, conflict.sides, governing)
