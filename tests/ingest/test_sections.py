"""Section detection: numbered clauses, "Section N.", ALL-CAPS and Markdown headings."""

from __future__ import annotations

from ingest.document import Page
from ingest.sections import detect_heading, split_sections


def _titles(text: str, *, declares_headings: bool = False) -> list[str]:
    return [s.title for s in split_sections([Page(1, text)], declares_headings=declares_headings)]


def test_numbered_clauses_with_run_in_titles_split_off_their_body() -> None:
    text = (
        "4. RENT\n4.1 Monthly Rent. Rent is due on the 1st.\n"
        "4.2 Late Charges. A $75.00 fee applies.\n5. PETS\nNo pets."
    )

    sections = split_sections([Page(3, text)])

    assert [s.title for s in sections] == ["4.1 Monthly Rent", "4.2 Late Charges", "5. PETS"]
    assert sections[1].path == ["4. RENT", "4.2 Late Charges"]
    assert sections[1].text == "A $75.00 fee applies."
    assert sections[1].page == 3


def test_section_word_headings() -> None:
    text = (
        "Intro text.\nSection 5. Returned Payments\nA fee applies.\nSECTION 6 - UTILITIES\nTenant pays power."
    )

    assert _titles(text) == ["", "Section 5. Returned Payments", "SECTION 6. UTILITIES"]


def test_all_caps_headings() -> None:
    text = "SECURITY DEPOSIT\nThe deposit is $500.00.\nPARKING AND VEHICLES\nOne space."

    assert _titles(text) == ["SECURITY DEPOSIT", "PARKING AND VEHICLES"]


def test_an_all_caps_clause_wrapped_mid_sentence_is_body_text_not_headings() -> None:
    text = "RENT PAYMENT POLICY\nA.\nALL RENT IS DUE IN ADVANCE BY THE 1 ST\nDAY OF THE\nMONTH.\nB. Payments."

    sections = split_sections([Page(1, text)])
    assert [s.title for s in sections] == ["RENT PAYMENT POLICY"]
    assert "ALL RENT IS DUE IN ADVANCE BY THE 1 ST\nDAY OF THE\nMONTH." in sections[0].text


def test_markdown_headings_are_the_only_headings_when_declared() -> None:
    text = "# Handbook\nWelcome.\n## Quiet Hours\n1. No parties.\nTRASH\n## Parking\nOne space."

    sections = split_sections([Page(1, text)], declares_headings=True)

    assert [s.title for s in sections] == ["Handbook", "Quiet Hours", "Parking"]
    assert sections[1].path == ["Handbook", "Quiet Hours"]
    assert "1. No parties." in sections[1].text and "TRASH" in sections[1].text


def test_wrapped_line_starting_with_a_number_is_not_a_heading() -> None:
    text = "4.2 Late Charges. If rent is not paid within\n5 Days After The Due Date a fee applies."

    assert _titles(text) == ["4.2 Late Charges"]


def test_cross_reference_at_line_start_after_an_unfinished_sentence_is_not_a_heading() -> None:
    text = "5.1 Returned Payment Fee. Late charges apply as described in\n4.2 Late Charges above."

    assert _titles(text) == ["5.1 Returned Payment Fee"]


def test_numbered_list_inside_a_clause_is_not_a_heading() -> None:
    text = (
        "9. PAYMENT PLANS\nTo ask for a plan:\n1. Log in to the portal.\n2. Open Payment Plans.\n"
        "10. DISPUTES\nWrite to us."
    )

    assert _titles(text) == ["9. PAYMENT PLANS", "10. DISPUTES"]


def test_detect_heading_requires_a_title_not_a_sentence() -> None:
    assert detect_heading("3. Residents must keep the premises clean and sanitary at all times.") is None
    assert detect_heading("12.3 Early Termination. Resident may end the Lease early.") is not None
    assert detect_heading("4.2 Late Charges", last_number=(5, 1)) is None  # numbering cannot go back


def test_sections_keep_their_pages_across_a_page_break() -> None:
    pages = [
        Page(1, "8. PETS\n8.1 Pet Approval. No animals without"),
        Page(2, "an addendum.\n9. PARKING\nOne space."),
    ]

    sections = split_sections(pages)

    assert [(s.title, s.page, [line.page for line in s.lines]) for s in sections] == [
        ("8.1 Pet Approval", 1, [1, 2]),
        ("9. PARKING", 2, [2]),
    ]


def test_contents_entries_are_not_headings_and_leave_the_clause_numbers_to_the_body() -> None:
    text = (
        "CONTENTS\n1. PARTIES..........1\n2. DEPOSIT . . . . . . . . 2\n3. PETS----------3\n\n"
        "1. Parties. The owner and the occupant are named below.\n"
        "2. Deposit. The occupant pays a deposit of $400.00.\n3. Pets. One cat is allowed."
    )

    titles = _titles(text)

    assert titles[-3:] == ["1. Parties", "2. Deposit", "3. Pets"]
    assert not any("..." in title or "---" in title for title in titles)


def test_a_signature_line_ends_the_section_without_heading_what_follows() -> None:
    text = (
        "12. Quiet Hours. Quiet hours run from 11 p.m.\n"
        "ACKNOWLEDGED AND AGREED:\nJane Roe Date\n\nOWNER'S AGENT\n"
        "The bins are emptied on Mondays.\nLAUNDRY ROOM\nOpen until 9 p.m."
    )

    sections = split_sections([Page(1, text)])

    assert [s.title for s in sections] == ["12. Quiet Hours", "", "", "LAUNDRY ROOM"]
    assert sections[1].text.startswith("ACKNOWLEDGED AND AGREED:")
    assert sections[2].path == [] and "The bins are emptied on Mondays." in sections[2].text
    assert sections[3].path == ["LAUNDRY ROOM"]
