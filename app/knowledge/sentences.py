"""Sentences of a paragraph, as ingest cuts chunks and as answers quote them.

One splitter for both, so a quote is always a sentence ingest kept whole: not fooled by "a.m.",
"No. 4", "U.S.", "Sec. 5" or a clause number such as "4.2", and a list marker ("1.", "(a)") stays
with its item; a clause number that extraction glued to the sentence before it ("charge.7.2.5 If")
starts a sentence of its own, and so does a sentence after a web address left without a full stop.
"""

from __future__ import annotations

import re

_MARKER = r"\(?(?:\d{1,2}|[a-zA-Z]|[ivx]{2,4})[.)]"
"""A list marker: "1.", "2)", "(a)", "b.", "iv." (but not "5th." at the start of a wrapped line)."""
LIST_ITEM = re.compile(rf"^(?:[-*\u2022\u25aa]|{_MARKER})\s")
_SENTENCE_END = re.compile(
    r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[$]?[A-Z0-9])"
    # a clause number glued to the sentence before it by extraction: "... late withdrawal charge.7.2.5 If"
    r"|(?<=[a-z)][.!?])(?=\d{1,2}(?:\.\d{1,2}){1,3}\s+[A-Z])"
)
_AFTER_URL = re.compile(r"(?:https?://|www\.)\S+?[\w/](?P<gap>\s+)(?=[A-Z][a-z])")
"""A web address that ends a sentence without a full stop ("... on the webpage at https://example.edu/
Loss of keys ..."): a full stop would be read as part of the address, so drafters leave it off."""
_LIST_MARKER = re.compile(rf"^{_MARKER}$")
_ABBREVIATION = re.compile(
    r"(?:\b(?:[A-Za-z]\.){1,3}|\b(?:No|Nos|Mr|Mrs|Ms|Dr|St|Ave|Blvd|Rd|Ste|Apt|Inc|Co|Corp|Ltd|Jr|Sr|vs|etc|"
    r"approx|Sec|Secs|Exec|Asst|Assoc|Dept|Depts|Mgr|Mgmt|Assn|Admin|Bldg|Govt|Univ|Ext|Tel|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun)\.)$"
)


def sentence_spans(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of a paragraph; see `split_sentences`."""
    spans: list[tuple[int, int]] = []
    start = 0
    for end, after in _boundaries(paragraph):
        if end < start:
            continue
        candidate = paragraph[start:end].rstrip()
        if _ABBREVIATION.search(candidate.rstrip("\"')]")) or _LIST_MARKER.match(candidate):
            continue
        spans.append((start, end))
        start = after
    spans.append((start, len(paragraph)))
    return [(a, b) for a, b in spans if paragraph[a:b].strip()]


def _boundaries(paragraph: str) -> list[tuple[int, int]]:
    """(end of a sentence, start of the next) at each place a sentence may end, in order."""
    found = [(m.start(), m.end()) for m in _SENTENCE_END.finditer(paragraph)]
    found += [(m.start("gap"), m.end("gap")) for m in _AFTER_URL.finditer(paragraph)]
    return sorted(set(found))


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of a paragraph, not fooled by 'a.m.', 'No. 4', 'U.S.' or '4.2'."""
    return [paragraph[start:end].strip() for start, end in sentence_spans(paragraph)]
