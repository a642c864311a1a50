"""Prompts and answer templates, loaded by name from `prompts/`. One source of truth for every text.

A file holds one prompt, or several named templates under `[name]` headers. Every load records the file's
sha256 so each turn's audit line names exactly which text produced it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
_HEADER = re.compile(r"^\[([a-z0-9_.]+)\]\s*$", re.MULTILINE)


@dataclass(frozen=True)
class PromptFile:
    name: str
    sha256: str
    text: str
    sections: dict[str, str]

    def get(self, key: str) -> str:
        try:
            return self.sections[key]
        except KeyError:
            raise KeyError(f"prompt {self.name!r} has no template [{key}]") from None


@lru_cache(maxsize=64)
def load(name: str) -> PromptFile:
    """`load("answers.en")` reads prompts/answers.en.txt."""
    path = PROMPTS_DIR / f"{name}.txt"
    text = path.read_text(encoding="utf-8")
    parts = _HEADER.split(text)
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    return PromptFile(name, hashlib.sha256(text.encode()).hexdigest(), text, sections)


def render(prompt: str, key: str, /, **values: object) -> str:
    return load(prompt).get(key).format(**values)
