"""What a message says about the resident's own money, beyond its intent: a claim to have paid, a word
that contests the ledger, a request for a refund, a question about account credit or the deposit, and
a short "what?" that asks the assistant to say it again.

All on folded text (lowercase, no accents). Like every slot, these name facts; the planner decides what
they mean together with the classifier, and the tools what the ledger shows.
"""

from __future__ import annotations

import re
from typing import Final

_ALREADY: Final = r"(?:al+r?e?a?d+y|alr|aready)"
"""'already' as typed on a phone: "alredy", "allready", "alrdy", "alr"."""
_PAID: Final = r"(?:paid|payed|paied|payd|pay'?d|pd)"
_MATE: Final = r"(?:r[oa]o?m+\s*m*ate|roomie|house\s*m+ate|flat\s*mate)s?"
_PAYER: Final = (
    r"(?:i|we|(?:my\s+)?" + _MATE + r"|my\s+(?:wife|husband|partner|spouse|mom|dad|mother|father|son|"
    r"daughter|brother|sister|bf|gf|boyfriend|girlfriend|fiance|fiancee)|(?:he|she)|they)"
)
_SHARE_OF: Final = r"(?:(?:his|her|my|our|their)\s+(?:part|share|half|portion|cut)|(?:his|her|their)\s+rent)"
#: "I already paid", "i alredy paid", "paid it already", "i paid 700 on the 2nd", "my roommate paid his
#: part", "roomate sent his share", "we both paid", "didnt that go thru", "ya pague",
#: "mi companera ya pago su parte", "ya hice el pago".
#: "what i paid", "how much we paid", "if i paid", "lo que pague" ask about payments, they claim none.
_NOT_A_CLAIM: Final = "".join(f"(?<!{w} )" for w in ("what", "much", "when", "where", "if", "whether", "que"))
_PAID_CLAIM: Final = re.compile(
    _NOT_A_CLAIM
    + r"\b"
    + _PAYER
    + r"(?:\s+(?:"
    + _ALREADY
    + r"|just|def(?:initely)?|did|have|has|had|both|all|also|too))*\s+"
    r"(?:" + _PAID + r"|sent\s+(?:it|the|my|our|his|her|their|in)|made\s+(?:the|my|a|our|his|her)\s+payment|"
    r"mailed\s+the|covered\s+" + _SHARE_OF + r")\b"
    r"|^(?:but\s+|um+\s+|well\s+|yes\s+|yeah\s+)?(?:" + _ALREADY + r"\s+)?" + _PAID + r"\s+"
    r"(?:it\s+|that\s+|rent\s+|the\s+rent\s+|my\s+rent\s+|this\s+month\s+|in\s+full\s+)?" + _ALREADY + r"\b"
    r"|^(?:but\s+|um+\s+|well\s+|yes\s+|yeah\s+)?" + _ALREADY + r"\s+" + _PAID + r"\b"
    r"|\b" + _PAID + r"\s+" + _SHARE_OF + r"\b"
    r"|\bdid(?:\s*n'?t|\s+not)\s+(?:that|it|my\s+payment|the\s+payment|my\s+rent)\s+go\s+(?:thru|through)\b"
    r"|" + _NOT_A_CLAIM + r"\b(?:ya\s+)?(?:pague|pagamos|pagaste)\b|\bya\s+(?:page|pagu|pge)\b"
    r"|\bya\s+(?:hice|hicimos|mande|envie)\s+(?:el|mi|la)\s+(?:pago|renta|cheque)\b"
    r"|\b(?:mi|nuestro|nuestra)\s+(?:companer[oa]|roomie|espos[oa]|pareja|mama|papa)\b[^.?!]{0,20}\bpago\b"
)
#: Words that say the ledger is wrong, not merely behind: these stay disputes for staff.
CONTESTS: Final = re.compile(
    r"\b(?:wrong|mistake|error|incorrect|not\s+right|isn'?t\s+right|doesn'?t\s+add\s+up|shouldn'?t|"
    r"should\s+not|twice|double[ -]?charged|not\s+mine|unfair|fix|dispute|why\s+(?:the|a|is\s+there\s+a)\s+"
    r"(?:late\s+)?(?:fee|charge)|why\s+(?:did\s+i|was\s+i)\s+(?:get\s+)?charged|on\s+time|"
    r"mal|equivocad[oa]|error|incorrect[oa]|no\s+debo|arregl\w*|injust\w*|a\s+tiempo|dos\s+veces)\b"
)
#: A request to have money sent back. Not a question about when a deposit comes back ("when do I get my
#: deposit back"): that is answered from the ledger and the lease.
_REFUND: Final = re.compile(
    r"\b(?:can|could|will|would)\s+(?:you|u|ya|y'?all|someone)\s+(?:please\s+|pls\s+|plz\s+)?refund\b"
    r"|\b(?:please|pls|plz)\s+refund\b|^refund\b"
    r"|\bi\s+(?:want|need|would\s+like|'?d\s+like)\s+(?:a|my|the|to\s+get\s+(?:a|my))\s+(?:\w+\s+)?refund\b"
    r"|\brefund\s+(?:me|it|the|my|that|this)\b"
    r"|\b(?:want|need|like|get|be|have)\s+(?:\w+\s+){0,2}refunded\b"
    r"|\b(?:get|want|need|request|ask\s+for)\s+(?:a|my|the)\s+(?!deposit)(?:\w+\s+)?refund\b(?!\s+(?:policy|polic))"
    r"|\b(?:send|give|pay|put|transfer|return|get|want|need)\s+(?:me\s+)?(?:my|the|that|this|our)\s+"
    r"(?:\$?\d[\d,.]*|money|credit|overpayment|extra)\s+back\b"
    r"|\b(?:money|credit|\$?\d[\d,.]*)\s+back\s+(?:to|on|onto)\s+my\s+(?:card|account|bank|visa|debit)\b"
    r"|\breembols\w*|\b(?:devuelvan|devolverme|me\s+devuelven|me\s+pueden\s+devolver)\b"
)
#: Credit on the resident's account ("why do i have a credit", "saldo a favor"), not a credit card,
#: credit score or credit report.
_ACCOUNT_CREDIT: Final = re.compile(
    r"\bcredits?\b(?!\s+(?:card|score|report|check|union|history|limit))"
    r"|\bsaldo\s+a\s+(?:mi\s+)?favor\b|\bcredito\b(?!\s+(?:de\s+)?(?:tarjeta|puntaje|historial))"
    r"|\b(?:negative|minus)\s+balance\b|\bbalance\s+(?:is\s+|shows\s+|showing\s+|says\s+)?(?:negative|minus)\b"
    r"|\bsaldo\s+(?:esta\s+)?negativo\b"
)
_DEPOSIT: Final = re.compile(
    r"\b(?:security\s+)?d[ei]s?p+o?s+[ie]?t+e?s?\b|\bdeposti\b|\bdeposito\b(?!\s+(?:directo|bancario))"
)
"""The deposit, as typed on a phone too: "depost", "deposite", "depsit"."""
#: A short message that asks what the assistant meant, or says the resident did not follow.
_CONFUSED: Final = re.compile(
    r"^(?:wh?at+|wut|wat+|wha+|huh+|eh+|hm+|umm*|que|como|mande|perdon|wdym|"
    r"wh?at\s+(?:do\s+|did\s+)?(?:you|u|ya)\s+mean|what\s+(?:does|do)\s+(?:that|this|it)\s+mean|"
    r"i\s+(?:don'?t|do\s+not|dont)\s+(?:understand|get\s+it|get\s+that|follow)|dont\s+understand|"
    r"(?:idk|i\s+(?:don'?t|dont)\s+know)\s+what\s+(?:you|u|that|this|it)\s+means?|"
    r"(?:not\s+sure|unsure)\s+what\s+(?:you|u)\s+mean|what\s+are\s+(?:you|u)\s+(?:saying|talking\s+about)|"
    r"i'?m\s+confused|confused|come\s+again|say\s+(?:that|it)\s+again|no\s+entiendo|no\s+entendi|"
    r"que\s+(?:quiere|quieres|quiso|quisiste|quieren)\s+decir|a\s+que\s+(?:se|te)\s+refiere\w*|"
    r"no\s+(?:te|le|lo)\s+entiendo|no\s+comprendo|que\s+significa(?:\s+eso)?|como\s+que|what\s+now|sorry\s+what)"
    r"(?:\s*\?+|\s*!+|\s*\.+)*$|^[?¿!]+$"
)


def claims_paid(folded: str) -> bool:
    """The message says the resident (or someone on their lease, or paying for them) has paid."""
    return bool(_PAID_CLAIM.search(folded))


def contests_ledger(folded: str) -> bool:
    """The message says the ledger is wrong (a dispute for staff), not merely that a payment is missing."""
    return bool(CONTESTS.search(folded))


def asks_refund(folded: str) -> bool:
    """The message asks for money to be sent back (staff decide and send refunds)."""
    return bool(_REFUND.search(folded))


def mentions_account_credit(folded: str) -> bool:
    return bool(_ACCOUNT_CREDIT.search(folded))


def mentions_deposit(folded: str) -> bool:
    return bool(_DEPOSIT.search(folded))


def is_confused(folded: str) -> bool:
    """ "wat", "?", "huh", "what do you mean", "no entiendo": the resident did not follow the last reply."""
    return bool(_CONFUSED.match(folded.strip()))
