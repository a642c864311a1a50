"""The retrieval eval on the demo corpus: the thresholds CI holds retrieval to."""

from __future__ import annotations

import pytest

from evals.retrieval import (
    RetrievalCase,
    evaluate_retrieval,
    first_hit,
    load_cases,
    mean_reciprocal_rank,
    percentile,
    recall_at,
)
from tests.knowledge.conftest import DemoCorpus


def test_dataset_is_varied_and_points_at_real_documents_and_sections(demo_corpus: DemoCorpus) -> None:
    cases = load_cases()
    titles = {document.title for document in demo_corpus.documents}

    assert len(cases) >= 90
    assert len({case.question for case in cases}) == len(cases)
    assert {target.title for case in cases for target in case.targets()} == titles
    assert {case.property for case in cases} == {"maple-court", "hudson-terrace", "aspen-ridge", None}
    spanish = [
        case
        for case in cases
        if any(w in case.question for w in ("cuánto", "puedo", "aceptan", "dónde", "mi "))
    ]
    assert len(spanish) >= 8
    passages = demo_corpus.retriever.retrieve("x", property_code=None, k=1000)
    for property_code in ("maple-court", "hudson-terrace", "aspen-ridge"):
        passages += demo_corpus.retriever.retrieve("x", property_code=property_code, k=1000)
    sections = {(p.title, p.section) for p in passages}
    for case in cases:
        for target in case.targets():
            assert (target.title, target.section) in sections, case.question


def test_hybrid_retrieval_meets_the_thresholds_and_beats_dense_only(demo_corpus: DemoCorpus) -> None:
    report = evaluate_retrieval(demo_corpus.retriever, load_cases())

    assert report.recall_at_5 >= 0.95
    assert report.mrr >= 0.85
    assert report.recall_at_5 >= report.dense_recall_at_5
    assert report.mrr > report.dense_mrr
    assert report.recall_at_1 > report.dense_recall_at_1
    assert report.threshold_failures() == []


def test_metric_evaluators() -> None:
    ranks = [1, 3, None, 6]

    assert recall_at(ranks, 1) == 0.25
    assert recall_at(ranks, 5) == 0.5
    assert mean_reciprocal_rank(ranks) == pytest.approx((1 + 1 / 3 + 1 / 6) / 4)
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    assert percentile([float(n) for n in range(1, 101)], 95) == 95.0
    assert recall_at([], 5) == mean_reciprocal_rank([]) == percentile([], 95) == 0.0


def test_a_hit_needs_the_expected_document_and_section(demo_corpus: DemoCorpus) -> None:
    case = RetrievalCase(
        question="late fee",
        property="maple-court",
        expected_title="Maple Court Apartments Residential Lease Agreement",
        expected_section="4.2 late charges.",
    )
    passages = demo_corpus.retriever.retrieve("late fee", property_code="maple-court", k=10)

    rank = first_hit(passages, case)

    assert rank is not None and passages[rank - 1].section == "4.2 Late Charges"
    assert first_hit([p for p in passages if p.section != "4.2 Late Charges"], case) is None
