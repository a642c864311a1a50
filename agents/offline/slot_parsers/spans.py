"""Bookkeeping for parsers that must not read the same characters twice ("pet rent" is not also "rent")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")


class Claimed:
    """Character ranges already taken by an earlier, more specific pattern."""

    def __init__(self) -> None:
        self._ranges: list[tuple[int, int]] = []

    def overlaps(self, start: int, end: int) -> bool:
        """True when [start, end) shares a character with a claimed range."""
        return any(start < taken_end and taken_start < end for taken_start, taken_end in self._ranges)

    def claim(self, start: int, end: int) -> None:
        self._ranges.append((start, end))

    def take(self, pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
        """Matches of `pattern` in `text` that overlap nothing claimed; each is claimed as it is yielded."""
        for match in pattern.finditer(text):
            if not self.overlaps(*match.span()):
                self.claim(*match.span())
                yield match


def first_seen(items: list[tuple[int, T]]) -> list[T]:
    """Values ordered by position in the text, duplicates dropped (the first occurrence wins)."""
    ordered: list[T] = []
    for _, value in sorted(items, key=lambda item: item[0]):
        if value not in ordered:
            ordered.append(value)
    return ordered
