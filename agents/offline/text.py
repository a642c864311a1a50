"""Text normalisation shared by the offline recognisers: one place decides what "the same text" means.

Residents type on phones: mixed case, missing or stray accents ("cuanto"/"cuánto"), stretched letters
("heyyy", "pleeease"), curly quotes. The recognisers compare folded text, so these variants meet.
"""

from __future__ import annotations

import re
import unicodedata

#: Longest message the recognisers read: longer portal messages are cut (the start carries the request).
MAX_CHARS = 2000

_REPEATS = re.compile(r"(\w)\1{2,}")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "´": "'"})


def strip_accents(text: str) -> str:
    """Remove combining marks: "mañana" -> "manana", "dólares" -> "dolares" (case is kept)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str, *, max_chars: int | None = MAX_CHARS) -> str:
    """Lowercase, accent-free, straight quotes, single spaces; cut at `max_chars` (None: never)."""
    text = unicodedata.normalize("NFKC", text[:max_chars]).translate(_QUOTES)
    return _SPACES.sub(" ", strip_accents(text).lower()).strip()


def normalize_for_model(text: str) -> str:
    """`fold` plus stretched letters cut to two ("heyyyy" -> "heyy"), the input of the TF-IDF features."""
    return _REPEATS.sub(r"\1\1", fold(text))


def words(folded: str) -> list[str]:
    """Word tokens of already folded text; an apostrophe stays inside a word ("i'll", "c'est")."""
    return _WORD.findall(folded)
