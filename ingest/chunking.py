"""Token-aware chunks that respect sentences and never cross a section boundary.

Each section's text is cut into sentences (list items and table rows count as sentences), and
sentences are packed into chunks of at most `max_tokens` cl100k tokens. Consecutive chunks of a
section share whole trailing sentences of up to `overlap_tokens` tokens, so a fact that straddles a
cut is whole in at least one chunk. Only a single sentence longer than a chunk is cut mid-sentence,
at word boundaries. The sizes default to the constants the retriever was tuned with: a chunk and its
heading line fit in MiniLM's 256 WordPiece tokens, so the dense index sees all of it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

import tiktoken

from app.knowledge.constants import CHUNK_OVERLAP_TOKENS, CHUNK_TOKENS
from app.knowledge.sentences import LIST_ITEM, sentence_spans, split_sentences
from ingest.sections import Line, Section

__all__ = ["Chunk", "Chunker", "sentence_spans", "split_sentences"]


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of one section, ready to embed; `page` is where it starts, `page_end` where it ends."""

    text: str
    section: str
    section_path: tuple[str, ...]
    page: int
    page_end: int
    tokens: int


@dataclass(frozen=True, slots=True)
class _Unit:
    page: int
    page_end: int
    text: str
    new_paragraph: bool
    tokens: int = 0


@dataclass(frozen=True, slots=True)
class _Paragraph:
    text: str
    line_starts: list[int]
    """Offset in `text` where each joined line starts."""
    pages: list[int]
    """Page of each joined line."""

    def page_at(self, offset: int) -> int:
        return self.pages[bisect_right(self.line_starts, offset) - 1]


_NUMBER_WORD_END = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
    r"fifty|sixty|ninety|hundred)$",
    re.IGNORECASE,
)
_FIGURES = re.compile(r"^\(\d{1,3}\)\s")


def _restates(previous: str, line: str) -> bool:
    """Whether `line` opens with the figures of the number word that ends the line before ("up to two" /
    "(2) occasions per semester"): the same sentence wrapped, not a list item "(2)"."""
    return bool(_FIGURES.match(line)) and _NUMBER_WORD_END.search(previous.rstrip()) is not None


def _paragraphs(section: Section) -> list[_Paragraph]:
    """Join wrapped lines into paragraphs; a list item or table row starts a paragraph of its own."""
    groups: list[list[Line]] = []
    for line in section.lines:
        item = bool(LIST_ITEM.match(line.text)) and not (groups and _restates(groups[-1][-1].text, line.text))
        starts_new = not groups or item or " | " in line.text
        if starts_new or " | " in groups[-1][-1].text:
            groups.append([line])
        else:
            groups[-1].append(line)
    paragraphs = []
    for group in groups:
        starts = [0]
        for line in group[:-1]:
            starts.append(starts[-1] + len(line.text) + 1)
        text = " ".join(line.text for line in group)
        paragraphs.append(_Paragraph(text, starts, [line.page for line in group]))
    return paragraphs


def _join(units: list[_Unit]) -> str:
    """Sentences of a paragraph joined by a space, paragraphs by a newline."""
    parts: list[str] = []
    for i, unit in enumerate(units):
        if i:
            parts.append("\n" if unit.new_paragraph else " ")
        parts.append(unit.text)
    return "".join(parts)


def _units(section: Section) -> list[_Unit]:
    units = []
    for paragraph in _paragraphs(section):
        for i, (start, end) in enumerate(sentence_spans(paragraph.text)):
            text = paragraph.text[start:end].strip()
            page, page_end = paragraph.page_at(start), paragraph.page_at(max(start, end - 1))
            units.append(_Unit(page, page_end, text, new_paragraph=i == 0))
    return units


class Chunker:
    """Packs sections into chunks with one tiktoken encoding; reuse it across documents."""

    def __init__(
        self,
        encoding: tiktoken.Encoding,
        *,
        max_tokens: int = CHUNK_TOKENS,
        overlap_tokens: int = CHUNK_OVERLAP_TOKENS,
    ) -> None:
        if not 0 <= overlap_tokens < max_tokens:
            raise ValueError("overlap_tokens must be at least 0 and smaller than max_tokens")
        self.encoding = encoding
        self.max_tokens = max_tokens
        self.overlap_tokens = overlap_tokens

    def count(self, text: str) -> int:
        return len(self.encoding.encode_ordinary(text))

    def _counts(self, texts: list[str]) -> list[int]:
        """Token counts of many short texts, one after another. Not `encode_ordinary_batch`: it starts
        a pool of eight threads per call and submits each text as its own task, which on sentences
        costs three to four times what encoding them in a loop does."""
        return [self.count(text) for text in texts]

    def chunk_sections(self, sections: list[Section]) -> list[Chunk]:
        """Every section's chunks, in document order."""
        units_by_section = [_units(section) for section in sections]
        flat = [unit for units in units_by_section for unit in units]
        counts = self._counts([" " + unit.text for unit in flat])
        sized = iter(
            _Unit(unit.page, unit.page_end, unit.text, unit.new_paragraph, tokens)
            for unit, tokens in zip(flat, counts, strict=True)
        )
        chunks: list[Chunk] = []
        for section, units in zip(sections, units_by_section, strict=True):
            section_units = [next(sized) for _ in units]
            chunks.extend(self._pack(section, self._fit(section_units)))
        return chunks

    def _fit(self, units: list[_Unit]) -> list[_Unit]:
        """Cut any sentence longer than a chunk into word-boundary pieces that fit."""
        fitted: list[_Unit] = []
        for unit in units:
            near = unit.tokens > self.max_tokens - 8  # counted in context: check the text on its own too
            if unit.tokens <= self.max_tokens and not (near and self.count(unit.text) > self.max_tokens):
                fitted.append(unit)
                continue
            words = [piece for word in unit.text.split(" ") for piece in self._split_word(word)]
            sizes = self._counts([" " + w for w in words])
            piece: list[str] = []
            size = 0
            first = unit.new_paragraph
            for word, word_size in zip(words, sizes, strict=True):
                if piece and not self._piece_fits(piece, word, size + word_size):
                    fitted.append(_Unit(unit.page, unit.page_end, " ".join(piece), first, size))
                    piece, size, first = [], 0, False
                piece.append(word)
                size += word_size
            if piece:
                fitted.append(_Unit(unit.page, unit.page_end, " ".join(piece), first, size))
        return fitted

    def _piece_fits(self, piece: list[str], word: str, estimate: int) -> bool:
        """Word counts add up exactly only far from the limit; near it, count the joined text."""
        if estimate <= self.max_tokens - 8:
            return True
        return estimate <= self.max_tokens and self.count(" ".join([*piece, word])) <= self.max_tokens

    def _split_word(self, word: str) -> list[str]:
        """A 'word' longer than a chunk (a pasted URL, a run of symbols) cut by characters."""
        if len(word) <= self.max_tokens:  # a token is at least one character
            return [word]
        pieces: list[str] = []
        start = 0
        while start < len(word):
            end = len(word)
            while self.count(" " + word[start:end]) > self.max_tokens:
                end = start + (end - start) * 3 // 4
            pieces.append(word[start:end])
            start = end
        return pieces

    def _pack(self, section: Section, units: list[_Unit]) -> list[Chunk]:
        chunks: list[Chunk] = []
        current: list[_Unit] = []
        fresh = 0  # units in `current` not already in the previous chunk
        for unit in units:
            if current and not self._fits(current + [unit]):
                chunks.append(self._make(section, current))
                current = self._paragraph_so_far(current, unit) or self._overlap(current, unit)
                fresh = 0
            current.append(unit)
            fresh += 1
        if fresh:
            chunks.append(self._make(section, current))
        return chunks

    def _paragraph_so_far(self, previous: list[_Unit], following: _Unit) -> list[_Unit]:
        """Where a chunk ends inside a paragraph (a numbered rule, a list item), the next chunk starts
        where that paragraph starts, when the paragraph so far still leaves room: a chunk that opens
        mid-rule ("a new day starts at 10:01 A.M.") lacks what the rule is about. Not when the paragraph
        so far fills more than half a chunk: then the usual overlap. Else []."""
        if following.new_paragraph:
            return []
        start = next((j for j in range(len(previous) - 1, -1, -1) if previous[j].new_paragraph), 0)
        if start == 0 or not previous[start].new_paragraph:
            return []
        tail = previous[start:]
        if self._size(tail) > self.max_tokens // 2:  # the repeat would crowd out what is new
            return []
        return tail if self._fits([*tail, following]) else []

    def _overlap(self, previous: list[_Unit], following: _Unit) -> list[_Unit]:
        """Trailing whole sentences of `previous` worth at most `overlap_tokens`, leaving room for more."""
        tail: list[_Unit] = []
        for unit in reversed(previous):
            if self._size([unit, *tail]) > self.overlap_tokens:
                break
            tail.insert(0, unit)
        while tail and not self._fits(tail + [following]):
            tail.pop(0)
        return tail

    def _fits(self, units: list[_Unit]) -> bool:
        """Whether the units make a chunk within `max_tokens`; counted exactly only near the limit,
        where joining sentences can tokenise a little differently from counting them apart."""
        estimate = self._size(units)
        if estimate <= self.max_tokens - 4:
            return True
        return estimate <= self.max_tokens and self.count(_join(units)) <= self.max_tokens

    @staticmethod
    def _size(units: list[_Unit]) -> int:
        return sum(unit.tokens for unit in units) + sum(unit.new_paragraph for unit in units[1:])

    def _make(self, section: Section, units: list[_Unit]) -> Chunk:
        text = _join(units)
        return Chunk(
            text=text,
            section=section.title,
            section_path=tuple(section.path),
            page=units[0].page,
            page_end=units[-1].page_end,
            tokens=self.count(text),
        )
