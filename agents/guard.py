"""The first thing every message meets: size limits, scrubbing of card/bank/SSN numbers, injection flags.

Pure functions: the graph's guard node calls `inspect_message` and acts on the verdict.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

MAX_BYTES = 4096
MAX_CHARS_KEPT = 1000
"""Longer (but allowed) messages are truncated to this before any planner sees them."""

_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_SSN = re.compile(r"(?<!\d)\d{3}[- ]\d{2}[- ]\d{4}(?!\d)")
_BANK = re.compile(r"(?i)\b(routing|account|acct|cuenta|ruta|aba)\b[^\d\n]{0,20}((?:\d[ -]?){5,16}\d)")
_INJECTION = re.compile(
    r"(?i)(ignore|disregard|forget|olvida|ignora)\s+(all\s+|any\s+|your\s+|the\s+|previous\s+|prior\s+|las\s+|tus\s+)*"
    r"(instructions|rules|prompt|instrucciones|reglas)|system prompt|developer mode|you are now|jailbreak|"
    r"act as (an? )?(admin|administrator|manager|developer|system)|pretend (to be|you are)|"
    r"reveal (your|the) (prompt|instructions)|<\s*/?\s*system\s*>|\bsudo\b"
)


@dataclass(frozen=True)
class Verdict:
    text: str
    """The message as every later step sees it: scrubbed, normalised, truncated."""
    reject: str | None = None
    """Why the message is not processed at all (empty, too long, not text); None to go on."""
    scrubbed: list[str] = field(default_factory=list)
    """What was removed: card, bank_account, ssn."""
    suspicious: bool = False
    """Looks like an attempt to instruct the assistant; noted for staff, never obeyed."""


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def scrub(text: str) -> tuple[str, list[str]]:
    """Replace card numbers (Luhn-valid), bank account/routing numbers and SSNs with placeholders."""
    found: list[str] = []

    def card(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            found.append("card")
            return "[card number removed]"
        return match.group(0)

    text = _CARD.sub(card, text)

    def bank(match: re.Match[str]) -> str:
        found.append("bank_account")
        return match.group(0).replace(match.group(2), "[bank number removed]")

    text = _BANK.sub(bank, text)
    if _SSN.search(text):
        found.append("ssn")
        text = _SSN.sub("[SSN removed]", text)
    return text, found


def _printable(text: str) -> str:
    if not text.isprintable():  # most messages have no control or format characters: no pass per character
        text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return re.sub(r"[ \t]+", " ", text).strip()


def _mostly_symbols(text: str) -> bool:
    letters = sum(ch.isalnum() for ch in text)
    return len(text) >= 12 and letters / len(text) < 0.2


def inspect_message(raw: str | bytes) -> Verdict:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            return Verdict("", reject="not_text")
    if len(raw.encode("utf-8", errors="replace")) > MAX_BYTES:
        return Verdict("", reject="too_long")
    if "\x00" in raw or (
        not raw.isprintable()
        and sum(unicodedata.category(ch) == "Cc" and ch not in "\n\t\r" for ch in raw) > 3
    ):
        return Verdict("", reject="not_text")
    text = _printable(raw)
    if not text:
        return Verdict("", reject="empty")
    if _mostly_symbols(text):
        return Verdict(text[:200], reject="no_words")
    text, scrubbed = scrub(text)
    return Verdict(_keep_ends(text), scrubbed=scrubbed, suspicious=bool(_INJECTION.search(text)))


def _keep_ends(text: str) -> str:
    """Long messages keep their opening and their end, where the question usually is."""
    if len(text) <= MAX_CHARS_KEPT:
        return text
    head = MAX_CHARS_KEPT // 4
    return f"{text[:head]} … {text[-(MAX_CHARS_KEPT - head - 3) :]}"
