"""The documents eval's checks and its input: how answers are matched, how bad QA lines are refused."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from evals.documents.dataset import DatasetError, QACase, discover_corpus, doc_type_of, guess_kind, load_cases
from evals.documents.scoring import (
    amounts,
    answer_matches,
    conflict_flagged,
    days,
    declines,
    evidence_found,
    expected_number,
    missing_evidence,
    normalize,
    numbers,
)


def _case(answer: str, kind: str | None = None, evidence: str = "", **extra: object) -> QACase:
    return QACase.model_validate(
        {"question": "q?", "answer": answer, "evidence": evidence, "kind": kind, **extra}
    )


def test_money_is_read_in_any_notation() -> None:
    assert amounts("A $20.00 late charge") == {("money", 2000)}
    assert ("money", 2000) in amounts("twenty... I mean 20 dollars")
    assert amounts("£281.27 four weekly") == {("money", 28127)}
    assert amounts("a 5% late fee") == {("percent", 500)}
    assert amounts("$1,945.00 a month") == {("money", 194500)}
    assert amounts("check processing fee in the amount of 25.00 per check") == {("money", 2500)}


@pytest.mark.parametrize(
    ("expected", "reply", "kind", "ok"),
    [
        ("$20", "A $20.00 late charge will be assessed after the tenth.", "amount", True),
        ("$20", "The late charge is $25.", "amount", False),
        (
            "£40",
            "Where quote received exceeds £40 approval of the general meeting will be required.",
            "amount",
            True,
        ),
        ("5%", "ANY PAYMENT RECEIVED WILL BE CHARGED A 5% LATE FEE PER MONTH.", "amount", True),
        ("10th", "Rent is payable by the tenth.", "day", True),
        ("10th", "Rent is due on the 10th (Lease, p. 10).", "day", True),
        ("1st", "See page 1 of your lease.", "day", False),
        ("5th", "ALL RENT IS DUE BY THE 5 TH DAY", "day", True),
        ("3", "A maximum of three extensions can be granted annually.", "count", True),
        ("fifty (50) pounds", "No pet may exceed 50 pounds.", "count", True),
        ("14", "See section 14 of the lease.", "count", False),
        ("30 days", "Give 30 day advance written notice.", "count", True),
        ("no", "No, pets are not allowed.", "yesno", True),
        ("no", "Yes, you can.", "yesno", False),
        ("rent officer", "Pay the designated rent officer.", "procedure", True),
        ("rent officer", "Pay at the office.", "procedure", False),
    ],
)
def test_answers_match_by_kind(expected: str, reply: str, kind: str, ok: bool) -> None:
    assert answer_matches(_case(expected, kind), reply) is ok


def test_a_reply_quoting_the_evidence_answers_a_yes_no_question() -> None:
    evidence = "Residents are not permitted to repair vehicles on CHA property."
    case = _case("no", "yesno", evidence)
    assert answer_matches(case, f"{evidence} (Source: Parking Policy, p. 1)")
    assert not answer_matches(case, "Vehicles must be registered with CHA.")


def test_where_documents_disagree_every_value_must_be_in_the_reply() -> None:
    case = _case("14 | 30", "count", conflict=True)
    assert answer_matches(
        case, "The lease gives fourteen (14) days; the policy gives a thirty (30) day notice."
    )
    assert not answer_matches(case, "The lease gives fourteen (14) days.")


def test_an_unanswerable_question_needs_a_decline_or_a_person() -> None:
    case = _case("", "none")
    assert answer_matches(
        case, "I couldn't find the answer to that in your lease or your property's policies."
    )
    assert answer_matches(case, "anything at all", escalated=True)
    assert not answer_matches(case, "Pets are permitted if you wish. (Source: Handbook, p. 7)")
    assert declines("Your documents don't say how much the room costs.")
    assert not declines("The Pet Deposit is $150.00.")


def test_evidence_is_found_across_case_quotes_and_line_breaks() -> None:
    evidence = "The Landlord shall return the Security Deposit within 14 days."
    assert evidence_found(
        evidence, ["intro", "the landlord  shall return\nthe security deposit within 14 days. Next"]
    )
    assert not evidence_found(evidence, ["The Landlord shall keep the Security Deposit."])


def test_a_long_sentence_cut_by_a_chunk_boundary_still_counts_when_most_of_it_is_there() -> None:
    words = [f"w{i}" for i in range(40)]
    evidence = " ".join(words) + "."
    assert evidence_found(evidence, [" ".join(words[:25])])
    assert not evidence_found(evidence, [" ".join(words[:10])])


def test_numbers_ignore_page_and_section_references() -> None:
    assert numbers("p. 2, page 3, section 4, § 5") == set()
    assert numbers("three (3) times") == {3}
    assert days("the tenth (10th) calendar day") == {10}
    assert expected_number("forty-eight (48) hours") == 48


def test_conflicts_are_read_from_the_turn() -> None:
    assert conflict_flagged(SimpleNamespace(reason="conflicting_documents", tool_calls=[]))
    escalation = {"name": "escalate", "args": {"reason": "conflicting_documents"}}
    assert conflict_flagged(SimpleNamespace(reason=None, tool_calls=[escalation]))
    assert not conflict_flagged(SimpleNamespace(reason="dispute", tool_calls=[]))


def test_kinds_are_guessed_from_the_answer() -> None:
    assert [guess_kind(a) for a in ("", "yes", "10th", "$20", "3", "the rent officer")] == [
        "none",
        "yesno",
        "day",
        "amount",
        "count",
        "procedure",
    ]


def _write_qa(path: Path, *rows: dict[str, object] | str) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"question": "when is rent due?", "evidence": "x"}, 'line 1: no "answer"'),
        ({"answer": "1st"}, 'line 1: no "question"'),
        ("{not json", "line 1: not JSON"),
        ('["a list"]', "line 1: expected an object"),
        ({"question": "q", "answer": "", "kind": "amount"}, 'empty answer needs kind "none"'),
        ({"question": "q", "answer": "$5", "kind": "none"}, 'its answer must be ""'),
        ({"question": "q", "answer": "$5", "kind": "price"}, "line 1: kind"),
        ({"question": "q", "answer": "$5", "landlord": "Bad Name"}, "line 1: landlord"),
    ],
)
def test_a_bad_qa_line_is_one_clear_error(tmp_path: Path, row: dict[str, object] | str, message: str) -> None:
    with pytest.raises(DatasetError, match=message.replace("(", r"\(")) as raised:
        load_cases(_write_qa(tmp_path / "qa.jsonl", row))
    assert "\n" not in str(raised.value)


def test_an_empty_qa_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no questions"):
        load_cases(_write_qa(tmp_path / "qa.jsonl", ""))


def test_the_documents_folder_gives_each_landlord_its_property(tmp_path: Path) -> None:
    (tmp_path / "acme-flats").mkdir()
    (tmp_path / "acme-flats" / "lease.md").write_text("# Lease\n\nRent is due on the 1st.\n")
    (tmp_path / "faq.txt").write_text("Office hours are 9 to 5.\n")
    (tmp_path / "notes.xlsx").write_bytes(b"ignored")
    corpus = discover_corpus(tmp_path)
    assert {(f.relative, f.property_code, f.doc_type) for f in corpus.files} == {
        ("acme-flats/lease.md", "acme-flats", "lease"),
        ("faq.txt", None, "faq"),
    }


@pytest.mark.parametrize("layout", ["empty", "unsupported", "bad-folder-name", "missing"])
def test_a_folder_without_usable_documents_is_refused(tmp_path: Path, layout: str) -> None:
    root = tmp_path / "docs"
    root.mkdir()
    if layout == "unsupported":
        (root / "lease.xlsx").write_bytes(b"x")
    if layout == "bad-folder-name":
        (root / "Acme Flats").mkdir()
        (root / "Acme Flats" / "lease.md").write_text("Rent is due on the 1st.\n")
    with pytest.raises(DatasetError) as raised:
        discover_corpus(root if layout != "missing" else tmp_path / "nowhere")
    assert "\n" not in str(raised.value)


def test_doc_types_come_from_file_names() -> None:
    assert [
        doc_type_of(n) for n in ("Lease.pdf", "housing_contract.md", "handbook.pdf", "rent_policy.pdf")
    ] == [
        "lease",
        "lease",
        "handbook",
        "policy",
    ]


def test_missing_evidence_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "lease.md").write_text(
        "# Lease\n\nA \u201cfee\u201d of $20 applies after the 10th.\n"
    )
    corpus = discover_corpus(tmp_path)
    good = _case("$20", "amount", 'A "fee" of $20 applies after the 10th.', doc="acme/lease.md", line=1)
    bad = _case("$20", "amount", "A fee of $25 applies.", doc="acme/lease.md", line=2)
    assert missing_evidence([good, bad], corpus) == [
        "line 2: evidence not found in acme/lease.md: 'A fee of $25 applies.'"
    ]


def test_a_key_phrase_matches_its_possessive_and_plural() -> None:
    assert answer_matches(_case("Building Manager", "procedure"), "Ask for the Building Manager's approval.")
    assert answer_matches(_case("Building Manager", "procedure"), "With the Building Managers consent only.")
    assert not answer_matches(_case("Building Manager", "procedure"), "Ask the front desk.")


def test_a_word_broken_at_a_line_end_matches_the_extracted_word() -> None:
    # copied from the page with its line-break hyphen; the loader's text joins it
    case = _case("non- smoking floors", kind="procedure")
    assert answer_matches(case, "Residents are placed on nonsmoking floors on request.")
    # a hyphen left hanging before "and" is not a broken word
    assert normalize("first- and second-year students") == "first- and second-year students"
