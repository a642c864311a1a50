"""Hybrid retrieval: scoped to one property plus portfolio-wide documents, fresh after every ingest."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import Settings
from app.knowledge import retrieval
from app.knowledge.retrieval import EMPTY_RECHECK_SECONDS, Retriever, heads_first, reciprocal_rank_fusion
from app.knowledge.store import make_client
from ingest.pipeline import ingest_paths
from tests.knowledge.conftest import DemoCorpus
from tests.knowledge.support import write

PROPERTIES = ["maple-court", "hudson-terrace", "aspen-ridge"]
QUESTIONS = [
    "how much is the late fee",
    "what is the returned payment fee",
    "can i have a dog",
    "how much is parking",
    "when is rent due",
    "lease termination fee",
]


@pytest.mark.parametrize("property_code", PROPERTIES)
def test_a_property_sees_only_its_own_documents_and_portfolio_wide_ones(
    demo_corpus: DemoCorpus, property_code: str
) -> None:
    for question in QUESTIONS:
        for mode in ("hybrid", "dense", "lexical"):
            passages = demo_corpus.retriever.retrieve(question, property_code=property_code, k=200, mode=mode)

            assert passages or mode == "lexical"  # BM25 finds nothing when no word matches
            assert {p.property for p in passages} <= {property_code, None}
            others = [name for name in PROPERTIES if name != property_code]
            assert not any(p.source.split("/")[-2] in others for p in passages)


def test_without_a_property_only_portfolio_wide_documents_are_searched(demo_corpus: DemoCorpus) -> None:
    passages = demo_corpus.retriever.retrieve("how much is the late fee at maple court", k=200)

    assert passages and {p.property for p in passages} == {None}
    assert {p.doc_type for p in passages} == {"faq"}


def test_an_unknown_property_gets_portfolio_wide_documents_only(demo_corpus: DemoCorpus) -> None:
    passages = demo_corpus.retriever.retrieve("late fee", property_code="no-such-place", k=50)

    assert passages and {p.property for p in passages} == {None}


def test_the_residents_own_lease_answers_before_the_general_faq(demo_corpus: DemoCorpus) -> None:
    best = demo_corpus.retriever.retrieve("how much is the late fee", property_code="maple-court", k=1)[0]

    assert best.title == "Maple Court Apartments Residential Lease Agreement"
    assert best.section == "4.2 Late Charges"
    assert "$75.00" in best.text
    assert best.page == 1 and best.doc_type == "lease" and best.source.endswith("maple-court/lease.pdf")


def test_spanish_questions_find_the_policy(demo_corpus: DemoCorpus) -> None:
    passages = demo_corpus.retriever.retrieve(
        "aceptan tarjeta de crédito?", property_code="hudson-terrace", k=3
    )

    assert ("Hudson Terrace Rent Payment Policy", "1. Accepted Payment Methods") in {
        (p.title, p.section) for p in passages
    }


def test_scores_are_ordered_and_k_is_respected(demo_corpus: DemoCorpus) -> None:
    passages = demo_corpus.retriever.retrieve("pet rent", property_code="aspen-ridge", k=4)

    assert len(passages) == 4
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    assert demo_corpus.retriever.retrieve("   ", property_code="aspen-ridge") == []


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 1, 4]], k=60)

    assert [item for item, _ in fused] == [1, 3, 2, 4]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)


def test_each_rankings_head_is_re_ranked_before_passages_middling_in_both() -> None:
    # 9 is first lexically and missing from the dense ranking: RRF puts it below 2 and 3, which both
    # rankings hold lower down; the reader still sees it among the first candidates.
    fused = reciprocal_rank_fusion([[1, 2, 3], [9, 3, 2, 1]], k=60)
    assert [item for item, _ in fused].index(9) > 1

    ordered = heads_first(fused, [[1], [9]])

    assert [item for item, _ in ordered] == [1, 9, 2, 3]
    assert sorted(ordered) == sorted(fused)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_empty_index_returns_nothing_until_something_is_ingested(
    tmp_path: Path, settings: Settings
) -> None:
    clock = FakeClock()
    retriever = Retriever(client=make_client(settings=settings), recheck_seconds=3600, clock=clock)
    assert retriever.retrieve("late fee", property_code="maple-court") == []

    write(tmp_path / "faq.md", "# FAQ\n\n## Late Fees\n\nA late fee applies after the grace period.\n")
    ingest_paths([tmp_path / "faq.md"], doc_type="faq", property_code=None, settings=settings)
    clock.now += EMPTY_RECHECK_SECONDS

    assert EMPTY_RECHECK_SECONDS <= 1.0
    assert [p.section for p in retriever.retrieve("late fee", property_code="maple-court")] == ["Late Fees"]


def test_an_empty_index_is_not_rechecked_on_every_query(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    retriever = Retriever(client=make_client(settings=settings), recheck_seconds=3600, clock=clock)
    checks: list[float] = []

    def counting_version(_client: object) -> str:
        checks.append(clock.now)
        return ""

    monkeypatch.setattr(retrieval, "corpus_version", counting_version)
    for _ in range(40):  # 40 queries over 5 seconds: one check a second, not one per query
        assert retriever.retrieve("late fee", property_code="maple-court") == []
        clock.now += EMPTY_RECHECK_SECONDS / 8

    assert checks == [1000.0 + second * EMPTY_RECHECK_SECONDS for second in range(5)]


def test_a_running_retriever_sees_documents_ingested_after_it_started(
    tmp_path: Path, settings: Settings
) -> None:
    retriever = Retriever.from_settings(settings=settings, recheck_seconds=0)
    write(tmp_path / "docs" / "pool.md", "# Pool\n\n## Pool Hours\n\nThe pool opens at 8 a.m.\n")
    ingest_paths([tmp_path / "docs"], doc_type="handbook", property_code="maple-court", settings=settings)
    assert [p.section for p in retriever.retrieve("pool", property_code="maple-court", k=5)] == ["Pool Hours"]

    write(tmp_path / "docs" / "gym.md", "# Gym\n\n## Gym Hours\n\nThe gym is open around the clock.\n")
    ingest_paths([tmp_path / "docs"], doc_type="handbook", property_code="maple-court", settings=settings)

    assert retriever.retrieve("gym hours", property_code="maple-court", k=1)[0].section == "Gym Hours"


def test_the_corpus_is_rechecked_at_most_once_per_interval(tmp_path: Path, settings: Settings) -> None:
    retriever = Retriever.from_settings(settings=settings, recheck_seconds=3600)
    write(tmp_path / "docs" / "pool.md", "# Pool\n\n## Pool Hours\n\nThe pool opens at 8 a.m.\n")
    ingest_paths([tmp_path / "docs"], doc_type="handbook", property_code="maple-court", settings=settings)
    assert retriever.retrieve("pool", property_code="maple-court")
    write(tmp_path / "docs" / "gym.md", "# Gym\n\n## Gym Hours\n\nThe gym is open around the clock.\n")
    ingest_paths([tmp_path / "docs"], doc_type="handbook", property_code="maple-court", settings=settings)

    assert "Gym Hours" not in {p.section for p in retriever.retrieve("gym", property_code="maple-court")}
    retriever.refresh()
    assert retriever.retrieve("gym hours", property_code="maple-court", k=1)[0].section == "Gym Hours"


def test_an_unknown_mode_is_refused(demo_corpus: DemoCorpus) -> None:
    with pytest.raises(ValueError, match="mode"):
        demo_corpus.retriever.retrieve("late fee", mode="sparse")  # type: ignore[arg-type]
