"""PDF text that came out one word per line, or with a superscript ordinal on its own line, is mended."""

from __future__ import annotations

from ingest.cleaning import clean_pages, mend_lines
from ingest.document import Page


def test_a_paragraph_extracted_word_by_word_is_one_line_again() -> None:
    text = "RENT PAYMENT POLICY\nLEGAL\nACTION\nWILL\nBE\nTAKEN\nAFTER\nTHE\n15\nTH\nOF THE MONTH."
    assert (
        mend_lines(text) == "RENT PAYMENT POLICY\nLEGAL ACTION WILL BE TAKEN AFTER THE 15 TH\nOF THE MONTH."
    )


def test_a_superscript_ordinal_and_a_leading_comma_rejoin_their_line() -> None:
    text = "ALL RENT IS DUE BY THE 1\nST\nDAY OF THE MONTH.\nBEGINNING ON THE 6\nTH\n, A 5% LATE FEE APPLIES."
    assert mend_lines(text) == (
        "ALL RENT IS DUE BY THE 1 ST\nDAY OF THE MONTH.\nBEGINNING ON THE 6 TH, A 5% LATE FEE APPLIES."
    )


def test_short_lines_that_are_not_a_run_are_kept() -> None:
    text = "SECTION 4\nRent\nis due.\nA.\nB."
    assert mend_lines(text) == text


def test_clean_pages_mends_lines() -> None:
    [page] = clean_pages([Page(1, "Should\nthe\npremises\nnot\nbe\nready, we refund.")])
    assert page.text == "Should the premises not be\nready, we refund."
