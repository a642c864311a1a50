"""Units a message names, and whether it asks about someone else's account or unit.

`other_person` is a hint for the tools, which enforce scoping whatever it says. It is set when:

- a neighbour, another resident or someone placed elsewhere is mentioned in a sentence about money or
  with their unit ("how much does my neighbor in 4B owe", "is my neighbor behind on rent", "cuanto debe
  mi vecino", "list every resident who owes", "how much does my friend in building C owe"; not "my
  neighbors are nice. how much do I owe?", nor "i got charged a lockout fee and my neighbor wasn't",
  which is about the resident's own charge);
- someone is asked about in the third person: "how much does John Smith owe", "what does he owe",
  "did Maria pay", "cuanto debe Juan";
- a unit is the subject ("what does unit 12 owe", "unit 12's balance", "is apt 3C behind");
- another person's account is named: "John's balance", "my mom's account", "la cuenta de Juan".

It is not set for people who share the resident's lease: roommates, housemates, spouses and partners
("how much does my roommate owe" is about the resident's own ledger, since roommates share the lease),
nor for a relative who may be paying on the resident's behalf ("did my mom pay yet"), nor for a unit
named without a third-person question ("balance for unit 4B": the tools compare `unit_mentions` with
the resident's own unit).
"""

from __future__ import annotations

import re
from typing import Final

from agents.offline.slot_parsers.spans import first_seen

_UNIT_KEYWORD: Final = r"(?i:unit|apt|apartment|apartamento|departamento|depto|dept|apto|suite|ste|unidad)"
_UNIT_AFTER_KEYWORD: Final = re.compile(
    r"\b" + _UNIT_KEYWORD + r"\.?\s*(?i:#|no\.?|num\.?|number|numero)?\s*"
    r"(?P<id>\d{1,5}-?[A-Za-z]?|[A-Za-z]-?\d{1,4}|[A-Z])(?![\w-])"
)
_HASH_UNIT: Final = re.compile(r"(?<![\w&])#\s?(?P<id>\d{1,5}[A-Za-z]?)\b")
#: "4B" anywhere; "4b" only after a preposition or article ("in 4b", "del 4b"). Not k/m/x (amounts).
_BARE_UNIT: Final = re.compile(
    r"\b(?P<id>\d{1,4}[A-HJL-WYZ])\b|(?i:\b(?:in|at|from|of|del|en|de|el|la|the|to)\s+)(?P<lower>\d{1,4}[a-hjl-wyz])\b"
)

_HOUSEHOLD: Final = re.compile(
    r"\b(?:room\s*mates?|roomies?|house\s*mates?|flat\s*mates?|co-?tenants?|husband|wife|spouse|partner|"
    r"fiancee?|boyfriend|girlfriend|esposo|esposa|pareja|novio|novia|"
    r"compan(?:ero|era)s?\s+de\s+(?:cuarto|casa|departamento|apartamento|depa|renta))\b"
)
_THIRD_PARTY: Final = re.compile(
    r"\b(?:neighbou?rs?|vecin[oa]s?|(?:another|other|otro|otra|otros|otras|every|all|each|todos\s+los)\s+"
    r"(?:the\s+)?(?:tenants?|residents?|inquilin[oa]s?|residentes?)|every(?:one|body)\s+who|some(?:one|body)\s+else'?s?|otra\s+persona|"
    r"the\s+(?:guy|lady|man|woman|people|family|tenants?|residents?)\s+(?:in|upstairs|downstairs|next\s+door|"
    r"across)|(?:el|la|los|las)\s+(?:senora|senor|muchacho|muchacha)?\s*(?:del|de\s+al\s+lado|de\s+arriba|"
    r"de\s+abajo))\b"
)
#: Someone placed elsewhere: "my friend in building C", "my cousin who lives in 4B".
_SOMEONE_ELSEWHERE: Final = re.compile(
    r"\b(?:friend|cousin|sister|brother|aunt|uncle|niece|nephew|co-?worker|boss|girl|guy|lady|man|woman|family)\s+"
    r"(?:who\s+lives\s+)?(?:in|from|at|over\s+in)\s+(?:building|bldg|unit|apt|apartment|#|\d)"
)
#: The resident telling of a charge on their own account ("i got charged ... my neighbor wasn't"): a
#: comparison with a neighbour, not a question about the neighbour's account.
_OWN_CHARGE: Final = re.compile(
    r"\b(?:i\s+(?:got|was|am|have\s+been|been|just\s+got)\s+(?:charged|billed)|charged\s+me|billed\s+me|"
    r"on\s+my\s+(?:bill|account|ledger|statement))\b"
)
_MONEY_CONTEXT: Final = re.compile(
    r"\b(?:owes?|owed|owing|pay|paid|pays|paying|balance|account|acct|ledger|rent|behind|late|charges?|fees?|"
    r"evict\w*|debe|deben|debia|paga|pagan|pagando|pago|pagaron|pagado|renta|alquiler|cuenta|saldo|atrasad[oa]s?|"
    r"cargos?)\b"
)
_SENTENCE: Final = re.compile(r"[.!?;\n]+")
_SUBJECT: Final = r"(?P<who>[a-z][a-z'.]*(?:\s+[a-z][a-z'.]*){0,2}?)"
_THIRD_PERSON_QUESTIONS: Final = (
    re.compile(r"\bhow\s+much\s+(?:does|did|do|is|has)\s+" + _SUBJECT + r"\s+(?:owe[sd]?|behind|pay|paid)\b"),
    re.compile(r"\bwhat\s+(?:does|did|do)\s+" + _SUBJECT + r"\s+owe\b"),
    re.compile(r"\bdid\s+" + _SUBJECT + r"\s+pay\b"),
    re.compile(r"\b(?:has|have)\s+" + _SUBJECT + r"\s+paid\b"),
    re.compile(r"\bis\s+" + _SUBJECT + r"\s+(?:behind|late|paid\s+up|current)\b"),
    re.compile(r"\bcuanto\s+(?:deben?|adeuda|le\s+falta(?:\s+pagar)?)\s+" + _SUBJECT + r"(?:\s*[?.!,]|$)"),
    re.compile(r"\b(?:ya\s+)?(?:pago|pagaron)\s+(?P<who>(?:el|la)\s+(?:del|de)\s+\S+)"),
)
#: Words that cannot start (or, before "'s", end) the name of another person: the resident, pronouns,
#: question words, auxiliaries, ledger nouns and months. "is there a late fee", "have to pay",
#: "when's rent due" and "la renta de diciembre" are not about anyone.
_NOT_A_NAME: Final = frozenset(
    """
    i we you u ya yall y'all it they them me us one all everyone anyone someone everything nothing
    to be been being there here too so very still already not really ever now just even also always
    this that these those what which who when where why how whats whens wheres whos hows its thats
    theres heres lets rent payment payments autopay fee fees balance office bank money check card
    month months week year today tomorrow tonight lease unit building company property landlord manager
    management portal app system
    se uno ser pagar de el la los las yo usted ustedes nosotros este esta ese esa eso banco renta mes
    dia semana todo nada algo pago cargo cuenta
    january february march april may june july august september october november december
    enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre
    """.split()
)
_POSSESSIVES: Final = frozenset({"my", "mi", "mis", "our", "nuestro", "nuestra", "your", "su", "tu"})
_ARTICLES: Final = frozenset({"the", "a", "an", "el", "la", "los", "las", "un", "una"})
_POSSESSIVE_ACCOUNT: Final = re.compile(
    r"\b(?P<who>[a-z]+(?:\s+[a-z]+)?)'s\s+(?:balance|account|acct|ledger|rent|unit|apartment|apt|charges?|"
    r"payments?|late\s+fees?|lease)\b"
)
_SPANISH_ACCOUNT_OF: Final = re.compile(
    r"\b(?:la\s+cuenta|el\s+saldo|la\s+renta|el\s+balance|el\s+apartamento|el\s+departamento)\s+de\s+"
    r"(?P<who>[a-z]+)\b(?!\s+(?:banco|credito|la\s+renta))"
)
_UNIT_SUBJECT: Final = re.compile(
    r"\b(?:unit|apt|apartment|apartamento|departamento|depto|apto|#)\s*#?\s*[\w-]{1,6}(?:'s)?\s+"
    r"(?:owes?|owed|balance|account|paid|pays?|is\s+behind|behind|is\s+late|debe|deben|pago)\b"
    r"|\b(?:what|how\s+much)\s+(?:does|did|do|is)\s+(?:unit|apt|apartment|#)\s*#?\s*[\w-]{1,6}\s+(?:owe|behind)\b"
    r"|\bcuanto\s+debe\s+(?:el|la)\s+(?:apartamento|departamento|depto|apto|unidad)?\s*#?\s*[\w-]{1,6}\b"
    # "el 4b debe", "el del 12 debe"; not "el 5 pago" (on the 5th I pay).
    r"|\b(?:el|la|los|las)\s+(?:del?\s+#?\d{1,4}[a-z]?|#?\d{1,4}[a-z])\s+"
    r"(?:debe|deben|pago|pagaron|esta\s+atrasad[oa]|ya\s+pago)\b"
)
_OWN_UNIT_BEFORE: Final = re.compile(
    r"\b(?:my|mi|our|nuestro|i'?m\s+in|i\s+live\s+in|vivo\s+en|soy\s+del)\s+$"
)


def find_units(text: str) -> list[str]:
    """Unit identifiers mentioned, upper-cased without separators ("apt 4b" -> "4B", "#204" -> "204").

    `text` keeps its case (accents may be stripped): "4B" counts on its own, "4b" only after a
    preposition or article, since a lone lowercase "4b" is as often something else.
    """
    found: list[tuple[int, str]] = []
    for pattern in (_UNIT_AFTER_KEYWORD, _HASH_UNIT):
        found.extend((m.start(), _normalise_unit(m["id"])) for m in pattern.finditer(text))
    for match in _BARE_UNIT.finditer(text):
        unit = match["id"] or match["lower"]
        found.append((match.start(), _normalise_unit(unit)))
    return first_seen(found)


def mentions_other_person(folded: str) -> bool:
    """Whether the message asks about someone else's account or unit (see the module docstring)."""
    own_charge = _OWN_CHARGE.search(folded) is not None
    for sentence in _SENTENCE.split(_HOUSEHOLD.sub(" ", folded)):
        third = _THIRD_PARTY.search(sentence) or _SOMEONE_ELSEWHERE.search(sentence)
        if third and not own_charge and (_MONEY_CONTEXT.search(sentence) or find_units(sentence)):
            return True
    for pattern in _THIRD_PERSON_QUESTIONS:
        for match in pattern.finditer(folded):
            if _is_someone_else(match["who"]):
                return True
    for match in _POSSESSIVE_ACCOUNT.finditer(folded):
        who = match["who"]
        if not _HOUSEHOLD.search(who) and who.split()[-1] not in _NOT_A_NAME:
            return True
    for match in _SPANISH_ACCOUNT_OF.finditer(folded):
        if match["who"] not in _NOT_A_NAME and match["who"] not in _POSSESSIVES:
            return True
    return any(not _OWN_UNIT_BEFORE.search(folded, 0, m.start()) for m in _UNIT_SUBJECT.finditer(folded))


def _is_someone_else(who: str) -> bool:
    """Whether the subject of a third-person question is a person other than the resident's household."""
    words = who.strip().split()
    if not words or _HOUSEHOLD.search(who):
        return False
    if _THIRD_PARTY.search(who):
        return True  # "my neighbor", "the guy in 4b"
    if words[0] in _POSSESSIVES:
        return False  # a relative may be paying on the resident's behalf
    if words[0] in _ARTICLES:
        return bool(re.search(r"\b(?:del|de|in|from|at)\b", who))  # "el del 4b", "the one in 4b"
    return words[0] not in _NOT_A_NAME  # a name, "he", "she"


def _normalise_unit(unit: str) -> str:
    return unit.replace("-", "").upper()
