"""How high the evidence passage ranks: hit@1, hit@3 and mean reciprocal rank in the documents report."""

from __future__ import annotations

from rich.console import Console

from evals.documents.report import CaseResult, DocumentEvalReport, Figures, hit_at, mean_reciprocal_rank
from evals.documents.runner import evidence_rank


def _result(line: int, rank: int | None, *, evidence: bool = True, landlord: str = "maple") -> CaseResult:
    return CaseResult(
        line=line,
        question="q?",
        landlord=landlord,
        kind="amount",
        expected="$20",
        retrieval_hit=(rank is not None) if evidence else None,
        evidence_rank=rank,
        correct=True,
    )


def test_hits_and_reciprocal_rank_count_only_questions_with_evidence() -> None:
    results = [_result(1, 1), _result(2, 3), _result(3, None), _result(4, None, evidence=False)]

    assert hit_at(results, 1) == round(1 / 3, 4)
    assert hit_at(results, 3) == round(2 / 3, 4)
    assert mean_reciprocal_rank(results) == round((1 + 1 / 3 + 0) / 3, 4)


def test_no_question_with_evidence_scores_zero_not_an_error() -> None:
    results = [_result(1, None, evidence=False)]

    assert hit_at(results, 1) == 0.0
    assert mean_reciprocal_rank(results) == 0.0


def test_report_carries_the_rank_figures_overall_and_by_landlord() -> None:
    results = [_result(1, 1, landlord="maple"), _result(2, 2, landlord="oak")]

    report = DocumentEvalReport.from_results(results, documents=2, chunks=4, seconds=1.0, planner="offline")

    assert (report.hit_at_1, report.hit_at_3, report.mrr) == (0.5, 1.0, 0.75)
    assert report.by_landlord["oak"] == Figures.of([results[1]])
    assert report.by_landlord["oak"].mrr == 0.5
    assert "hit@1 0.500" in report.summary_lines()[0]
    assert {"hit_at_1", "hit_at_3", "mrr"} <= set(report.model_dump())


class _Passage:
    def __init__(self, section: str, text: str) -> None:
        self.section, self.text = section, text


def test_evidence_rank_is_the_first_passage_holding_the_sentence() -> None:
    evidence = "A $20.00 late charge is due after the tenth."
    passages = [
        _Passage("4. Rent", "Rent is due on the first."),
        _Passage("5. Late charges", f"Pay on time. {evidence}"),
        _Passage("Late charges", evidence),
    ]

    assert evidence_rank(evidence, passages) == 2  # type: ignore[arg-type]
    assert evidence_rank("Pets are not allowed.", passages) is None  # type: ignore[arg-type]


def test_a_sentence_taken_for_a_heading_still_counts() -> None:
    passages = [_Passage("Rent is due on the first day of each month.", "It is late after the fifth.")]

    assert evidence_rank("Rent is due on the first day of each month.", passages) == 1  # type: ignore[arg-type]


def test_the_table_fits_an_80_column_terminal_without_cutting_figures() -> None:
    results = [_result(1, 1, landlord="a-very-long-landlord-folder-name"), _result(2, 2, landlord="oak")]
    report = DocumentEvalReport.from_results(results, documents=2, chunks=4, seconds=1.0, planner="offline")
    console = Console(width=80, record=True)

    console.print(report.to_table())

    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "hit@1" in text and "MRR" in text and "0.750" in text and "0.500" in text
