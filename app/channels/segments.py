"""SMS segments: how long a text is on the wire, and splitting long replies into texts that each fit one.

A text is GSM-7 when every character is in the GSM 03.38 alphabet (its extension table's characters,
`^ { } [ ] ~ | \\ €` and form feed, take two septets: an escape and the character); otherwise the whole text
goes as UCS-2, counted in UTF-16 code units (an emoji outside the Basic Multilingual Plane takes two).

| encoding | one-segment text | each part of a longer text |
|---|---|---|
| GSM-7 | 160 septets | 153 (7 go to the concatenation header) |
| UCS-2 | 70 units | 67 |

`split_sms` cuts a reply that does not fit one segment into parts of at most the per-part limit, at a
sentence end where one falls in the second half of a part, else at a space, else between characters
(never inside an escape pair, a surrogate pair, or a character and the marks or joiners that belong to
it). Each part is sent as its own text: a reply cut into N parts costs N segments either way, and a
phone or carrier that does not reassemble concatenated messages still shows whole words.

Everything here is pure: no I/O, no settings.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""The GSM 03.38 default alphabet (without the escape character itself, which no text may contain)."""
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")
"""Characters reached through the escape: each costs two septets."""

LIMITS: dict[Encoding, tuple[int, int]] = {"GSM-7": (160, 153), "UCS-2": (70, 67)}
"""(one-segment limit, per-part limit) in septets or UTF-16 code units."""

# Typographic characters that force a whole text into UCS-2 (70 a segment instead of 160) for no visible
# gain: replaced by their plain forms before sending, as Twilio's "smart encoding" does.
_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2010": "-",
        "\u2011": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u200b": "",
        "\u2026": "...",
        "\u2022": "-",
    }
)
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s+|\n+")
_JOINERS = {"\u200d", "\ufe0e", "\ufe0f"}


@dataclass(frozen=True, slots=True)
class Layout:
    """How a text goes out as one message: its encoding, its length in units, and the segments billed."""

    encoding: Encoding
    units: int
    segments: int


def plain_text(text: str) -> str:
    """`text` with curly quotes, dashes, ellipses and odd spaces made plain (what keeps it GSM-7)."""
    return text.translate(_PLAIN)


def encoding_of(text: str) -> Encoding:
    return "GSM-7" if all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text) else "UCS-2"


def char_units(ch: str, encoding: Encoding) -> int:
    """What one character costs: septets in GSM-7, UTF-16 code units in UCS-2."""
    if encoding == "GSM-7":
        return 2 if ch in GSM_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


def units(text: str, encoding: Encoding | None = None) -> int:
    chosen = encoding or encoding_of(text)
    return sum(char_units(ch, chosen) for ch in text)


def layout(text: str) -> Layout:
    """The segments a carrier bills for `text` sent as one (possibly concatenated) message."""
    chosen = encoding_of(text)
    length = units(text, chosen)
    single, part = LIMITS[chosen]
    if length <= single:
        return Layout(chosen, length, 1 if length else 0)
    # A character never straddles two parts: an escape pair or surrogate pair that would is moved whole.
    segments, used = 1, 0
    for ch in text:
        cost = char_units(ch, chosen)
        if used + cost > part:
            segments, used = segments + 1, 0
        used += cost
    return Layout(chosen, length, segments)


def split_sms(text: str, *, max_parts: int | None = None) -> list[str]:
    """`text` as texts of one segment each (see the module docstring). Whitespace at a cut is dropped;
    an empty or blank text gives no parts. With `max_parts`, later parts are dropped and the last kept
    part ends in "..." (if it must be cut to make room, at a space)."""
    text = text.strip()
    if not text:
        return []
    chosen = encoding_of(text)
    single, part_limit = LIMITS[chosen]
    if units(text, chosen) <= single:
        return [text]
    parts: list[str] = []
    rest = text
    while rest:
        if units(rest, chosen) <= part_limit:
            parts.append(rest)
            break
        cut = _cut(rest, chosen, part_limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if max_parts is not None and len(parts) > max_parts:
        parts = parts[:max_parts]
        parts[-1] = _with_ellipsis(parts[-1], chosen, part_limit)
    return parts


def _cut(text: str, encoding: Encoding, limit: int) -> int:
    """Where to end the next part of `text` (longer than `limit`): an index into `text`."""
    fits, used = 0, 0
    for index, ch in enumerate(text):
        used += char_units(ch, encoding)
        if used > limit:
            break
        fits = index + 1
    window = text[: fits + 1]  # one more character: a space just past the limit is a fine place to cut
    sentence = [m.end() for m in _SENTENCE_END.finditer(window) if m.start() < fits]
    if sentence and sentence[-1] >= fits // 2:
        return min(sentence[-1], fits)
    space = max(window.rfind(" "), window.rfind("\n"))
    if space > 0:
        return space
    return _grapheme_boundary(text, fits)


def _grapheme_boundary(text: str, index: int) -> int:
    """`index`, moved back until it does not separate a character from the marks, joiners, skin tones or
    regional-indicator partner that go with it (a flag, a family emoji, an accent written separately)."""
    start = index
    while index > 1 and _binds(text[index - 1], text[index]):
        index -= 1
    if _is_regional(text[index - 1]) and index < len(text) and _is_regional(text[index]):
        run = index
        while run > 0 and _is_regional(text[run - 1]):
            run -= 1
        if (index - run) % 2:
            index -= 1
    return index if index > 0 else start


def _binds(before: str, after: str) -> bool:
    return (
        before == "\u200d"
        or after in _JOINERS
        or unicodedata.category(after) in ("Mn", "Me", "Mc")
        or 0x1F3FB <= ord(after) <= 0x1F3FF
        or 0xE0020 <= ord(after) <= 0xE007F
    )


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _with_ellipsis(part: str, encoding: Encoding, limit: int) -> str:
    while units(part + "...", encoding) > limit:
        space = part.rfind(" ")
        part = part[:space] if space > 0 else part[:-1]
    return part.rstrip() + "..."
