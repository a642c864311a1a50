"""Clause numbers survive into chunk metadata, so an answer can cite "12.3" and the page it is on."""

from __future__ import annotations

from ingest.document import Page
from ingest.sections import detect_heading, split_sections


def test_an_untitled_sub_clause_keeps_its_number() -> None:
    pages = [
        Page(4, "12. DEFAULT\n12.1 Notices. Notices are in writing.\n"),
        Page(5, "12.3 Tenant shall pay a late charge of $20.00 after the 10th.\n13. PETS\nNo pets."),
    ]

    sections = split_sections(pages)

    clause = next(s for s in sections if "late charge" in s.text)
    assert clause.title == "12.3" and clause.page == 5
    assert clause.path == ["12. DEFAULT", "12.3"]
    assert clause.text == "Tenant shall pay a late charge of $20.00 after the 10th."


def test_a_single_number_before_a_sentence_is_still_not_a_heading() -> None:
    assert detect_heading("3. Residents must keep the premises clean and sanitary at all times.") is None
    heading = detect_heading("7.2 Rent is due on the first day of each month.")
    assert heading is not None and heading.title == "7.2" and heading.rest.startswith("Rent is due")
