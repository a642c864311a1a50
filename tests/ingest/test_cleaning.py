"""Cleaning: running headers and footers go, hyphenated words join, whitespace settles."""

from __future__ import annotations

from pathlib import Path

from ingest.cleaning import (
    clean_pages,
    dehyphenate,
    normalize_text,
    strip_running_lines,
    strip_running_prefixes,
)
from ingest.document import Page
from ingest.loaders import load_document
from tests.knowledge.support import make_pdf


def _page(number: int, body: str) -> Page:
    return Page(
        number,
        f"Maple Court Apartments - Residential Lease\n{body}\nForm KR-TX rev. 2025 | Page {number} of 3",
    )


def test_repeated_header_and_numbered_footer_are_removed_from_every_page() -> None:
    pages = [
        _page(1, "1. PARTIES\nThe parties are named."),
        _page(2, "2. TERM\nTwelve months."),
        _page(3, "3. RENT"),
    ]

    cleaned = strip_running_lines(pages)

    assert [page.text for page in cleaned] == [
        "1. PARTIES\nThe parties are named.",
        "2. TERM\nTwelve months.",
        "3. RENT",
    ]


def test_body_lines_that_repeat_in_the_middle_of_pages_stay() -> None:
    pages = [
        Page(
            n,
            f"Clause {n}a.\nClause {n}b.\nClause {n}c.\nRent is due on the 1st.\n"
            f"Clause {n}d.\nClause {n}e.\nEnd {n}.",
        )
        for n in (1, 2, 3)
    ]

    cleaned = strip_running_lines(pages)

    assert all("Rent is due on the 1st." in page.text for page in cleaned)


def test_bare_page_numbers_go_even_on_a_single_page() -> None:
    cleaned = strip_running_lines([Page(1, "- 7 -\nThe text.\nPage 7")])

    assert cleaned[0].text == "The text."


def test_hyphenation_across_line_breaks_is_joined() -> None:
    assert dehyphenate("a returned pay-\nment is charged") == "a returned payment is charged"
    assert dehyphenate("month-to-month\ntenancy") == "month-to-month\ntenancy"
    assert dehyphenate("Section 4-\n2") == "Section 4-\n2"


def test_whitespace_ligatures_and_invisible_characters_are_normalised() -> None:
    text = "Late\u00a0 fee\t\tof  $75.\r\n\r\n\r\n\r\nThe \ufb01rst day, soft\u00adhyphen. "

    assert normalize_text(text) == "Late fee of $75.\n\nThe first day, softhyphen."


def test_clean_pages_on_a_real_pdf_removes_running_matter() -> None:
    data = make_pdf(
        ["4.2 Late Charges. A fee applies.", "5. RETURNED PAYMENTS", "6. UTILITIES"],
        header="Hudson Terrace Lease",
        footer="Form NY-1",
    )
    document = load_document(Path("lease.pdf"), data)

    cleaned = clean_pages(document.pages)

    assert [page.text for page in cleaned] == [
        "4.2 Late Charges. A fee applies.",
        "5. RETURNED PAYMENTS",
        "6. UTILITIES",
    ]


def test_a_running_prefix_goes_and_the_part_title_after_it_stays_only_where_the_part_starts() -> None:
    header = "Birch Hall, 9 Elm Row"
    pages = [
        Page(1, f"{header} TENANCY TERMS\n1. Rent is due monthly."),
        Page(2, f"{header} TENANCY TERMS\nthe deposit is held in trust."),
        Page(3, f"{header} HOUSE RULES\n1. No smoking indoors."),
        Page(4, f"{header}\nRecycling goes out on Fridays."),
        Page(5, "A leaflet about fire safety.\nTest the alarm monthly."),
    ]

    cleaned = strip_running_prefixes(pages)

    assert [page.text.split("\n")[0] for page in cleaned] == [
        "TENANCY TERMS",
        "the deposit is held in trust.",
        "HOUSE RULES",
        "Recycling goes out on Fridays.",
        "A leaflet about fire safety.",
    ]


def test_first_words_shared_by_few_pages_are_not_a_running_prefix() -> None:
    pages = [Page(n, f"The tenant shall rule {n}.\nMore text.") for n in range(1, 3)]
    pages += [Page(n, f"Clause {n} text.\nMore text.") for n in range(3, 9)]

    assert strip_running_prefixes(pages) == pages


def test_in_a_long_document_a_line_on_a_quarter_of_the_pages_is_running_matter() -> None:
    words = "apple birch cedar daisy elder fern grape hazel iris juniper kale lilac mint nettle oak pine"
    bodies = [f"The {word} clause." for word in (words + " " + words.upper()).split()]
    pages = [Page(n, f"Rev. 03/2024\n{bodies[n]}") for n in range(1, 9)]
    pages += [Page(n, f"{bodies[n]}\nRev. 03/2024") for n in range(9, 11)]
    pages += [Page(n, bodies[n]) for n in range(11, 25)]

    cleaned = strip_running_lines(pages)

    assert [page.text for page in cleaned] == bodies[1:25]
