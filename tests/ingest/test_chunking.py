"""Chunking: within token bounds, overlapping by whole sentences, never across a section boundary."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.knowledge.tokens import get_encoding
from ingest.chunking import Chunker, split_sentences
from ingest.document import Page
from ingest.sections import Line, Section, split_sections


@pytest.fixture(scope="module")
def chunker() -> Chunker:
    return Chunker(get_encoding(), max_tokens=80, overlap_tokens=25)


def _section(title: str, sentences: list[str], page: int = 1) -> Section:
    return Section(title=title, path=[title], page=page, lines=[Line(page, " ".join(sentences))])


SENTENCES = [
    f"Sentence number {n} says the rent of ${n},000.00 is due on day {n % 28 + 1}." for n in range(40)
]


def test_chunks_stay_within_the_token_limit(chunker: Chunker) -> None:
    chunks = chunker.chunk_sections([_section("4. RENT", SENTENCES)])

    assert len(chunks) > 3
    assert all(len(chunker.encoding.encode_ordinary(c.text)) <= 80 for c in chunks)
    assert all(c.tokens == len(chunker.encoding.encode_ordinary(c.text)) for c in chunks)


def test_consecutive_chunks_share_whole_trailing_sentences(chunker: Chunker) -> None:
    chunks = chunker.chunk_sections([_section("4. RENT", SENTENCES)])

    for before, after in zip(chunks, chunks[1:], strict=False):
        shared = split_sentences(before.text)[-1]
        assert after.text.startswith(shared)
        assert chunker.count(shared) <= 25


def test_chunks_end_at_sentence_boundaries(chunker: Chunker) -> None:
    chunks = chunker.chunk_sections([_section("4. RENT", SENTENCES)])

    assert all(c.text.endswith(".") for c in chunks)
    covered = " ".join(c.text for c in chunks)
    assert all(sentence in covered for sentence in SENTENCES)


def test_no_chunk_crosses_a_section_boundary(chunker: Chunker) -> None:
    sections = [
        _section("4.1 Monthly Rent", SENTENCES[:7]),
        _section("4.2 Late Charges", SENTENCES[7:9], page=2),
    ]

    chunks = chunker.chunk_sections(sections)

    late = [c for c in chunks if c.section == "4.2 Late Charges"]
    assert len(late) == 1 and late[0].text == " ".join(SENTENCES[7:9]) and late[0].page == 2
    assert all(SENTENCES[7] not in c.text for c in chunks if c.section == "4.1 Monthly Rent")


def test_chunks_carry_section_path_and_pages() -> None:
    pages = [Page(1, "4. RENT\n4.2 Late Charges. A fee of $75.00 applies after"), Page(2, "the 4th.")]
    chunker = Chunker(get_encoding())

    (chunk,) = chunker.chunk_sections(split_sections(pages))

    assert chunk.section == "4.2 Late Charges"
    assert chunk.section_path == ("4. RENT", "4.2 Late Charges")
    assert (chunk.page, chunk.page_end) == (1, 2)
    assert chunk.text == "A fee of $75.00 applies after the 4th."


def test_a_sentence_longer_than_a_chunk_is_cut_at_word_boundaries(chunker: Chunker) -> None:
    words = [f"word{n}" for n in range(200)]

    chunks = chunker.chunk_sections([_section("X", [" ".join(words) + "."])])

    assert len(chunks) > 1
    assert " ".join(c.text for c in chunks).split() == [*words[:-1], words[-1] + "."]
    assert all(chunker.count(c.text) <= 80 for c in chunks)


def test_sentence_splitting_respects_abbreviations_and_numbers() -> None:
    text = (
        "Office hours are 9 a.m. to 5 p.m. daily. See Sec. 4.2 for fees. Pay at 12 Main St. in Austin. Done!"
    )

    assert split_sentences(text) == [
        "Office hours are 9 a.m. to 5 p.m. daily.",
        "See Sec. 4.2 for fees.",
        "Pay at 12 Main St. in Austin.",
        "Done!",
    ]


def test_a_clause_number_glued_to_the_sentence_before_starts_a_new_sentence() -> None:
    text = (
        "The Student will incur a $1000 late withdrawal charge.7.2.5 If the application is withdrawn late, "
        "fees apply."
    )

    assert split_sentences(text) == [
        "The Student will incur a $1000 late withdrawal charge.",
        "7.2.5 If the application is withdrawn late, fees apply.",
    ]
    assert split_sentences("A fee of $1.50 applies.") == ["A fee of $1.50 applies."]


def test_list_items_and_table_rows_stay_separate_lines() -> None:
    section = Section(
        "Methods",
        ["Methods"],
        1,
        [
            Line(1, "We accept:"),
            Line(1, "- eCheck, free."),
            Line(1, "- Card, 2.95% fee."),
            Line(1, "Card | 2.95%"),
        ],
    )

    (chunk,) = Chunker(get_encoding()).chunk_sections([section])

    assert chunk.text == "We accept:\n- eCheck, free.\n- Card, 2.95% fee.\nCard | 2.95%"


def test_overlap_must_be_smaller_than_the_chunk() -> None:
    with pytest.raises(ValueError, match="overlap"):
        Chunker(get_encoding(), max_tokens=50, overlap_tokens=50)


_word = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S"]), min_size=1, max_size=30
)
_sentence = st.lists(_word, min_size=1, max_size=40).map(lambda words: " ".join(words) + ".")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(_sentence, min_size=1, max_size=12), min_size=1, max_size=4))
def test_any_text_chunks_within_bounds_and_keeps_every_word(
    chunker: Chunker, sections: list[list[str]]
) -> None:
    built = [_section(f"S{i}", sentences) for i, sentences in enumerate(sections)]

    chunks = chunker.chunk_sections(built)

    assert all(chunker.count(c.text) <= 80 for c in chunks)
    for section in built:
        words = section.text.split()
        chunked = " ".join(c.text for c in chunks if c.section == section.title).split()
        assert set(words) <= set(chunked)


def test_a_wrapped_line_starting_with_an_ordinal_continues_its_sentence() -> None:
    section = Section(
        "4.2 Late Charges",
        ["4.2 Late Charges"],
        1,
        [
            Line(1, "A late charge of $75.00 is due beginning on the"),
            Line(2, "5th. For example, rent paid late."),
        ],
    )

    (chunk,) = Chunker(get_encoding()).chunk_sections([section])

    assert chunk.text == "A late charge of $75.00 is due beginning on the 5th. For example, rent paid late."
    assert (chunk.page, chunk.page_end) == (1, 2)


def test_figures_that_restate_a_number_word_continue_the_sentence_not_a_list() -> None:
    section = Section(
        "Lockouts",
        ["Lockouts"],
        1,
        [
            Line(1, "Residents will be provided with lock-out assistance for up to two"),
            Line(1, "(2) occasions per academic semester at no charge. Tenants must:"),
            Line(1, "(1) return keys;"),
            Line(1, "(2) pay fees."),
        ],
    )

    (chunk,) = Chunker(get_encoding()).chunk_sections([section])

    assert chunk.text.split("\n") == [
        "Residents will be provided with lock-out assistance for up to two (2) occasions per academic "
        "semester at no charge. Tenants must:",
        "(1) return keys;",
        "(2) pay fees.",
    ]


def test_a_chunk_that_would_open_mid_rule_opens_where_the_rule_starts(chunker: Chunker) -> None:
    rules = [
        "1. Bicycles are kept in the shed behind the north wing of the building at all times.",
        "2. The gym opens at six in the morning and closes at ten at night on weekdays.",
        "3. Guests sign the visitor book at the front desk. A guest may stay three nights. "
        "After that the host pays a nightly fee. The fee starts again each night at noon.",
    ]
    section = Section("HOUSE RULES", ["HOUSE RULES"], 1, [Line(1, rule) for rule in rules])

    chunks = chunker.chunk_sections([section])

    assert len(chunks) == 2 and chunks[0].text.startswith(rules[0])
    assert chunks[1].text == rules[2]


def test_a_long_paragraph_so_far_is_not_repeated_whole(chunker: Chunker) -> None:
    lines = [Line(1, "a) Pay by cheque."), Line(1, "b) " + " ".join(SENTENCES[:12]))]

    chunks = chunker.chunk_sections([Section("4. RENT", ["4. RENT"], 1, lines)])

    assert chunks[0].text.startswith("a) Pay by cheque.\nb) " + SENTENCES[0])
    assert not any(c.text.startswith("b) ") for c in chunks[1:])
    assert all(chunker.count(c.text) <= 80 for c in chunks)
