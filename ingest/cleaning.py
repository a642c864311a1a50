"""Text clean-up between loading and section detection.

Keeps the line structure (section detection reads lines) but removes what a reader skips: running
page headers and footers (and a running prefix such as a building's address before a header that names
the part of the document, which is kept where that part starts), page numbers, words hyphenated across
line breaks, odd whitespace and compatibility characters (ligatures, non-breaking spaces, soft
hyphens). It also mends two things PDF text extraction does to justified and typeset text: a paragraph
that comes out one word per line, and a superscript ordinal or a comma set on a line of its own
("THE 5\nTH\n, ANY PAYMENT").
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter

from ingest.document import Page

#: How many non-empty lines at the top and bottom of a page may be header or footer.
EDGE_LINES = 3
#: A line is running matter when it sits at the same edge of at least this share of the pages...
REPEAT_SHARE = 0.5
#: ... or, in a long document whose parts (lease, rules, riders) each have their own running lines, of
#: this share and at least `LONG_REPEAT_PAGES` pages.
LONG_REPEAT_SHARE = 0.25
LONG_REPEAT_PAGES = 6
#: Words a running prefix has at least ("Acme Apartments"), so a common first word is not one.
PREFIX_MIN_WORDS = 2
PREFIX_MAX_WORDS = 8

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u00ad\u200b\u200c\u200d\ufeff]")
_HYPHENATED = re.compile(r"([A-Za-z])-\n([a-z])")
_BLANK_RUNS = re.compile(r"\n{3,}")
_DIGITS = re.compile(r"\d+")
#: Consecutive one-word lines that are one paragraph extracted word by word.
WORD_RUN = 4
_ORDINAL_SUFFIX = re.compile(r"^(?:st|nd|rd|th)$", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$|^-\s*\d{1,4}\s*-$", re.IGNORECASE)


def normalize_text(text: str) -> str:
    """NFKC, one space between words, no trailing spaces, Unix newlines, at most one blank line."""
    text = unicodedata.normalize("NFKC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _INVISIBLE.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def dehyphenate(text: str) -> str:
    """Join 'pay-\\nment' into 'payment': a letter, a hyphen at line end, a lower-case letter next."""
    return _HYPHENATED.sub(r"\1\2", text)


def _signature(line: str) -> str:
    """Lines that differ only in numbers ('Page 2 of 9', 'Page 3 of 9') are the same running line."""
    return _DIGITS.sub("#", line.casefold())


def _edges(lines: list[str]) -> tuple[list[int], list[int]]:
    content = [i for i, line in enumerate(lines) if line]
    return content[:EDGE_LINES], content[-EDGE_LINES:]


def _pages_needed(pages: int) -> int:
    """On how many pages a line (or a first line's opening words) must recur to be running matter."""
    long_document = max(LONG_REPEAT_PAGES, math.ceil(LONG_REPEAT_SHARE * pages))
    return max(2, min(math.ceil(REPEAT_SHARE * pages), long_document))


def _running_signatures(pages: list[list[str]]) -> set[str]:
    """Signatures found at a page edge on enough pages to be running matter."""
    counts: Counter[str] = Counter()
    for lines in pages:
        top, bottom = _edges(lines)
        counts.update({_signature(lines[i]) for i in top + bottom})
    needed = _pages_needed(len(pages))
    return {sig for sig, count in counts.items() if count >= needed}


def strip_running_lines(pages: list[Page]) -> list[Page]:
    """Remove repeated headers and footers and bare page numbers from the edges of each page."""
    split = [page.text.split("\n") for page in pages]
    running = _running_signatures(split) if len(pages) >= 2 else set()
    cleaned = []
    for page, lines in zip(pages, split, strict=True):
        top, bottom = _edges(lines)
        drop = {i for i in top + bottom if _signature(lines[i]) in running or _PAGE_NUMBER.match(lines[i])}
        kept = [line for i, line in enumerate(lines) if i not in drop]
        cleaned.append(Page(page.number, "\n".join(kept)))
    return cleaned


def _first_line(lines: list[str]) -> int | None:
    return next((i for i, line in enumerate(lines) if line), None)


def _running_prefix(pages: list[list[str]]) -> list[str]:
    """Word prefixes that open the first line of enough pages to be running matter, longest first."""
    counts: Counter[tuple[str, ...]] = Counter()
    for lines in pages:
        if (first := _first_line(lines)) is None:
            continue
        words = tuple(lines[first].split())
        counts.update({words[:k] for k in range(PREFIX_MIN_WORDS, min(len(words), PREFIX_MAX_WORDS) + 1)})
    needed = _pages_needed(len(pages))
    return sorted(
        (" ".join(words) for words, count in counts.items() if count >= needed), key=len, reverse=True
    )


def strip_running_prefixes(pages: list[Page]) -> list[Page]:
    """Cut a running prefix (a building's address, a form name) off each page's first line. What
    follows it names the part of the document the page belongs to ("RULES AND REGULATIONS"): it stays
    where a part starts, so it can be read as that part's heading, and goes where it repeats the page
    before's, where it would cut the clause that runs on across the page break."""
    split = [page.text.split("\n") for page in pages]
    prefixes = _running_prefix(split)
    if not prefixes:
        return pages
    cleaned: list[Page] = []
    previous = ""
    for page, lines in zip(pages, split, strict=True):
        first = _first_line(lines)
        prefix = next((p for p in prefixes if first is not None and _opens_with(lines[first], p)), None)
        if first is None or prefix is None:
            cleaned.append(page)
            previous = ""
            continue
        rest = lines[first][len(prefix) :].strip()
        kept = [*lines[:first], *([rest] if rest and rest != previous else []), *lines[first + 1 :]]
        previous = rest
        cleaned.append(Page(page.number, "\n".join(kept)))
    return cleaned


def _opens_with(line: str, prefix: str) -> bool:
    return line == prefix or line.startswith(prefix + " ")


def mend_lines(text: str) -> str:
    """Rejoin runs of `WORD_RUN` or more one-word lines into one line; put a superscript ordinal ("ST",
    "TH") back after its number and a line that starts with a comma or semicolon back on the line before."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) >= WORD_RUN:
            out.append(" ".join(run))
        else:
            out.extend(run)
        run.clear()

    for line in text.split("\n"):
        if _ORDINAL_SUFFIX.match(line) and (run or (out and out[-1][-1:].isdigit())):
            if run:
                run[-1] = f"{run[-1]} {line}"
            else:
                out[-1] = f"{out[-1]} {line}"
            continue
        if line and " " not in line:
            run.append(line)
            continue
        flush()
        if line.startswith((",", ";")) and out and out[-1]:
            out[-1] = f"{out[-1]}{line}"
        else:
            out.append(line)
    flush()
    return "\n".join(out)


def clean_pages(pages: list[Page]) -> list[Page]:
    """Normalise, strip running headers and footers, then join hyphenated words and mend lines that
    extraction broke, page by page."""
    normalized = [Page(page.number, normalize_text(page.text)) for page in pages]
    stripped = strip_running_prefixes(strip_running_lines(normalized))
    return [Page(page.number, normalize_text(mend_lines(dehyphenate(page.text)))) for page in stripped]
