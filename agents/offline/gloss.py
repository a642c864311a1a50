"""A word-by-word English rendering of Spanish messages, for the sentence embedding only.

MiniLM was trained on English: it places "cuanto debo" nowhere near "how much do I owe". Rendering
Spanish word by word through a small glossary ("cuanto debo de renta" -> "how much do i owe of rent")
gives the embedding something it understands, so what the model learned from English examples carries
over to Spanish ones. The rendering is crude on purpose and never shown to anyone; the character and
word n-gram features still read the original Spanish. On the training data's cross-validation this
raised Spanish accuracy by about seven points without costing English any.

The glossary is data (`training/glossary_es_en.tsv`), part of the model's cache key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from agents.offline.text import fold

GLOSSARY_FILE = Path(__file__).parent / "training" / "glossary_es_en.tsv"

_TOKEN = re.compile(r"[a-z0-9$']+|[^\sa-z0-9$']")


@dataclass(frozen=True)
class Glossary:
    """Spanish phrases (indexed by first word, longest first) and single words, with their English."""

    phrases: dict[str, list[tuple[tuple[str, ...], str]]]
    words: dict[str, str]

    @classmethod
    def read(cls, path: Path) -> Glossary:
        """Parse the TSV file: `spanish<TAB>english`, `#` comments and blank lines ignored."""
        phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        words: dict[str, str] = {}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.startswith("#"):
                continue
            spanish, tab, english = line.partition("\t")
            if not tab or not spanish.strip() or not english.strip():
                raise ValueError(f"{path}:{number}: expected 'spanish<TAB>english', got {line!r}")
            key = tuple(_TOKEN.findall(fold(spanish)))
            if len(key) > 1:
                phrases.setdefault(key[0], []).append((key, english.strip()))
            elif key:
                words[key[0]] = english.strip()
        for candidates in phrases.values():
            candidates.sort(key=lambda pair: len(pair[0]), reverse=True)
        return cls(phrases=phrases, words=words)

    def render(self, text: str) -> str:
        """`text` folded and tokenised, each known phrase (longest first) or word replaced by its English."""
        tokens = _TOKEN.findall(fold(text))
        rendered: list[str] = []
        position = 0
        while position < len(tokens):
            token = tokens[position]
            for phrase, english in self.phrases.get(token, ()):
                if tuple(tokens[position : position + len(phrase)]) == phrase:
                    rendered.append(english)
                    position += len(phrase)
                    break
            else:
                rendered.append(self.words.get(token, token))
                position += 1
        return " ".join(rendered)


@lru_cache(maxsize=1)
def default_glossary() -> Glossary:
    """The packaged glossary, read once per process (it is a read-only package file)."""
    return Glossary.read(GLOSSARY_FILE)


def gloss_spanish(text: str) -> str:
    """The English rendering of a Spanish message through the packaged glossary."""
    return default_glossary().render(text)
