"""Extractive reading: the whole sentence of the retrieved passages that answers a question.

Retrieval finds passages; a resident wants the one sentence that says what they asked. Every sentence of
the top passages (cut by the same splitter ingest uses, so a quote never starts mid-sentence) is scored:

- coverage: the share of the question's content words (weighted by how rare they are among the
  candidate sentences; resident words mapped to the documents' words, a derived noun to its verb:
  "withdrawal" says "withdraw") that the sentence states, with credit at half weight for words only its
  section heading states and at a third for words only the sentence before it states (a "This fee is
  $50." after "Residents who are locked out ...");
- kind: a bonus when the sentence states a value of the kind asked for (an amount of money for "how
  much", less for a bare percent, which prices something only as a share of another amount; a
  day, time or length of time for "when" or "what hours", a count or a length for "how many", in the
  unit asked where the question names one: "how many days"), and a smaller one for a rule ("may",
  "must not") when a yes or no is asked, or for steps when a procedure is; a sentence that leans on the
  one before it ("This includes oil changes.") is judged with it;
- a small prior for the passage's retrieval rank, and a penalty for fragments (a piece of a sentence
  that a chunk boundary cut).

For "who do I tell", a sentence that says whom to reach (contact, notify, report to) gets a bonus, and for
"do you take venmo" (a way of paying the documents seldom name) one that lists the ways taken ("by cash,
check or money order"). A length of time the question proposes ("stay over for a whole week") is not one
of its words: the documents state their own limit. A step of a list that counts from the one before it
("One week later ...") has that step as its lead-in, and its value counts as standing beside the
question's words there.

The best sentence is quoted whole (where it states no value of the kind asked and a close runner-up does,
the runner-up), with the sentence before it when it leans on it (or when the best states an exception,
"If the lease renews, ...", to the close runner-up before it), or the one after it when that one
carries the asked-for value, adds to the rule ("Furthermore, ...") or (for "what happens if") states the
consequence ("A late fee will be charged").
When no sentence covers enough of the question (less is enough for a sentence very close in meaning), or
an amount is asked and the quote does not name what is priced ("how much is a parking spot" answered by
an insurance charge), or "is there a gym" (or "is there a late fee") by a sentence with no gym (no late
fee), or "when is the payment due" by dates nothing is said to be due on, or "what's the wifi password"
(or "how much is a double room") by a sentence that does not state every word of the thing asked for, or
when more than half of the question's words are stated nowhere in what was read (short of a quote very
close in meaning), the reader says so (`Quote.answered` is False), so the assistant can say plainly that
the documents do not answer. A sentence that an earlier passage already gave (retrieved chunks overlap)
is not a candidate twice, but stays in place as the sentence the next one leans on. A quote that meets a
resident's word only through the reader's synonyms (a hamster is a pet) is measured again with the
documents' word beside the question, since the encoder does not know it.
Pure functions; no model.
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import numpy as np

from app.knowledge.embedding import FloatMatrix, MiniLMEncoder, get_encoder
from app.knowledge.lexical import QUERY_GLOSSARY, QUERY_SYNONYMS, STOPWORDS, analyze, dense_query, fold, stem
from app.knowledge.sentences import split_sentences
from app.knowledge.values import AskedKind, answers_kind, asked_kinds, asked_unit, states_unit, values_in
from app.knowledge.vector_cache import VectorCache

#: Resident words -> words leases and policies use for the same thing (reading side only).
_READER_SYNONYMS: Final = {
    word: tuple(replacement.split())
    for line in """
    dog dogs puppy cat cats kitten hamster hamsters bird birds pet pets: pet animal
    rid: remove
    end ending ends: end terminate termination expire expiration
    behind: arrears late delinquent
    raise raising raised: increase raise
    top: reinstate replenish restore
    animal animals: pet animal
    bf gf boyfriend girlfriend partner overnight sleepover: guest visitor overnight
    stay staying: stay guest visit
    back: return refund reimburse repay
    refund refunded: return refund
    kick: evict terminate
    evicted eviction: evict default terminate
    break breaking: terminate early termination
    leave leaving: vacate move terminate
    moving move: move vacate
    renew renewing: renewal renew
    lockout locked lock: lockout lock key
    id keycard: card key access
    guest guests visitor visitors friend friends cousin: guest visitor occupant
    park parking car cars truck vehicle: parking vehicle
    fix repair broken: repair maintenance
    cost costs price: fee charge cost
    pay paying paid: pay payment
    owe: pay payment
    late: late delinquent later
    reslife: residential life residence
    live living lives: live reside occupy
    day days: day date
    bounce bounced: returned dishonored nsf
    check checks: check
    card: card credit debit
    cash: cash
    notice: notice written
    deposit: deposit
    take keep withhold withheld deduct deducted deduction deductions: deduct deduction withhold
    devuelven devolver devuelvan regresan regresar: return refund
    mudo mudarme mudarse: move vacate
    puedo: may
    avisar aviso avise: notice
    anticipacion antelacion: advance before prior notice
    cierra cierran cerrar: close closed
    abre abren abrir: open
    hora horas horario: hour hours
    due: due payable
    smoke smoking vape: smoking smoke
    roommate roommates: occupant roommate
    sublet sublease: sublet assign
    trash garbage: trash garbage refuse
    noise loud: noise quiet disturb
    half: partial
    most max maximum: maximum exceed excess limit
    furniture furnished: furnish furniture
    talk: contact notify report inform
    figure: calculate prorate
    first: first earliest
    """.strip().splitlines()
    for words, replacement in [line.split(":")]
    for word in words.split()
}
#: Words of a question that say how it is asked, not what about.
_ASKING: Final = frozenset(
    """tell know need want like wonder question ask help much many long also still really just exactly
    actually thing something anything say says said happen happens mean doe would could should can may
    will ever whats what wats hows allowed allow permitted ok okay possible supposed way get getting there
    here time set bring
    policy policies rule rules regla reglas politica info information go goes find permiten permite
    permitido permitidos pueden puede podemos cuanto cuantos cuantas cuanta tengo tiene hacer hago
    lol lmao omg ugh yall ya guys bro hey hi pls plz thx idk tho gonna wanna kinda sorta
    """.split()
)
_CONTRACTED: Final = frozenset(
    """re ll ve don doesn didn isn aren wasn weren haven hasn hadn won wouldn shouldn couldn
    theyre theyll theyve youre youll youve weve arent havent hasnt hadnt wasnt werent wouldnt shouldnt
    couldnt""".split()
)
"""What is left of a contraction once its apostrophe is gone ("they're" folds to "they re", or is typed
"theyre"): it says nothing of what is asked, yet no candidate states it, so it would weigh as a word
the documents miss. Single letters ("what's" -> "what s") likewise."""
_ANAPHOR: Final = re.compile(
    r"^(?:this|that|these|those|it|such|they|the\s+same|said|any\s+such|in\s+that)\b", re.I
)
_QUALIFIES: Final = re.compile(r"^(?:if|unless|except|however|but)\b", re.I)
"""A sentence that states when the rule before it does not hold ("If the lease renews, ...")."""
_CONTINUES: Final = re.compile(
    r"^(?:furthermore|moreover|additionally|in\s+addition(?!\s+to\b)|also)\b", re.I
)
"""A sentence that adds to the rule of the one before it ("Furthermore, Landlord may require ...")."""
_RULE: Final = re.compile(
    r"\b(?:may|must|shall|will\s+not|cannot|can\s+not|not\s+permitted|prohibited|allowed|permitted|"
    r"required|only|never|no\s+\w+\s+(?:is|are|will|may)|there\s+(?:(?:will|shall)\s+be|is|are)\s+no|accepts?|"
    r"does\s+not|do\s+not)\b",
    re.I,
)
_STEPS: Final = re.compile(
    r"\b(?:submit|contact|call|email|e-mail|notify|request|in\s+writing|written|portal|online|by\s+mail|"
    r"at\s+the\s+(?:leasing\s+)?office|fill\s+out|complete|sign|return|give|provide|deliver|mail|"
    r"drop\s+off|log\s+in|set\s+up|enroll)\b",
    re.I,
)
_CONSEQUENCE_ASKED: Final = re.compile(
    r"\bwhat\s+(?:happens|will\s+happen|would\s+happen|if)\b|\bwhat\s+are\s+the\s+consequences\b|"
    r"\bwhat\s+(?:do|will|can)\s+(?:they|you|yall)\s+do\s+if\b|\bque\s+pasa\b"
)
"""A question after what follows from something ("what happens if I don't turn in the form")."""
_CONSEQUENCE: Final = re.compile(
    r"\b(?:will|may|shall|can)\s+(?:also\s+)?(?:be\s+)?(?:charged|assessed|billed|fined|placed|imposed|"
    r"terminated|evicted|removed|referred|forfeited|subject)\b|\bresult(?:s|ing)?\s+in\b|\b(?:fee|fine|penalty|"
    r"late\s+charge|hold|forfeit\w*|eviction|termination)\b",
    re.I,
)
"""A sentence that states a consequence: a charge, a hold, a termination."""
_WHOM_ASKED: Final = re.compile(
    r"\bwho(?:m)?\s+(?:do|should|can|could|would|will|must)\s+(?:i|we)\s+(?!pay\b)|\bwho(?:m)?\s+to\s+\w+|"
    r"\b(?:a|con)\s+quien\b"
)
"""A question after whom to tell ("who do I talk to if I can't pay"), not who pays."""
_CONTACT: Final = re.compile(
    r"\b(?:contact\w*|notify\w*|call|speak|talk|report(?:ed)?\s+to|inform|ask|email|e-mail|write\s+to|visit)\b",
    re.I,
)
"""A sentence that names a way to reach someone."""
_METHOD: Final = (
    r"(?:cash|(?:personal\s+|cashier'?s?\s+|certified\s+)?checks?|money\s+orders?|(?:credit|debit)\s+cards?|"
    r"ach|bank\s+transfers?|electronic\s+(?:funds?\s+transfers?|payments?)|online)"
)
_METHODS: Final = re.compile(rf"\b{_METHOD}(?:\s*,\s*|\s+or\s+|\s+and\s+|,\s+(?:or|and)\s+){_METHOD}\b")
"""Ways of paying listed together: "by cash, check or money order"."""
_WAYS_ASKED: Final = re.compile(
    r"\b(?:take|accept|pay)\w*\s+(?:\w+\s+)?(?:(?:through|via|using|with|by|in)\s+)?(?:a\s+)?(?:venmo|zelle|"
    r"cash\s*app|pay\s*pal|apple\s+pay|google\s+pay|crypto\w*|bitcoin|wire)\b"
)
"""A question whether a way of paying the documents seldom name is taken ("do you take rent through
venmo"): the sentence that lists the ways that are taken answers it."""
METHODS_BONUS: Final = 0.3
_FRAGMENT_START: Final = re.compile(r"^[a-z,;)]")
_FRAGMENT_END: Final = re.compile(
    r"\b(?:of|to|the|a|an|and|or|with|in|on|by|for|at|as|that|which|than|per|be|paragraph|section|clause)$",
    re.I,
)
"""The last word of a sentence that a chunk boundary cut: "... refundable in accordance with paragraph"."""

MIN_RELEVANCE: Final = 0.25
"""Weighted share of the question a quote must cover (its heading and lead-in counted) to answer it."""
MIN_SIMILARITY: Final = 0.3
"""Cosine to the question a quote must reach, when measured, to answer it. Chosen on the development set
(181 questions, 21 the documents do not answer): relevance >= 0.25 and cosine >= 0.3 answered 111
correctly, relevance >= 0.3 alone 107, >= 0.5 alone 103; the best pair seen (0.2, 0.3) 113."""
MAX_UNSTATED: Final = 0.5
"""Share of the question's words the documents read may leave unstated, short of a quote very close in
meaning: "can i pay my housing bill in monthly installments" where nothing says bill, monthly or
installment is not answered by a sentence on paying for housing. At half (two words of four: "can i pay
straight into the bank instead") a question is still answered."""
CLOSE_SIMILARITY: Final = 0.6
"""A quote this close in meaning to the question answers it with less of the question's words (down to
`MIN_CLOSE_RELEVANCE`): "I paid at 6pm on a Friday" is answered by "Payments received after 5:00 pm,
weekends or legal holidays, will be posted as of the next working day", which shares one word with it. On
the development set this answered one more question and answered none of those the documents do not
answer that were declined before."""
MIN_CLOSE_RELEVANCE: Final = 0.1
KIND_BONUS: Final = 0.3
SECONDARY_KIND_BONUS: Final = 0.1
RULE_BONUS: Final = 0.12
STEPS_BONUS: Final = 0.08
CONTACT_BONUS: Final = 0.15
"""For a sentence that says whom to reach (`_CONTACT`) when that is what the question asks."""
RANK_PRIOR: Final = 0.06
FRAGMENT_PENALTY: Final = 0.25
PROXIMITY_BONUS: Final = 0.15
"""Bonus for a sentence whose value of the asked kind stands right beside the question's words ("the sum
of $3,000.00 (the Security Deposit)"), falling to nothing at `PROXIMITY_WORDS` words away: a sentence
that names the deposit at one end and a fine at the other does not say what the deposit is. Scaled by
the sentence's relevance, so a value beside one stray word of the question counts for little."""
PROXIMITY_WORDS: Final = 10
HEADING_WEIGHT: Final = 0.5
LEAD_IN_WEIGHT: Final = 0.35
STATED_MARGIN: Final = 0.3
"""How far below the best sentence one that states the asked-for value may score and still be quoted
in its place."""
FOLLOW_ON: Final = 0.8
"""A next sentence this close to the best one's score is quoted with it."""
MAX_QUOTE_CHARS: Final = 600
SEMANTIC_WEIGHT: Final = 2.0
"""Weight of the sentence's cosine to the question. On the development set of real documents (179
questions), answer accuracy from retrieval + reader alone went 0.553 -> 0.575 / 0.587 / 0.609 / 0.598 /
0.592 for weights 0 / 0.5 / 1 / 2 / 3 / 5."""
SENTENCE_CACHE_SIZE: Final = 4096


@dataclass(frozen=True, slots=True)
class Source:
    """A retrieved passage as the reader needs it."""

    text: str
    heading: str = ""


@dataclass(frozen=True, slots=True)
class _Sentence:
    passage: int
    paragraph: int
    position: int
    text: str
    terms: frozenset[str]
    repeat: bool = False
    """Stated already by an earlier passage (retrieved chunks overlap): not a candidate again, but still
    the sentence the next one leans on ("This is an amount equal to ..." after "The total cost is $10.00")."""
    fragment: bool = False
    """A piece of a sentence (`_is_fragment`)."""


@dataclass(frozen=True, slots=True)
class Quote:
    """The sentences to quote (whole, in document order) and the passage they come from."""

    sentences: tuple[str, ...]
    passage: int
    score: float
    relevance: float
    """Weighted share of the question the quote covers, heading and lead-in included (0..1)."""
    kind: AskedKind
    similarity: float
    """Cosine to the question of the closest quoted sentence (0 without a `Similarity`)."""
    states_kind: bool
    """Whether the quote states a value of the asked kind (always True for kinds without values)."""

    measured: bool = False
    """Whether `similarity` was measured (a `Similarity` was given)."""
    unstated: float = 0.0
    """Share of the question's words (their groups) that no sentence or heading read states at all."""
    about: bool = True
    """Whether the quote names what an amount question prices ("a parking spot" in "how much is a parking
    spot per month": "$10.00 per month" for insurance does not price it), what "is there a ..." asks
    about (a gym), and every word of what "what's the ..." asks for (a wifi password, a double room)."""

    @property
    def answered(self) -> bool:
        """Whether the quote says what was asked: enough of the question's words, and, where measured,
        close enough in meaning (documents that do not answer often share a word or two; a quote very close
        in meaning needs fewer of the words); for an amount, about the thing priced."""
        if not self.about:
            return False
        if not self.measured:
            return self.relevance >= MIN_RELEVANCE
        if self.similarity >= CLOSE_SIMILARITY:
            return self.relevance >= MIN_CLOSE_RELEVANCE
        if self.unstated > MAX_UNSTATED:
            return False
        return self.relevance >= MIN_RELEVANCE and self.similarity >= MIN_SIMILARITY

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


_OUT: Final = re.compile(r"\b(?:be|get|getting|am|are|is)\s+out\b(?!\s+of\b)")
"""Being out of a home is vacating it ("what time do i have to be out"); "out" alone says nothing."""


_SPAN: Final = re.compile(
    r"\b(?:a|an|one|two|three|four|five|six|seven|few|couple\s+of|\d{1,2})\s+(?:whole\s+|full\s+|more\s+)?"
    r"(?:nights?|days?|weeks?|months?)\b"
)
"""A length of time the question proposes ("stay over for a whole week"): the documents state their own
limit ("three nights"), seldom in the question's words, so its words are not asked about."""


def question_groups(question: str) -> list[frozenset[str]]:
    """The question's content words, each as the set of stems that would count as saying it."""
    return list(_question_groups(question))


QUESTION_CACHE_SIZE: Final = 4096
"""Questions whose reading is kept: `rerank` reads one question against every candidate passage."""


@lru_cache(maxsize=QUESTION_CACHE_SIZE)
def _question_groups(question: str) -> tuple[frozenset[str], ...]:
    groups: list[frozenset[str]] = []
    for word in re.findall(r"[a-z0-9]+", _SPAN.sub(" ", _OUT.sub("vacate", fold(question)))):
        if _says_nothing(word):
            continue
        alternatives = {stem(word)}
        for english in QUERY_GLOSSARY.get(word, word).split():
            if english != word and _says_nothing(english):
                continue
            alternatives.add(stem(english))
            for other in (*QUERY_SYNONYMS.get(english, "").split(), *_READER_SYNONYMS.get(english, ())):
                alternatives.add(stem(other))
        alternatives.update(base for term in list(alternatives) if (base := derived(term)) is not None)
        group = frozenset(alternatives)
        if any(group <= other for other in groups):
            continue  # "pay ... paid": one thing asked, not two
        groups = [other for other in groups if not other < group]
        groups.append(group)
    return tuple(groups)


def _says_nothing(word: str) -> bool:
    """Whether a question's word says how it is asked, not what about."""
    if word in STOPWORDS:  # but "most" asks a maximum
        return word not in _READER_SYNONYMS
    if word in _CONTRACTED or (len(word) == 1 and word.isalpha()):
        return True
    return word in _ASKING or stem(word) in _ASKING or word.isdigit()


_HYPHENATED: Final = re.compile(r"\b([a-z]+)-\s?([a-z]+)\b")
"""A compound written with a hyphen ("lock-out", "move-in") or broken at a line end ("lock- outs")."""


_DERIVED: Final = (("al", 7), ("ment", 8), ("ion", 7))
"""Noun endings of a verb's stem, with the shortest stem they are cut from: "withdrawal", "renewal",
"reimbursement", "deduction" say what "withdraw", "renew", "reimburse", "deduct" say."""


def derived(term: str) -> str | None:
    """The verb stem a noun stem is derived from ("withdrawal" -> "withdraw", "eviction" -> "evict"),
    None for other words. The light stemmer leaves these endings on; the reader adds the verb beside the
    noun on both sides, so a question's verb meets a document's noun and back."""
    for ending, shortest in _DERIVED:
        if term.endswith(ending) and len(term) >= shortest:
            base = term[: -len(ending)]
            if ending == "ion" and not base.endswith("t"):  # "deduction", not "cancellation"
                return None
            return stem(base)
    return None


def sentence_terms(sentence: str) -> frozenset[str]:
    """The terms of a sentence, hyphenated compounds also as one word ("lock-out" says "lockout") and
    derived nouns also as their verb ("withdrawal" says "withdraw")."""
    terms = set(analyze(sentence))
    terms.update(stem(a + b) for a, b in _HYPHENATED.findall(fold(sentence)))
    terms.update(base for term in list(terms) if (base := derived(term)) is not None)
    return frozenset(terms)


def _sentences(sources: Sequence[Source]) -> list[_Sentence]:
    out: list[_Sentence] = []
    seen: set[str] = set()
    for p, source in enumerate(sources):
        for taken in _passage_sentences(source.text):
            repeat = taken.key in seen
            out.append(
                _Sentence(p, taken.paragraph, taken.position, taken.text, taken.terms, repeat, taken.fragment)
            )
            seen.update(taken.keys)
    return out


@dataclass(frozen=True, slots=True)
class _PassageSentence:
    """A sentence of one passage as the reader takes it apart, before it is placed among other passages."""

    paragraph: int
    position: int
    text: str
    terms: frozenset[str]
    key: str
    """The sentence's words, lower-case, single-spaced: the same sentence in another passage has the same."""
    keys: tuple[str, ...]
    """`key` and the key of each bracketed aside joined to it: all are stated once this sentence is."""
    fragment: bool
    """A piece of a sentence (`_is_fragment`), penalised when read."""


PASSAGE_CACHE_SIZE: Final = 4096
"""Passages whose sentences are kept (a few KiB each): the same clauses are read turn after turn."""


@lru_cache(maxsize=PASSAGE_CACHE_SIZE)
def _passage_sentences(text: str) -> tuple[_PassageSentence, ...]:
    """The sentences of a passage's text with their terms; a bracketed aside ("(Letter 3a)") is joined to
    the sentence before it in its paragraph. Pure, and kept: split and analysed once per passage text."""
    out: list[_PassageSentence] = []
    for q, paragraph in enumerate(text.split("\n")):
        position = 0
        for sentence in split_sentences(paragraph):
            key = " ".join(sentence.lower().split())
            if len(key) < 3:
                continue
            last = out[-1] if out and position else None
            if last is not None and _ASIDE.match(sentence):
                # "(Letter 3a)" after "... a warning letter is sent." belongs to it: on its own it would
                # stand between that sentence and the one that follows on from it
                joined = f"{last.text} {sentence}"
                keys = (*last.keys, key)
                out[-1] = _PassageSentence(
                    q, last.position, joined, sentence_terms(joined), last.key, keys, _is_fragment(joined)
                )
                continue
            terms = sentence_terms(sentence)
            out.append(_PassageSentence(q, position, sentence, terms, key, (key,), _is_fragment(sentence)))
            position += 1
    return tuple(out)


_ASIDE: Final = re.compile(r"^\([^()]{1,40}\)\.?$")
"""A sentence that is only a short bracketed reference: "(Letter 3a)", "(See Section 4)"."""


def _weights(groups: list[frozenset[str]], texts: list[frozenset[str]]) -> list[float]:
    """Inverse document frequency of each group among the candidate texts. A group no candidate states
    weighs half the mean of those some state: a stray word ("my sink is clogged") should not sink a
    question the passages answer, while a question none of whose words they state stays unanswered."""
    n = len(texts) or 1
    dfs = [sum(1 for terms in texts if group & terms) for group in groups]
    present = [math.log((n + 1) / (df + 0.5)) for df in dfs if df]
    absent = 0.5 * (sum(present) / len(present)) if present else 1.0
    return [math.log((n + 1) / (df + 0.5)) if df else absent for df in dfs]


_PRICE_FRAME: Final = frozenset(
    stem(word)
    for word in """fee fees charge charges cost costs price pay paying payment much amount per month monthly
    week weekly semester year yearly day daily rent""".split()
)
"""Words that put a price question ("how much is it per month", "is there a fee") without naming what is
priced."""
_INTEREST: Final = re.compile(r"\b(?:interest|apr|annual rate|rate of)\b", re.I)


def _states(text: str, kind: AskedKind) -> bool:
    if kind == "amount":  # a percent that is an interest rate is not what a fee or a deposit costs
        interest = _INTEREST.search(text) is not None
        return any(v.kind == "money" or (v.kind == "percent" and not interest) for v in values_in(text))
    if kind in ("day", "count"):
        return any(answers_kind(v, kind) for v in values_in(text))
    if kind == "yesno":
        return bool(_RULE.search(text))
    if kind == "procedure":
        return bool(_STEPS.search(text))
    return True


Similarity = Callable[[str, Sequence[str]], Sequence[float]]
"""Cosine similarity of a question to each of some sentences (an embedding model's), in [-1, 1]."""


def read(
    question: str,
    sources: Sequence[Source],
    *,
    similarity: Similarity | None = None,
    gate: bool = True,
    weights: Sequence[float] | None = None,
) -> Quote | None:
    """The quote that best answers `question` from `sources` (best passage first); None without text.

    With `similarity` (the retriever's sentence embedding), each sentence's cosine to the question adds
    to its score: it knows "locked myself out" is about "lockout assistance" where words do not meet.
    `gate`: also require that cosine for the quote to count as an answer (`Quote.answered`); off for
    questions in Spanish, which the English-only model places poorly against English documents.
    `weights`: the weight of each of the question's word groups (`question_groups`), when they are
    weighed over more text than `sources` (`rerank` weighs them once over every candidate)."""
    sentences = _sentences(sources)
    if not sentences:
        return None
    semantic = (
        list(similarity(question, [s.text for s in sentences])) if similarity else [0.0] * len(sentences)
    )
    kinds = asked_kinds(question)
    unit = asked_unit(question)
    groups = question_groups(question)
    whom = _WHOM_ASKED.search(" ".join(fold(question).split())) is not None
    ways = _WAYS_ASKED.search(" ".join(fold(question).split())) is not None
    headings = [frozenset(analyze(s.heading)) for s in sources]
    if weights is None:
        weights = _weights(groups, [s.terms for s in sentences if not s.repeat] + headings)
    total = sum(weights) or 1.0

    def covered(terms: frozenset[str], exclude: set[int]) -> tuple[float, set[int]]:
        hit = {i for i, g in enumerate(groups) if i not in exclude and g & terms}
        return sum(weights[i] for i in hit) / total, hit

    scored: list[tuple[float, float, bool, _Sentence]] = []
    said: list[set[int]] = []  # per sentence, the question's groups it, its heading or its lead-in state
    for i, s in enumerate(sentences):
        own, hit = covered(s.terms, set())
        heading, hit_h = covered(headings[s.passage], hit)
        previous = sentences[i - 1] if i and _leans_on(sentences[i - 1], s) else None
        lead, hit_l = covered(previous.terms, hit | hit_h) if previous is not None else (0.0, set())
        said.append(hit | hit_h | hit_l)
        relevance = min(1.0, own + HEADING_WEIGHT * heading + LEAD_IN_WEIGHT * lead) if groups else 0.0
        bonus = _kind_bonus(s.text, kinds, unit)
        if whom and _CONTACT.search(s.text):
            bonus += CONTACT_BONUS
        if ways and _METHODS.search(fold(s.text)):
            bonus += METHODS_BONUS
        if previous is not None and _ANAPHOR.match(s.text):
            # "This includes oil changes." states the rule of the sentence before it
            bonus = max(bonus, _kind_bonus(f"{previous.text} {s.text}", kinds, unit))
        score = relevance + bonus + SEMANTIC_WEIGHT * semantic[i]
        if lead and _LATER.match(s.text) and _states(s.text, kinds[0]):
            score += relevance * PROXIMITY_BONUS  # "One week later": the value counts from the lead-in
        else:
            score += relevance * _proximity_bonus(s.text, kinds[0], groups)
        score += RANK_PRIOR * (1 - s.passage / max(1, len(sources)))
        if s.fragment:
            score -= FRAGMENT_PENALTY
        if s.repeat:
            score = -math.inf
        scored.append((score, relevance, lead > 0, s))
    best_index = _best(scored, kinds[0])
    score, relevance, leans, best = scored[best_index]
    chosen = [best_index]
    if (
        best_index
        and _same_paragraph(sentences[best_index - 1], best)
        and (_ANAPHOR.match(best.text) or _FRAGMENT_START.match(best.text))
    ):
        chosen.insert(0, best_index - 1)
    elif (
        best_index
        and _QUALIFIES.match(best.text)
        and sentences[best_index - 1].passage == best.passage
        and scored[best_index - 1][0] >= FOLLOW_ON * score
        and _fits([sentences[best_index - 1], best])
    ):
        # a rule and the exception that follows it ("There will be no rent increases through the end
        # date. If the lease renews, ... may increase the rent.") answer together, the rule first
        chosen.insert(0, best_index - 1)
    kind = kinds[0]
    if best_index + 1 < len(scored) and scored[best_index + 1][3].passage == best.passage:
        following = scored[best_index + 1]
        lacks = not _states(best.text, kind) and _states(following[3].text, kind)
        lacks = lacks or _follows_on(question, best.text, following[3].text)
        lacks = lacks or (
            _same_paragraph(best, following[3]) and _CONTINUES.match(following[3].text) is not None
        )
        if (lacks or following[0] >= FOLLOW_ON * score) and _fits(
            [sentences[i] for i in [*chosen, best_index + 1]]
        ):
            chosen.append(best_index + 1)
    text = " ".join(sentences[i].text for i in chosen)
    subjects = _asked_to_exist(question, groups)
    if kind == "amount":  # "is there a late fee": the quote names what is charged for, where it is named
        subjects = subjects or _subjects(groups)
    elif kind == "day":  # "when is the payment due": a date the quote does not say is due answers another
        subjects = subjects or {i for i, group in enumerate(groups) if _DUE in group}
    named = set().union(*(said[i] for i in chosen))
    focus = _focus(question, groups) if kind in ("amount", "general") else set()
    cosine = max(semantic[i] for i in chosen)
    measured = similarity is not None and gate
    if similarity is not None and gate and cosine < MIN_SIMILARITY:
        cosine = max(cosine, _remeasured(question, [sentences[i] for i in chosen], similarity))
    return Quote(
        sentences=tuple(sentences[i].text for i in chosen),
        passage=best.passage,
        score=round(score, 4),
        relevance=round(relevance, 4),
        kind=kind,
        similarity=round(cosine, 4),
        measured=measured,
        states_kind=_states(text, kind),
        unstated=_unstated(groups, [s.terms for s in sentences] + headings) if measured else 0.0,
        about=not gate or ((not subjects or bool(subjects & named)) and focus <= named),
    )


def _unstated(groups: list[frozenset[str]], texts: list[frozenset[str]]) -> float:
    """Share of `groups` that none of `texts` states."""
    if not groups:
        return 0.0
    return sum(1 for group in groups if not any(group & terms for terms in texts)) / len(groups)


def _remeasured(question: str, quoted: list[_Sentence], similarity: Similarity) -> float:
    """The quote's cosine to the question with the documents' words for the resident's words it states
    only through `_READER_SYNONYMS` beside them: the encoder does not know that a hamster is a pet, so
    "can i keep a hamster" sits far from "Pets are prohibited"; -1 when no such word."""
    terms = frozenset().union(*(s.terms for s in quoted))
    said: list[str] = []
    for word in re.findall(r"[a-z]+", fold(question)):
        if stem(word) in terms:
            continue
        said += [
            other for other in _READER_SYNONYMS.get(word, ()) if stem(other) in terms and other not in said
        ]
    if not said:
        return -1.0
    return max(similarity(f"{question} ({' '.join(said)})", [s.text for s in quoted]))


def _follows_on(question: str, best: str, following: str) -> bool:
    """Whether the next sentence says what the question asks after and the best does not: the consequence
    ("A late fee will be charged ...") of the condition the best sentence states, for "what happens if"."""
    if _CONSEQUENCE_ASKED.search(" ".join(fold(question).split())) is None:
        return False
    return _CONSEQUENCE.search(best) is None and _CONSEQUENCE.search(following) is not None


_DUE: Final = stem("due")


def _subjects(groups: list[frozenset[str]]) -> set[int]:
    """The question's groups that name what is asked about, not how a price is put ("fee", "per month")."""
    return {i for i, group in enumerate(groups) if not group & _PRICE_FRAME}


_EXISTS: Final = re.compile(
    r"\b(?:is|are)\s+there\s+(?:a|an|any)\s+(?P<what>[a-z][a-z\s-]*?)"
    r"(?=\s+(?:in|on|at|for|to|if|when|with|near|here|and|or|available|included)\b|\s*\?|$)"
)
"""A question whether something exists: "is there a gym in the building" (the gym must be named)."""


_FOCUS: Final = re.compile(
    r"\b(?:what\s+is|whats|what\s+s|how\s+much\s+(?:is|does|do))\s+(?:the|a|an)\s+"
    r"(?P<what>[a-z0-9-]+(?:\s+[a-z0-9-]+){0,2})"
)
"""The thing a question names as what it asks for: "what's the wifi password for ...", "how much does a
double room cost" (its first words, up to a word that says nothing of what: "for", "per", "they")."""


def _focus(question: str, groups: list[frozenset[str]]) -> set[int]:
    """The groups of the thing "what's the X" or "how much is a X" asks for (a price frame left out): a
    quote that does not state every one of them (a "room application fee" for "a double room") answers
    about something else."""
    found = _FOCUS.search(" ".join(fold(question).split()))
    if found is None:
        return set()
    words: list[str] = []
    for word in found["what"].split():
        if word in STOPWORDS:
            break
        words.append(word)
    named = set(question_groups(" ".join(words)))
    return {i for i, group in enumerate(groups) if group in named and not group & _PRICE_FRAME}


def _asked_to_exist(question: str, groups: list[frozenset[str]]) -> set[int]:
    """The groups of what "is there a ..." asks about (a fee's price frame left out)."""
    found = _EXISTS.search(" ".join(fold(question).split()))
    if found is None:
        return set()
    named = set(question_groups(found["what"]))
    return {i for i, group in enumerate(groups) if group in named and not group & _PRICE_FRAME}


def _best(scored: list[tuple[float, float, bool, _Sentence]], kind: AskedKind) -> int:
    """The best-scoring sentence; but where it states no value of the kind asked (an amount, a day, a
    count) and another sentence that does scores within `STATED_MARGIN` of it and says enough of the
    question, that one: "what's the last day to pay" is answered by the sentence with the day in it."""
    best = max(range(len(scored)), key=lambda i: (scored[i][0], -i))
    if kind not in ("amount", "day", "count") or _states(scored[best][3].text, kind):
        return best
    stating = [
        i
        for i, (score, relevance, _, s) in enumerate(scored)
        if relevance >= MIN_RELEVANCE and score >= scored[best][0] - STATED_MARGIN and _states(s.text, kind)
    ]
    return max(stating, key=lambda i: (scored[i][0], -i)) if stating else best


RERANK_PRIOR: Final = 0.5
"""Weight of a candidate's fused retrieval rank when the reader re-ranks candidates (`rerank`). Over 20
candidates, hit@5 on the development set of real documents went 0.857 -> 0.894 / 0.913 / 0.901 for
weights 0 / 0.5 / 1 (chosen on five landlords' questions: 0.802 -> 0.846 / 0.868 / 0.857; the other five
landlords: 0.929 -> 0.957 / 0.971 / 0.957). The demo retrieval eval's recall@5 costs 0.991 -> 0.963 at 0.5
(0.991 at 1), above its 0.95 floor. Since the question's words are weighted once over all candidates
(not per candidate), hit@5 is 0.926 at 0.5 (0.926 at 0.3, 0.919 at 0.8) and the demo recall@5 0.981."""


def rerank(question: str, sources: Sequence[Source], *, similarity: Similarity | None = None) -> list[float]:
    """A score per source (higher is better): how well its best sentence answers `question`, read as
    `read` reads it, plus a prior for the source's place in `sources` (the retrieval order). Retrieval
    ranks whole passages by how much of them is about the question; a passage whose one sentence states
    what was asked can sit lower than one that mentions the question's words throughout."""
    n = max(1, len(sources))
    sentences = _sentences(sources)
    # one weighting of the question's words over every candidate, so that candidates are scored alike
    texts = [s.terms for s in sentences if not s.repeat] + [frozenset(analyze(s.heading)) for s in sources]
    weights = _weights(question_groups(question), texts)
    if similarity is not None:
        # every candidate's sentences in one call (one batched encoder pass, not one per candidate)
        similarity = _measured_once(question, [s.text for s in sentences], similarity)
    scores: list[float] = []
    for i, source in enumerate(sources):
        # only the score is used: the answer gate (and its re-measured cosine) would be work thrown away
        quote = read(question, [source], similarity=similarity, weights=weights, gate=False)
        scores.append((quote.score if quote is not None else 0.0) + RERANK_PRIOR * (1 - i / n))
    return scores


def _measured_once(question: str, texts: Sequence[str], similarity: Similarity) -> Similarity:
    """`similarity` with the cosines of `texts` to `question` measured now, in one call, and looked up
    after; any other question or sentence is measured when asked. The MiniLM encoder gives a sentence
    the same vector whatever else is in its batch (bit for bit, as checked here), so the scores are those
    that one call per candidate gave."""
    unique = list(dict.fromkeys(texts))
    cosines = dict(zip(unique, similarity(question, unique), strict=True)) if unique else {}

    def lookup(asked: str, sentences: Sequence[str]) -> Sequence[float]:
        if asked != question or not all(s in cosines for s in sentences):
            return similarity(asked, sentences)
        return [cosines[s] for s in sentences]

    return lookup


def _kind_bonus(text: str, kinds: tuple[AskedKind, ...], unit: str | None = None) -> float:
    """`KIND_BONUS` for a sentence that states a value of the kind asked first (for a count question
    that names its unit, "how many days", a value in that unit; a count of other things or a length in
    other units only `SECONDARY_KIND_BONUS`; for an amount, money: a percent alone only
    `SECONDARY_KIND_BONUS`), less for the kinds asked after it."""
    bonus = 0.0
    for n, kind in enumerate(kinds):
        if kind == "count" and n == 0 and unit is not None and _states(text, kind):
            stated = any(states_unit(v, unit) for v in values_in(text))
            bonus = max(bonus, KIND_BONUS if stated else SECONDARY_KIND_BONUS)
        elif kind == "amount" and n == 0 and _states(text, kind):
            # a share ("60% of the semester charge") says what the charge is only through another amount
            money = any(v.kind == "money" for v in values_in(text))
            bonus = max(bonus, KIND_BONUS if money else SECONDARY_KIND_BONUS)
        elif kind in ("amount", "day", "count") and _states(text, kind):
            bonus = max(bonus, KIND_BONUS if n == 0 else SECONDARY_KIND_BONUS)
        elif kind == "yesno" and _RULE.search(text):
            bonus = max(bonus, RULE_BONUS if n == 0 else RULE_BONUS / 2)
        elif kind == "procedure" and _STEPS.search(text):
            bonus = max(bonus, STEPS_BONUS)
    return bonus


_TOKEN: Final = re.compile(r"[a-z0-9]+")


def _proximity_bonus(text: str, kind: AskedKind, groups: list[frozenset[str]]) -> float:
    """`PROXIMITY_BONUS`, less with each word between a value of the asked kind and the nearest word of
    the question; 0 when the sentence states no such value or none of the question's words."""
    if kind not in ("amount", "day", "count") or not groups:
        return 0.0
    folded = fold(text)
    values = [
        v for v in values_in(text) if (v.kind == "percent" and kind == "amount") or answers_kind(v, kind)
    ]
    if not values:
        return 0.0
    asked = frozenset().union(*groups)
    tokens = list(_TOKEN.finditer(folded))
    spans = [(v.start, v.end) for v in values]
    inside = {i for i, t in enumerate(tokens) for a, b in spans if a <= t.start() < b}
    # the value's own words ("days" of "fifteen (15) days") are not the question's words beside it
    near = [i for i, t in enumerate(tokens) if i not in inside and stem(t.group()) in asked]
    best = PROXIMITY_WORDS
    for a, b in spans:
        covered = [i for i, t in enumerate(tokens) if a <= t.start() < b]
        if not covered:
            continue
        first, last = covered[0], covered[-1]
        for i in near:
            best = min(best, first - i if i < first else i - last)
    return PROXIMITY_BONUS * max(0.0, 1 - best / PROXIMITY_WORDS)


def _is_fragment(text: str) -> bool:
    """A piece of a sentence: it starts in lower case, is too short, or stops on a word no sentence
    ends on (a chunk boundary cut it)."""
    return bool(_FRAGMENT_START.match(text) or len(text) < 20 or _FRAGMENT_END.search(text.rstrip()))


_LATER: Final = re.compile(
    r"^(?:[-*\u2022]\s*)?(?:(?:a|an|one|two|three|four|\d{1,2})\s+(?:days?|weeks?|months?)\s+later|thereafter|"
    r"after\s+that|then)\b",
    re.I,
)
"""A sentence that counts from the one before it ("One week later ..."), though a list puts it on a line
of its own."""


def _leans_on(a: _Sentence, b: _Sentence) -> bool:
    """Whether `b` reads on from `a`, the sentence before it: in the same paragraph, or the next step
    of a list that counts from it."""
    if _same_paragraph(a, b):
        return True
    return a.passage == b.passage and a.paragraph == b.paragraph - 1 and _LATER.match(b.text) is not None


def _same_paragraph(a: _Sentence, b: _Sentence) -> bool:
    """Whether `a` is the sentence just before `b` in the same paragraph."""
    return a.passage == b.passage and a.paragraph == b.paragraph and a.position == b.position - 1


def _fits(sentences: list[_Sentence]) -> bool:
    return sum(len(s.text) + 1 for s in sentences) <= MAX_QUOTE_CHARS


class EncoderSimilarity:
    """`Similarity` from the retriever's MiniLM encoder (the model already loaded for the query), with the
    vectors of recently read sentences kept in memory (the same clauses come back for question after
    question) and, once `keep_on_disk` names a `VectorCache`, for the next process too."""

    def __init__(
        self,
        encoder: MiniLMEncoder | None = None,
        *,
        cache_size: int = SENTENCE_CACHE_SIZE,
        kept: VectorCache | None = None,
    ) -> None:
        self._encoder = encoder
        self._cache: OrderedDict[str, FloatMatrix] = OrderedDict()
        self._cache_size = cache_size
        self._kept = kept
        self._lock = threading.Lock()

    def keep_on_disk(self, kept: VectorCache) -> None:
        """Read sentence vectors from `kept` before embedding, and add those embedded to it. The first
        cache given stays (a process serves one data directory; a vector is the same in any of them)."""
        with self._lock:
            if self._kept is None:
                self._kept = kept

    def __call__(self, question: str, sentences: Sequence[str]) -> list[float]:
        encoder = self._encoder or get_encoder()
        query = encoder.embed_query(dense_query(question))
        with self._lock:
            missing = list(dict.fromkeys(s for s in sentences if s not in self._cache))
            kept = self._kept
        found_kept = kept.get_many(missing) if kept is not None and missing else {}
        to_embed = [s for s in missing if s not in found_kept]
        embedded = dict(zip(to_embed, encoder.embed(to_embed), strict=True)) if to_embed else {}
        if kept is not None and embedded:
            kept.put_many(embedded)
        with self._lock:
            self._cache.update(found_kept)
            self._cache.update(embedded)
            found = []
            for s in sentences:
                vector = self._cache.get(s)
                if vector is None:  # evicted between the two locks by another thread's batch
                    vector = encoder.embed_one(s)
                self._cache[s] = vector
                self._cache.move_to_end(s)
                found.append(float(np.dot(vector, query)))
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return found


_shared: EncoderSimilarity | None = None


def encoder_similarity() -> EncoderSimilarity:
    """The process-wide `EncoderSimilarity` (its cache shared by every turn and by the retriever)."""
    global _shared
    if _shared is None:
        _shared = EncoderSimilarity()
    return _shared


__all__ = [
    "MIN_RELEVANCE",
    "EncoderSimilarity",
    "Quote",
    "Similarity",
    "Source",
    "encoder_similarity",
    "question_groups",
    "read",
    "rerank",
]
