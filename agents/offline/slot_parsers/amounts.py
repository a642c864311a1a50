"""Dollar amounts in a message, as integer cents.

Read as money: "$75", "$ 1,850.00", "$2k", "75 dollars", "75 bucks", "75$", "75 usd", "50 cents",
"1,850" (thousands separator), "75.50" (two decimals), "setenta y cinco dolares", "two hundred bucks",
and a bare number right after a money verb ("charged 75", "can I pay 800 today", "i can do 500 now",
"pague 500").
Not read as money: bare numbers elsewhere ("unit 12", "the 15th", "2 payments", "3 days"), which
are other slots' business.
"""

from __future__ import annotations

import re
from typing import Final

from agents.offline.slot_parsers.numbers import number_word_spans
from agents.offline.slot_parsers.spans import Claimed, first_seen

_NUMBER: Final = r"(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d{1,2}))?(?!\d)"
_CURRENCY_WORD: Final = r"(?:dollars?|dolares?|dlls?|dls|bucks|usd|pesos? americanos?)"

_DOLLAR_SIGN: Final = re.compile(
    r"\$\s?(?:(?P<thousands>\d{1,3})\.(?P<hundreds>\d{3})(?![\d.])|" + _NUMBER + r")(?P<k>k\b)?"
)
_WITH_CURRENCY_WORD: Final = re.compile(r"(?<![\d.,])" + _NUMBER + r"\s?(?:" + _CURRENCY_WORD + r"\b|\$)")
_CENTS: Final = re.compile(r"(?<![\d.,$])(?P<cents>\d{1,2})\s?(?:cents?|centavos?)\b")
_THOUSANDS: Final = re.compile(r"(?<![\d.,$/])(?P<whole>\d{1,3}(?:,\d{3})+)(?:\.(?P<frac>\d{2}))?(?![\d/])")
_TWO_DECIMALS: Final = re.compile(r"(?<![\d.,$/])(?P<whole>\d+)\.(?P<frac>\d{2})(?![\d.])")
_AFTER_MONEY_VERB: Final = re.compile(
    r"\b(?:charged?|charging|fee of|cost of|costs?|pay|paid|payed|pd|pays|paying|owe|owes|owed|owing|"
    r"send|sent|give|giving|(?:can|could|i'?ll|will)\s+(?:i\s+)?do|"
    r"sending|cobraron|cobran|cobrar|pague|pagar|pago|pagare|debo|debe|mande|abonar|abono|depositar|"
    r"(?:rent|renta|balance|saldo|total|fee|cargo|cobro|charge|amount|cantidad)(?:\s+(?:is|was|es|era|of|de))?)"
    r"\s+(?:you\s+|u\s+|them\s+|like\s+|about\s+|around\s+|only\s+|just\s+|solo\s+|como\s+|unos\s+)?"
    r"(?P<whole>\d{2,6}|\d{1,3}(?=(?:\.\d)?k\b))(?:\.(?P<frac>\d{1,2}))?(?P<k>k\b)?"
    r"(?!\s*(?:st|nd|rd|th|%|/|:|am|pm|a\.m|p\.m|days?|dias?|weeks?|semanas?|months?|meses|years?|hours?|hrs?|"
    r"payments?|pagos?|installments?|parts?|partes|times|veces|of\b|de\b|percent|por ?ciento)\b)"
    r"(?![\d/%:])"
)

#: Larger amounts are not rent conversations (phone numbers, account numbers).
MAX_CENTS: Final = 100_000_000


def find_amounts(folded: str) -> list[int]:
    """Amounts in cents, in order of appearance, each amount once."""
    claimed = Claimed()
    found: list[tuple[int, int]] = []
    for match in claimed.take(_DOLLAR_SIGN, folded):
        if match.group("thousands"):
            cents = (int(match.group("thousands")) * 1000 + int(match.group("hundreds"))) * 100
        else:
            cents = _cents(match.group("whole"), match.group("frac"))
        found.append((match.start(), cents * 1000 if match.group("k") else cents))
    for pattern in (_WITH_CURRENCY_WORD, _THOUSANDS, _TWO_DECIMALS):
        for match in claimed.take(pattern, folded):
            found.append((match.start(), _cents(match.group("whole"), match.group("frac"))))
    for match in claimed.take(_CENTS, folded):
        found.append((match.start(), int(match.group("cents"))))
    found.extend(_worded_amounts(folded, claimed))
    for match in claimed.take(_AFTER_MONEY_VERB, folded):
        cents = _cents(match.group("whole"), match.group("frac"))
        found.append((match.start("whole"), cents * 1000 if match.group("k") else cents))
    return first_seen([(start, cents) for start, cents in found if 0 <= cents <= MAX_CENTS])


def _worded_amounts(folded: str, claimed: Claimed) -> list[tuple[int, int]]:
    """ "setenta y cinco dolares", "two hundred bucks": number words followed by a currency word."""
    found: list[tuple[int, int]] = []
    currency = re.compile(r"\s*" + _CURRENCY_WORD + r"\b")
    for span in number_word_spans(folded):
        after = currency.match(folded, span.end)
        if after and not claimed.overlaps(span.start, after.end()):
            claimed.claim(span.start, after.end())
            found.append((span.start, span.value * 100))
    return found


def _cents(whole: str, fraction: str | None) -> int:
    dollars = int(whole.replace(",", ""))
    return dollars * 100 + (int(fraction.ljust(2, "0")) if fraction else 0)
