"""Charge kinds and payment methods named in a message, mapped onto fixed vocabularies.

Patterns run most specific first and claim what they match, so "pet rent" is `pet` (not also `rent`),
"pet deposit" is `pet`, "key card" is `key` (not a payment card), "direct deposit" is nobody's
deposit, "Cash App" is not cash and "cashier's check" is a check. A word that is also something
else needs context: "check" is a payment method only as a noun ("by check", "my check cleared", not
"check my balance"); Spanish "llave" is a key only beside a charge or a loss (in Mexico it is also a
faucet); "deposito" is a deposit only as a noun ("el deposito", not "manana deposito", I deposit);
water, power and gas are utilities only as a bill or charge ("water bill", not "water everywhere").
"""

from __future__ import annotations

import re
from typing import Final, Literal

from agents.offline.slot_parsers.spans import Claimed, first_seen

ChargeKind = Literal[
    "rent", "late_fee", "nsf_fee", "parking", "pet", "utility", "cleaning", "damage", "key", "deposit"
]
PaymentMethod = Literal["card", "ach", "check", "money_order", "cash"]

_CHARGE_WORD: Final = r"(?:cargos?|cobros?|multas?|cuotas?)"
_FEE: Final = r"(?:fees?|charges?|chgs?|penalt(?:y|ies))"

#: (kind, pattern), most specific first: earlier patterns claim their text before later ones look.
_CHARGE_PATTERNS: Final[tuple[tuple[ChargeKind, str], ...]] = (
    (
        "nsf_fee",
        r"\bnsf\b|\b(?:bounced?|returned|rejected)\s+(?:check|cheque|payment|item|ach|e-?check)s?\s+"
        + _FEE
        + r"|\breturned\s+item\b|\binsufficient\s+funds?\s+"
        + _FEE
        + r"|\b"
        + _CHARGE_WORD
        + r"\s+(?:por|de)\s+(?:cheques?\s+rebotados?|pagos?\s+devueltos?|fondos\s+insuficientes)",
    ),
    (
        "late_fee",
        r"\blate\s+"
        + _FEE
        + r"|\b"
        + _CHARGE_WORD
        + r"\s+(?:por|de)\s+(?:atraso|retraso|mora|pago\s+tardio|pagar\s+tarde)|\brecargos?\b|\bmultas?\b",
    ),
    (
        "pet",
        r"\bpets?(?:\s+(?:rent|fees?|deposits?|charges?))?\b|\bmascotas?\b|\b(?:dog|cat)\s+(?:rent|fees?|deposits?)\b"
        r"|\b(?:renta|cargo|cuota|deposito)\s+(?:de|por)\s+(?:la\s+)?mascotas?\b",
    ),
    ("parking", r"\bparking\b|\bgarage\b|\bcarport\b|\bestacionamiento\b|\bparque(?:o|adero)\b|\bcochera\b"),
    (
        "utility",
        r"\butilit(?:y|ies)\b|\brubs\b|\butil\s+reimb\w*|\bsewer\b|\btrash\b|\bgarbage\b|\bbasura\b"
        r"|\b(?:water|electric(?:ity)?|power|light|gas)\s+(?:and\s+sewer\s+)?(?:bills?|" + _FEE + r"|usage)\b"
        r"|\b(?:recibos?|cobros?|cargos?|facturas?|pagos?)\s+(?:de|del|por)\s+(?:la\s+|el\s+)?"
        r"(?:agua|luz|gas|basura|servicios|electricidad)\b|\butilidades\b",
    ),
    ("cleaning", r"\bcleaning\b|\blimpieza\b|\bcarpet\s+clean\w*"),
    (
        "damage",
        r"\bdamage[sd]?\b|\bdanos?\b|\breparacion(?:es)?\s+(?:de|por)\b"
        r"|\brepairs?\s+(?:bills?|costs?|" + _FEE + r")\b",
    ),
    (
        "key",
        r"\bkeys?\b|\bkey\s*(?:card|fob)s?\b|\bfobs?\b|\block\s*outs?\b|\block\s+change\b|\bllaves\b"
        r"|\b" + _CHARGE_WORD + r"\s+(?:de|por)\s+(?:la\s+)?(?:llave|cerradura)\b"
        r"|\b(?:perdi|perdio|copia\s+de|duplicado\s+de)\s+(?:la\s+|mi\s+)?llave\b",
    ),
    (
        "deposit",
        # Not "direct deposit", and not the verb ("I'll deposit it friday").
        r"(?<!direct )(?<!to )(?<!will )(?<!\bi )(?<!ll )(?<!gonna )\b(?:security\s+)?deposits?\b"
        r"(?!\s+(?:hits?|comes?|came|went))"
        r"|\b(?:el|mi|del|su|al)\s+deposito\b|\bdeposito\s+de\s+(?:seguridad|garantia)\b",
    ),
    ("rent", r"\brents?\b|\brenta\b|\balquiler\b"),
)

_METHOD_PATTERNS: Final[tuple[tuple[PaymentMethod | None, str], ...]] = (
    # Not methods at all, claimed first so nothing below reads them.
    (None, r"\bcash\s*app\b|\bcashapp\b|\bkey\s*cards?\b|\bpay\s*check\b|\bcheck\s+(?:in|out|engine|on)\b"),
    (
        "money_order",
        r"\bmoney\s*orders?\b|\bgiros?\s+postal(?:es)?\b|\bordene?s?\s+de\s+pago\b|\bmoneygram\b"
        r"|\bwestern\s+union\b",
    ),
    (
        "ach",
        r"\bach\b|\be[- ]?checks?\b|\bbank\s+(?:transfer|account|draft|payment)s?\b|\bchecking\s+account\b"
        r"|\bsavings\s+account\b|\brouting\s+(?:number|#)|\bdirect\s+debit\b"
        r"|\b(?:from|with|through|by|via|using)\s+(?:my\s+|the\s+)?bank\b"
        r"|\bcuenta\s+(?:de(?:l)?\s+banco|bancaria)\b|\btransferencia(?:\s+bancaria)?\b",
    ),
    (
        "check",
        r"\b(?:cashier'?s?|certified|personal|paper|rent|a|my|the|by|with|via|in|this|that|your|mail|mailed|send|sent|"
        r"dropped|e)\s+checks?\b(?!\s+(?:comes?|came|hits?|arrives?|if|my|the|on|out|in)\b)"
        r"|\bchecks?\s+(?:bounced|cleared|clear|was|got|payment|number)\b|\bcheques?\b",
    ),
    (
        "card",
        r"\b(?:credit|debit|visa|mastercard|master\s+card|amex|american\s+express|discover)\s+cards?\b"
        r"|\bcards?\b|\btarjetas?\b|\bdebit\b|\bdebito\b|\bvisa\b|\bmastercard\b|\bamex\b|\bapple\s+pay\b|\bgoogle\s+pay\b",
    ),
    ("cash", r"\bcash\b|\befectivo\b"),
)

_COMPILED_CHARGES: Final = tuple((kind, re.compile(pattern)) for kind, pattern in _CHARGE_PATTERNS)
_COMPILED_METHODS: Final = tuple((method, re.compile(pattern)) for method, pattern in _METHOD_PATTERNS)


def find_charge_kinds(folded: str) -> list[ChargeKind]:
    """Charge kinds named in `folded` text, in order of first mention."""
    claimed = Claimed()
    found: list[tuple[int, ChargeKind]] = []
    for kind, pattern in _COMPILED_CHARGES:
        found.extend((match.start(), kind) for match in claimed.take(pattern, folded))
    return first_seen(found)


def find_payment_methods(folded: str) -> list[PaymentMethod]:
    """Payment methods named in `folded` text, in order of first mention."""
    claimed = Claimed()
    found: list[tuple[int, PaymentMethod]] = []
    for method, pattern in _COMPILED_METHODS:
        for match in claimed.take(pattern, folded):
            if method is not None:
                found.append((match.start(), method))
    return first_seen(found)
