"""How many parts a resident wants to split a payment into.

"in two parts", "2 payments", "3 installments", "split it into 3", "en dos pagos", "en 3 partes",
"dividirlo en dos", "half now half later", "la mitad", "twice a month" -> 2. Counts outside 2-24 are
not a split ("in one payment"). The first explicit count wins over a "half".

`find_plan_terms` reads the resident's own terms when they name amounts or days for the payments
("500 now and the rest friday", "half now and half on the 15th", "300 el viernes y lo demas el 15").
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from agents.offline.slot_parsers.amounts import find_amounts
from agents.offline.slot_parsers.dates import find_dates_and_months
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


# -- the resident's own terms: "500 now and the rest friday" ------------------------------------------------

_TERM_BREAK: Final = re.compile(
    r"\s*(?:(?<!\d),|,(?!\d{3}\b)|;|&|\+|\band\s+then\b|\bthen\b|\band\b|\bn\b|\bplus\b|\by\s+luego\b|"
    r"\bluego\b|\by\b|\bdespues\b)\s*"
    r"|\s+(?=(?:the\s+)?(?:rest|remainder|remaining|other\s+half|resto|lo\s+demas|lo\s+que\s+falta)\b)"
)
"""Where one payment of a resident's terms ends: a conjunction or comma (not the comma of "$2,000"), or
the start of "the rest" when they leave the conjunction out ("2000 now rest friday")."""
_NOW: Final = re.compile(r"\b(?:now|right\s+now|rn|today|tonight|ahora|ahorita|hoy)\b")
_SHARE: Final = re.compile(
    r"\b(?:rest|remainder|remaining|the\s+balance|other\s+half|half|resto|lo\s+demas|lo\s+que\s+falta|"
    r"lo\s+restante|la\s+otra\s+mitad|mitad)\b"
)
_LEADING_AMOUNT: Final = re.compile(
    r"^(?:(?:(?:can|could|may)\s+(?:i|we|u)\s+|(?:i|we)\s+(?:can|could|will)\s+|(?:i|we)'?ll\s+)?"
    r"(?:do|give|send|pay|put\s+down)\s+|puedo\s+(?:dar|pagar|mandar)\s+)?\$?\s?"
    r"(?P<whole>\d{2,6})(?:\.(?P<frac>\d{2}))?(?!\s*(?:st|nd|rd|th|days?|dias?|weeks?|semanas?|%|/)\b)\b"
)

Term = tuple[int | None, date | None]


def find_plan_terms(folded: str, *, today: date) -> list[Term]:
    """The payments a resident proposes, in order, as (amount in cents or None, day or None): "can i pay
        500 now and the rest friday" -> [(50000, today), (None, friday)]. None for an amount is a share of
        what the named amounts leave ("the rest", "half"). [] unless at least two payments are named, one
        of them with an amount or a day. Days are read as ahead of `today` and of the payment before (a plan
    is about the future: "300 on the 1st and the rest on the 30th" is the 30th of the next month)."""
    terms: list[Term] = []
    for segment in _TERM_BREAK.split(folded):
        segment = segment.strip(" ?.!")
        if not segment:
            continue
        amounts = find_amounts(segment)
        if not amounts and (lead := _LEADING_AMOUNT.search(segment)):
            amounts = [int(lead["whole"]) * 100 + int(lead["frac"] or 0)]
        after = max([today, *(d for _, d in terms if d is not None)])  # each payment after the one before
        dates, _ = find_dates_and_months("i will pay " + segment, today=after)
        day = today if _NOW.search(segment) else next((d for d in dates if d >= after), None)
        share = bool(_SHARE.search(segment))
        if amounts and not share:
            terms.append((amounts[0], day))
        elif share or (day is not None and terms):
            terms.append((None, day))
    named = any(amount is not None or day is not None for amount, day in terms)
    return terms if len(terms) >= 2 and named else []
