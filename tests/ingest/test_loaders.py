"""Loaders: each format becomes numbered pages of text, and every unusable file fails with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import limits
from ingest.document import LoadError
from ingest.loaders import SUPPORTED_SUFFIXES, load_document
from tests.ingest.factories import (
    BILLION_LAUGHS,
    make_blank_pdf,
    make_docx_bomb,
    make_docx_with_document_xml,
    make_docx_with_huge_document,
    make_pdf_with_inflating_stream,
    make_zip_of_many_files,
)
from tests.knowledge.support import encrypt_pdf, make_docx, make_image_only_pdf, make_pdf, make_zip


def test_pdf_keeps_page_numbers_and_title() -> None:
    data = make_pdf(["First page about rent.", "Second page about fees.", "Third page."], title="Lease")

    document = load_document(Path("lease.pdf"), data)

    assert document.format == "pdf"
    assert document.title == "Lease"
    assert [page.number for page in document.pages] == [1, 2, 3]
    assert "Second page about fees." in document.pages[1].text


def test_encrypted_pdf_is_refused_with_a_reason() -> None:
    data = encrypt_pdf(make_pdf(["Confidential rent roll."]))

    with pytest.raises(LoadError, match="encrypted"):
        load_document(Path("locked.pdf"), data)


def test_pdf_with_only_an_owner_password_still_opens() -> None:
    data = encrypt_pdf(make_pdf(["Readable by anyone."]), password="")

    document = load_document(Path("owner-only.pdf"), data)

    assert "Readable by anyone." in document.pages[0].text


def test_corrupt_pdf_is_refused_with_a_reason() -> None:
    data = make_pdf(["Some text."])[:300] + b"\x00garbage\x00" * 20

    with pytest.raises(LoadError, match="corrupt|unreadable|no text"):
        load_document(Path("broken.pdf"), data)


def test_file_named_pdf_that_is_not_a_pdf_is_refused() -> None:
    with pytest.raises(LoadError, match="not a PDF"):
        load_document(Path("fake.pdf"), b"hello, I am plain text")


def test_image_only_pdf_asks_for_ocr() -> None:
    with pytest.raises(LoadError, match="no text layer"):
        load_document(Path("scan.pdf"), make_image_only_pdf())


@pytest.mark.parametrize("name", ["empty.pdf", "empty.docx", "empty.md", "empty.txt"])
def test_empty_file_is_refused(name: str) -> None:
    with pytest.raises(LoadError, match="empty file"):
        load_document(Path(name), b"  \n")


def test_unsupported_extension_names_the_supported_ones() -> None:
    with pytest.raises(LoadError, match=r"unsupported file type '\.xlsx'.*\.pdf"):
        load_document(Path("rent-roll.xlsx"), b"PK\x03\x04 anything")
    assert {".pdf", ".docx", ".md", ".txt"} <= SUPPORTED_SUFFIXES


def test_docx_keeps_headings_numbered_paragraphs_tables_and_page_breaks() -> None:
    data = make_docx(
        [
            ("Title", "Payment Policy"),
            ("Normal", "Read this first."),
            ("Heading 1", "Ways to Pay"),
            ("List Number", "Log in to the portal."),
            ("List Number", "Choose Make a Payment."),
            ("List Bullet", "Cards carry a fee."),
            ("table", "Method|Fee\nCard|2.95%"),
            ("page-break", ""),
            ("Heading 2", "Payment Plans"),
            ("Normal", "Ask the office."),
        ]
    )

    document = load_document(Path("policy.docx"), data)

    assert document.format == "docx"
    assert document.declares_headings
    assert document.title == "Payment Policy"
    first, second = document.pages
    assert "# Ways to Pay" in first.text.splitlines()
    assert "1. Log in to the portal." in first.text
    assert "2. Choose Make a Payment." in first.text
    assert "- Cards carry a fee." in first.text
    assert "Card | 2.95%" in first.text
    assert (first.number, second.number) == (1, 2)
    assert "## Payment Plans" in second.text.splitlines()


def test_docx_title_comes_from_document_properties_first() -> None:
    data = make_docx([("Heading 1", "Something Else"), ("Normal", "Body.")], title="House Rules")

    assert load_document(Path("rules.docx"), data).title == "House Rules"


def test_docx_that_is_a_zip_of_something_else_is_refused() -> None:
    data = make_zip({"readme.txt": "not a word document", "photo.jpg": "jpeg bytes"})

    with pytest.raises(LoadError, match="not a Word .docx"):
        load_document(Path("lease.docx"), data)


def test_legacy_doc_file_renamed_docx_is_refused() -> None:
    with pytest.raises(LoadError, match="legacy Word .doc"):
        load_document(Path("lease.docx"), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)


def test_markdown_title_headings_and_inline_markup() -> None:
    text = (
        "# Resident Handbook\n\nSee the **portal** at [our site](https://example.com).\n\n"
        "## Quiet Hours\n\n10 pm."
    )

    document = load_document(Path("handbook.md"), text.encode())

    assert document.format == "markdown"
    assert document.title == "Resident Handbook"
    assert document.declares_headings
    assert "See the portal at our site (https://example.com)." in document.pages[0].text
    assert "## Quiet Hours" in document.pages[0].text


def test_markdown_front_matter_title_wins() -> None:
    text = "---\ntitle: Pet Policy\n---\n# Pets\n\nTwo pets."

    assert load_document(Path("pets.md"), text.encode()).title == "Pet Policy"


def test_text_pages_split_on_form_feeds_and_windows_encoding_is_read() -> None:
    data = "Page one caf\xe9.\fPage two.".encode("cp1252")

    document = load_document(Path("notes.txt"), data)

    assert [page.number for page in document.pages] == [1, 2]
    assert document.pages[0].text == "Page one caf\xe9."
    assert document.title is None


def test_binary_file_named_txt_is_refused() -> None:
    with pytest.raises(LoadError, match="binary"):
        load_document(Path("image.txt"), b"\x89PNG\r\n\x1a\n\x00\x00\x00")


def test_docx_zip_bomb_is_refused_by_its_declared_size() -> None:
    data = make_docx_bomb(inflated_mb=60)  # about 100 kB on disk

    with pytest.raises(
        LoadError, match=r"zip bomb\? the \.docx inflates to 60\.\d MB, over the limit of 50 MB"
    ):
        load_document(Path("lease.docx"), data)


def test_docx_part_that_inflates_a_thousand_times_is_refused() -> None:
    data = make_docx_bomb(inflated_mb=5)  # under the size cap, but 5 MB from 5 kB

    with pytest.raises(LoadError, match=r"zip bomb\? part 'word/media/padding\.bin' inflates [\d,]+ times"):
        load_document(Path("lease.docx"), data)


def test_docx_whose_parts_claim_to_be_small_is_refused_unread() -> None:
    data = make_docx_bomb(inflated_mb=5, declared_bytes=1000)  # the headers lie: 1 kB

    with pytest.raises(LoadError, match=r"not a Word \.docx \(part 'word/media/padding\.bin' cannot be read"):
        load_document(Path("lease.docx"), data)


def test_docx_whose_document_xml_inflates_to_a_gigabyte_is_refused_unread() -> None:
    data = make_docx_with_huge_document(inflated_mb=1024)
    assert len(data) < 1.5 * limits.MB

    with pytest.raises(
        LoadError, match=r"zip bomb\? the \.docx inflates to 1,024\.\d MB, over the limit of 50 MB"
    ):
        load_document(Path("lease.docx"), data)


def test_docx_declaring_nested_xml_entities_is_refused() -> None:
    data = make_docx_with_document_xml(BILLION_LAUGHS)  # 35 kB; 3 GB if its entities were expanded

    with pytest.raises(
        LoadError, match=r"part 'word/document\.xml' declares XML entities, which Word never writes"
    ):
        load_document(Path("lease.docx"), data)


def test_pdf_whose_stream_inflates_past_pypdfs_limit_is_refused_as_a_bomb() -> None:
    data = make_pdf_with_inflating_stream(inflated_mb=80)  # 250 kB on disk; pypdf stops at 75 MB
    readable = make_pdf_with_inflating_stream(inflated_mb=1)

    with pytest.raises(LoadError, match=r"decompression bomb\? a compressed stream of the PDF inflates past"):
        load_document(Path("lease.pdf"), data)
    assert load_document(Path("lease.pdf"), readable).pages[0].text.startswith("Rent is due on the first.")


def test_docx_with_thousands_of_parts_is_refused() -> None:
    with pytest.raises(LoadError, match=r"holds 2,001 files, over the limit of 2,000"):
        load_document(Path("lease.docx"), make_zip_of_many_files(limits.MAX_DOCX_PARTS + 1))


def test_docx_listing_tens_of_thousands_of_parts_is_refused_before_they_are_listed() -> None:
    data = make_zip_of_many_files(40_000)  # a 2.5 MB table of contents; 500,000 would take seconds to parse

    with pytest.raises(
        LoadError, match=r"zip bomb\? the \.docx lists its files in 2\.\d MB, over the limit of 2 MB"
    ):
        load_document(Path("lease.docx"), data)


def test_pdf_with_more_pages_than_the_cap_is_refused() -> None:
    with pytest.raises(LoadError, match=r"too many pages: 2,001, over the limit of 2,000"):
        load_document(Path("binder.pdf"), make_blank_pdf(limits.MAX_PDF_PAGES + 1))


def test_pdf_is_refused_once_its_extracted_text_passes_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_pdf(["Rent is due on the first of the month. " * 3, "More text. " * 20])
    monkeypatch.setattr(limits, "MAX_TEXT_CHARS", 150)  # the mechanism, without megabytes of text

    with pytest.raises(LoadError, match=r"too much text: at least [\d,]+ characters, over the limit of 150"):
        load_document(Path("lease.pdf"), data)


@pytest.mark.parametrize("name", ["notes.txt", "handbook.md"])
def test_text_over_the_size_cap_is_refused(name: str) -> None:
    data = b"Quiet hours are 10 p.m. to 8 a.m.\n" * (limits.MAX_TEXT_FILE_BYTES // 34 + 1)

    with pytest.raises(LoadError, match=r"file too large: 10\.0 MB, over the 10 MB limit"):
        load_document(Path(name), data)
