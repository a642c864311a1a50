"""Is a way of paying accepted? The answer to "do u take checks" comes from the lease's accepted methods.

A lease's accepted methods (`get_lease_terms`) are codes: "ach" (bank transfer, eCheck), "card" (credit or
debit), "check" (a personal check), "money_order" (a money order or cashier's check) and "cash". A
resident names them in many ways, and "check" is two of them: a personal check and a cashier's check.
Ways the lease has no code for (Zelle, Venmo, crypto) get neither a yes nor a no: the policy's list is
quoted and a person offered. Pure functions over folded text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from agents.offline.text import fold

Verdict = Literal["yes", "no", "cashiers_only", "unlisted"]


@dataclass(frozen=True)
class AskedMethod:
    """A way of paying named in a question: its kind and the words the resident used for it."""

    kind: str
    """"check" (either kind), "personal_check", "cashiers_check", "money_order", "cash", "card", "ach", or
    "unlisted" (a way the lease has no code for)."""
    words: str


_UNLISTED: Final = (
    r"zelle|venmo|pay\s*pal|cash\s*app|apple\s*pay|google\s*pay|samsung\s*pay|crypto\w*|bitcoin|btc|"
    r"ethereum|eth|usdt|wire\s+transfers?|western\s+union|moneygram|gift\s+cards?|prepaid\s+cards?|"
    r"klarna|afterpay|affirm"
)
#: (kind, pattern), most specific first: a match claims its words so "cashier's check" is not also "check".
_ASKED: Final[tuple[tuple[str, re.Pattern[str]], ...]] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("unlisted", r"\b(?:" + _UNLISTED + r")\b"),
        (
            "cashiers_check",
            r"\bcashier'?s?\s+che(?:ck|que)s?\b|\bcertified\s+(?:checks?|funds)\b|\bbank\s+checks?\b"
            r"|\bcheques?\s+(?:de\s+caja|certificados?|de\s+gerencia)\b",
        ),
        ("personal_check", r"\bpersonal\s+che(?:ck|que)s?\b|\bcheques?\s+personal(?:es)?\b"),
        ("money_order", r"\bmoney\s*orders?\b|\bgiros?\s+postal(?:es)?\b|\bordene?s?\s+de\s+pago\b"),
        (
            "ach",
            r"\bach\b|\be-?checks?\b|\bbank\s+(?:transfers?|drafts?|accounts?)\b|\bchecking\s+accounts?\b"
            r"|\bdirect\s+debit\b|\bauto\s*pay\b|\btransferencias?(?:\s+bancarias?)?\b",
        ),
        (
            "card",
            r"\bcredit\s+cards?\b|\bdebit(?:\s+cards?)?\b|\bcards?\b|\bcc\b|\bvisa\b|\bmaster\s*card\b|\bamex\b"
            r"|\btarjetas?(?:\s+de\s+(?:credito|debito))?\b",
        ),
        (
            "check",
            r"\b(?:che(?:ck|que|k|c)s?|chq|chks?|cheks|cheques?)\b(?!\s+(?:in|out|if|on|my|the|again))",
        ),
        ("cash", r"\bcash\b|\befectivo\b"),
    )
)
_NOT_A_METHOD: Final = re.compile(
    r"\bpay\s*checks?\b|\bcheck\s*(?:in|out)\b|\brain\s*check\b|\b(?:key|access|parking|laundry)\s*cards?\b"
)


def methods_asked(question: str) -> list[AskedMethod]:
    """The ways of paying a question names, in order of mention, each once."""
    text = _NOT_A_METHOD.sub(" ", fold(question))
    found: list[tuple[int, AskedMethod]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _ASKED:
        for match in pattern.finditer(text):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            taken.append(match.span())
            found.append((match.start(), AskedMethod(kind, match.group(0))))
    seen: set[str] = set()
    out: list[AskedMethod] = []
    for _, asked in sorted(found, key=lambda f: f[0]):
        if asked.kind not in seen:
            seen.add(asked.kind)
            out.append(asked)
    return out


_CODE: Final = {
    "personal_check": "check",
    "cashiers_check": "money_order",
    "money_order": "money_order",
    "cash": "cash",
    "card": "card",
    "ach": "ach",
}


def verdict(asked: AskedMethod, accepted: Sequence[str]) -> Verdict:
    """Whether the lease accepts what was asked: "check" alone is yes when personal checks are accepted,
    "cashiers_only" when only a cashier's check is (with money orders); a way with no code is "unlisted"."""
    if asked.kind == "unlisted":
        return "unlisted"
    if asked.kind == "check":
        if "check" in accepted:
            return "yes"
        return "cashiers_only" if "money_order" in accepted else "no"
    return "yes" if _CODE[asked.kind] in accepted else "no"
