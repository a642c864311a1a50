"""Find section headings so every chunk knows which clause it came from and on which page.

Documents that declare headings (Markdown `#` lines; Word heading styles, which the loader renders
as `#` lines) are split on those alone. Other text (PDF, plain text) is split on the headings a
lease or policy uses:

- numbered clauses: "4. RENT", "4.2 Late Charges. If rent is not ...", "12.1 Renewal", and sub-clauses
  without a title ("12.3 Tenant shall pay ...", kept as "12.3");
- "Section 5.", "SECTION 5 - RETURNED PAYMENTS", "Article IV: Utilities";
- ALL-CAPS lines: "SECURITY DEPOSIT".

Table-of-contents entries themselves are not headings, and a signature-block label ("ACKNOWLEDGED,
UNDERSTOOD AND AGREED:", "LESSEE") ends its section without heading the text after it.

A candidate counts only where a heading can start: at the top of a page, after a blank line, after
a line that ends a sentence, or after another heading; a clause number must also move forward
(4.2 after 4.1, 5 after 4.3), so a wrapped line that starts with a number, or a numbered list inside
a clause, is not mistaken for a heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from ingest.document import Page

_MARKDOWN = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
_NUMBERED = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})(?:\.|\))?\s+(?P<rest>[A-Z].*)$")
_SECTION_WORD = re.compile(
    r"^(?P<word>section|article|clause|part)\s+(?P<num>\d{1,2}(?:\.\d{1,2}){0,3}|[IVXLC]{1,6})\b\.?"
    r"(?:\s*[-:\u2013\u2014.]\s*|\s+)?(?P<rest>.*)$",
    re.IGNORECASE,
)
_ALL_CAPS = re.compile(r"^[A-Z][A-Z0-9&/,'()\- ]{2,70}$")
_ENDS_SENTENCE = re.compile(r"[.:;!?][\"')\]]?$")
#: "7. ASSIGNMENT OR SUBLEASE........4": a table-of-contents entry (leader dots or dashes, which extraction
#: sometimes spaces, then a page number). It names a clause but is not where the clause starts, and read
#: as a heading it would use up the clause numbers the body's own headings need.
_CONTENTS_ENTRY = re.compile(r"(?:[.\-_\u2026\u00b7]\s?){4,}\s*\d{1,4}$")
#: Words of a signature block: "ACKNOWLEDGED, UNDERSTOOD AND AGREED:", "LESSEE", "TENANT SIGNATURE",
#: "AGENT FOR OWNER". Such a line closes what came before; it is not what the text after it is about.
_SIGN_OFF_WORDS: Final = frozenset(
    {"acknowledged", "understood", "agreed", "accepted", "approved", "read", "and", "for", "by", "of", "the",
     "signature", "signatures", "signed", "sign", "here", "initial", "initials", "date", "dated", "print",
     "name", "witness", "witnesses", "lessee", "lessees", "lessor", "lessors", "tenant", "tenants",
     "landlord", "landlords", "resident", "residents", "owner", "owners", "agent", "manager", "guarantor",
     "co-signer", "cosigner", "x"}
)  # fmt: skip
_MINOR_WORDS = {
    "a",
    "an",
    "and",
    "as",
    "at",
    "by",
    "for",
    "from",
    "in",
    "of",
    "on",
    "or",
    "the",
    "to",
    "with",
}
_RUNS_ON: Final = frozenset(
    {*_MINOR_WORDS, "be", "is", "are", "will", "shall", "may", "must", "not", "no", "you", "your", "that",
     "which", "than", "per", "all", "any", "each", "st", "nd", "rd", "th"}
)  # fmt: skip
"""Words a heading does not end on: an ALL-CAPS line that ends on one ("ALL RENT IS DUE BY THE 1 ST",
"DAY OF THE") is a clause written in capitals, wrapped mid-sentence, not a heading."""
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
MAX_TITLE_WORDS = 10
#: A clause number may skip ahead this far (an excerpt that leaves clauses out), no further.
MAX_CLAUSE_JUMP = 5


@dataclass(frozen=True, slots=True)
class Line:
    """A line of body text and the page it is on."""

    page: int
    text: str


@dataclass(slots=True)
class Section:
    """A heading and the lines under it, up to the next heading. `path` runs from the top-level
    heading down to this one; the preamble before any heading has title "" and an empty path."""

    title: str
    path: list[str]
    page: int
    lines: list[Line] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass(frozen=True, slots=True)
class Heading:
    title: str
    level: int
    number: tuple[int, ...] | None = None
    rest: str = ""
    """Body text that followed the heading on the same line ("4.2 Late Charges. If rent ...")."""


def _is_title_like(text: str) -> bool:
    """Short, and either ALL CAPS or Title Case (minor words may stay lower-case)."""
    words = text.split()
    if not words or len(words) > MAX_TITLE_WORDS:
        return False
    letters = [w for w in words if any(c.isalpha() for c in w)]
    if not letters:
        return False
    if all(w.upper() == w for w in letters):
        return True
    return all(w[0].isupper() or w.lower() in _MINOR_WORDS or not w[0].isalpha() for w in letters)


def _split_inline(rest: str) -> tuple[str, str] | None:
    """'Late Charges. If rent is ...' -> ('Late Charges', 'If rent is ...'); None if not a title."""
    rest = rest.strip()
    for sep in (". ", ": ", " - ", " \u2013 ", " \u2014 "):
        head, found, tail = rest.partition(sep)
        if found and _is_title_like(head):
            return head.strip(), tail.strip()
    bare = rest.rstrip(".:")
    if _is_title_like(bare) and not rest.endswith((",", ";")):
        return bare, ""
    return None


def _number(text: str) -> tuple[int, ...]:
    if text.isdigit() or "." in text:
        return tuple(int(part) for part in text.split(".") if part)
    total, previous = 0, 0
    for letter in reversed(text.upper()):
        value = _ROMAN[letter]
        total = total - value if value < previous else total + value
        previous = max(previous, value)
    return (total,)


def _moves_forward(number: tuple[int, ...], last: tuple[int, ...] | None) -> bool:
    return last is None or (number > last and number[0] <= last[0] + MAX_CLAUSE_JUMP)


def detect_heading(line: str, *, last_number: tuple[int, ...] | None = None) -> Heading | None:
    """The heading `line` starts with, if any (for text without declared headings)."""
    if _CONTENTS_ENTRY.search(line):
        return None
    if match := _SECTION_WORD.match(line):
        number = _number(match["num"])
        split = _split_inline(match["rest"]) if match["rest"] else ("", "")
        if split is None or not _moves_forward(number, last_number):
            return None
        label = f"{match['word']} {match['num']}"
        title = f"{label}. {split[0]}" if split[0] else label
        return Heading(title, len(number), number, split[1])
    if match := _NUMBERED.match(line):
        number = _number(match["num"])
        split = _split_inline(match["rest"])
        if not _moves_forward(number, last_number):
            return None
        if split is None:
            # "12.3 Tenant shall pay ...": a sub-clause with no title of its own still starts a clause, so
            # its number is kept for citations. A single number ("3. Residents must ...") may be a list item.
            return Heading(match["num"], len(number), number, match["rest"]) if len(number) >= 2 else None
        separator = ". " if len(number) == 1 else " "
        return Heading(f"{match['num']}{separator}{split[0]}", len(number), number, split[1])
    text = line.rstrip(":")
    if (
        _ALL_CAPS.match(text)
        and sum(c.isalpha() for c in text) >= 4
        and _is_title_like(text)
        and text.split()[-1].lower() not in _RUNS_ON
    ):
        return Heading(text, 1)
    return None


def is_sign_off(title: str) -> bool:
    """Whether an unnumbered heading is a signature-block label rather than a topic."""
    words = re.findall(r"[a-z][a-z\-]*", re.sub(r"['\u2019]s\b", "", title.casefold()))
    return bool(words) and all(word in _SIGN_OFF_WORDS for word in words)


def _markdown_heading(line: str) -> Heading | None:
    if match := _MARKDOWN.match(line):
        return Heading(match[2].strip(), len(match[1]))
    return None


def split_sections(pages: list[Page], *, declares_headings: bool = False) -> list[Section]:
    """Cut the pages into sections; sections without body text are kept only in their children's path."""
    sections = [Section(title="", path=[], page=pages[0].number if pages else 1)]
    stack: list[tuple[int, str]] = []
    last_number: tuple[int, ...] | None = None
    for page in pages:
        can_start = True
        for raw in page.text.split("\n"):
            line = raw.strip()
            if not line:
                can_start = True
                continue
            heading = None
            if declares_headings:
                heading = _markdown_heading(line)
            elif can_start:
                heading = detect_heading(line, last_number=last_number)
            if heading is None:
                sections[-1].lines.append(Line(page.number, line))
                can_start = bool(_ENDS_SENTENCE.search(line))
                continue
            if not declares_headings and heading.number is None and is_sign_off(heading.title):
                # The signatures end a part of the document: what follows belongs to no heading yet.
                stack.clear()
                sections.append(Section("", [], page.number, [Line(page.number, line)]))
                can_start = True
                continue
            if heading.number is not None:
                last_number = heading.number
            while stack and stack[-1][0] >= heading.level:
                stack.pop()
            stack.append((heading.level, heading.title))
            sections.append(Section(heading.title, [title for _, title in stack], page.number))
            if heading.rest:
                sections[-1].lines.append(Line(page.number, heading.rest))
                can_start = bool(_ENDS_SENTENCE.search(heading.rest))
            else:
                can_start = True
    return [section for section in sections if section.lines]
