"""Retrieval eval: resident questions against the demo documents, hybrid versus dense-only.

Builds the demo corpus (documents from `demo_terms()`, ingested into a temporary data directory),
asks every question in `datasets/retrieval.jsonl` in both modes, and scores the rankings:

- a hit is a passage from the expected document whose section is the expected section (or one of the
  case's `also_accept` pairs, for facts a property states in two places, e.g. lease and policy);
- recall@1 and recall@5: share of questions with a hit in the top 1 / top 5;
- MRR: mean of 1/rank of the first hit within the top 10 (0 when none);
- latency: wall time of `Retriever.retrieve` per question (query embedding included), p50 and p95.

`python -m evals.retrieval` prints the table and writes `evals/reports/retrieval.json`.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field
from rich.console import Console
from rich.table import Table

from app.config import Settings
from app.demo.corpus import ingest_demo_documents
from app.demo.documents import DemoDocument, demo_terms, write_demo_documents
from app.knowledge.retrieval import Passage, RetrievalMode, Retriever

DATASET = Path(__file__).parent / "datasets" / "retrieval.jsonl"
REPORT = Path(__file__).parent / "reports" / "retrieval.json"
RANK_DEPTH = 10
THRESHOLDS = {"recall_at_5": 0.95, "mrr": 0.85}


class Target(BaseModel):
    title: str
    section: str


class RetrievalCase(BaseModel):
    """One line of the dataset."""

    question: str
    property: str | None
    expected_title: str
    expected_section: str
    also_accept: list[Target] = Field(default_factory=list)

    def targets(self) -> list[Target]:
        return [Target(title=self.expected_title, section=self.expected_section), *self.also_accept]


class CaseOutcome(BaseModel):
    question: str
    property: str | None
    rank: int | None = Field(description="1-based rank of the first hit within the top 10, or None.")
    top: str = Field(description="Title and section of the first passage returned.")
    ms: float


class ModeScores(BaseModel):
    recall_at_1: float
    recall_at_5: float
    mrr: float
    p50_ms: float
    p95_ms: float


class RetrievalEvalReport(BaseModel):
    """Hybrid figures at the top level (the CI interface), dense-only beside them with a dense_ prefix."""

    cases: int
    recall_at_1: float
    recall_at_5: float
    mrr: float
    p50_ms: float
    p95_ms: float
    dense_recall_at_1: float
    dense_recall_at_5: float
    dense_mrr: float
    dense_p50_ms: float
    dense_p95_ms: float
    misses: list[CaseOutcome] = Field(description="Hybrid questions with no hit in the top 5.")

    def threshold_failures(self) -> list[str]:
        """Human-readable reasons the run falls short; empty when it passes."""
        failures = [
            f"{name} {getattr(self, name):.3f} < {limit}"
            for name, limit in THRESHOLDS.items()
            if getattr(self, name) < limit
        ]
        if self.recall_at_5 < self.dense_recall_at_5:
            failures.append(f"hybrid recall@5 {self.recall_at_5:.3f} < dense {self.dense_recall_at_5:.3f}")
        if not (self.mrr > self.dense_mrr or self.recall_at_1 > self.dense_recall_at_1):
            failures.append("hybrid beats dense-only on neither MRR nor recall@1")
        return failures

    def to_table(self) -> Table:
        table = Table(title=f"Retrieval eval ({self.cases} questions)")
        for column in ("mode", "recall@1", "recall@5", "MRR", "p50 ms", "p95 ms"):
            table.add_column(column, justify="right" if column != "mode" else "left")
        table.add_row("hybrid", *_fmt(self.recall_at_1, self.recall_at_5, self.mrr, self.p50_ms, self.p95_ms))
        table.add_row(
            "dense-only",
            *_fmt(
                self.dense_recall_at_1,
                self.dense_recall_at_5,
                self.dense_mrr,
                self.dense_p50_ms,
                self.dense_p95_ms,
            ),
        )
        return table


def _fmt(*values: float) -> list[str]:
    return [f"{value:.3f}" if value <= 1 else f"{value:.1f}" for value in values]


# --- one evaluator per metric ---------------------------------------------------------------------


def recall_at(ranks: Sequence[int | None], k: int) -> float:
    """Share of questions whose first hit is within the top `k`."""
    return sum(rank is not None and rank <= k for rank in ranks) / len(ranks) if ranks else 0.0


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float:
    """Mean of 1/rank of the first hit (0 for a question with no hit)."""
    return sum(1.0 / rank for rank in ranks if rank is not None) / len(ranks) if ranks else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0-100) by the nearest-rank method."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def first_hit(passages: Sequence[Passage], case: RetrievalCase) -> int | None:
    """1-based rank of the first passage from an expected document and section."""
    targets = {(t.title, _norm(t.section)) for t in case.targets()}
    for rank, passage in enumerate(passages, 1):
        if (passage.title, _norm(passage.section)) in targets:
            return rank
    return None


def _norm(section: str) -> str:
    return " ".join(section.casefold().rstrip(".:").split())


# --- running ----------------------------------------------------------------------------------------


def load_cases(path: Path = DATASET) -> list[RetrievalCase]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [RetrievalCase.model_validate_json(line) for line in lines if line.strip()]


def build_demo_corpus(*, settings: Settings) -> list[DemoDocument]:
    """Write the demo documents under the data directory and ingest each with its type and property."""
    documents = write_demo_documents(demo_terms(), settings.documents_dir)
    report = ingest_demo_documents(documents, settings=settings)
    if report.failed:
        raise RuntimeError(f"demo documents failed to ingest: {report.failed}")
    return documents


def score_mode(
    retriever: Retriever, cases: Sequence[RetrievalCase], mode: RetrievalMode
) -> tuple[ModeScores, list[CaseOutcome]]:
    """Ask every question in one mode; the first query per scope is a warm-up and is not timed."""
    for scope in {case.property for case in cases}:
        retriever.retrieve("rent", property_code=scope, k=1, mode=mode)
    outcomes = []
    for case in cases:
        started = time.perf_counter()
        passages = retriever.retrieve(case.question, property_code=case.property, k=RANK_DEPTH, mode=mode)
        ms = (time.perf_counter() - started) * 1000
        top = f"{passages[0].title} / {passages[0].section}" if passages else "(nothing)"
        outcomes.append(
            CaseOutcome(
                question=case.question,
                property=case.property,
                rank=first_hit(passages, case),
                top=top,
                ms=round(ms, 2),
            )
        )
    ranks = [outcome.rank for outcome in outcomes]
    latencies = [outcome.ms for outcome in outcomes]
    scores = ModeScores(
        recall_at_1=round(recall_at(ranks, 1), 4),
        recall_at_5=round(recall_at(ranks, 5), 4),
        mrr=round(mean_reciprocal_rank(ranks), 4),
        p50_ms=round(percentile(latencies, 50), 2),
        p95_ms=round(percentile(latencies, 95), 2),
    )
    return scores, outcomes


def evaluate_retrieval(retriever: Retriever, cases: Sequence[RetrievalCase]) -> RetrievalEvalReport:
    """Score hybrid and dense-only retrieval on `cases` with an already-built corpus."""
    hybrid, outcomes = score_mode(retriever, cases, "hybrid")
    dense, _ = score_mode(retriever, cases, "dense")
    return RetrievalEvalReport(
        cases=len(cases),
        **hybrid.model_dump(),
        **{f"dense_{name}": value for name, value in dense.model_dump().items()},
        misses=[outcome for outcome in outcomes if outcome.rank is None or outcome.rank > 5],
    )


def scratch_settings(data_dir: Path) -> Settings:
    """Settings for a throwaway data directory: embedded Chroma there, whatever `.env` says."""
    return Settings(DOORSTEP_DATA_DIR=data_dir, CHROMA_URL=None, ENVIRONMENT="test")


def run_retrieval_eval(*, dataset: Path = DATASET) -> RetrievalEvalReport:
    """Build the demo corpus in a temporary data directory and score retrieval on it."""
    with tempfile.TemporaryDirectory(prefix="doorstep-eval-") as tmp:
        settings = scratch_settings(Path(tmp))
        build_demo_corpus(settings=settings)
        retriever = Retriever.from_settings(settings=settings)
        return evaluate_retrieval(retriever, load_cases(dataset))


def main() -> None:
    report = run_retrieval_eval()
    console = Console()
    console.print(report.to_table())
    for miss in report.misses:
        console.print(f"[yellow]miss[/yellow] {miss.property or '-'}: {miss.question!r} -> {miss.top}")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    console.print(f"report written to {REPORT}")
    for failure in report.threshold_failures():
        console.print(f"[red]below threshold:[/red] {failure}")
    raise SystemExit(1 if report.threshold_failures() else 0)


if __name__ == "__main__":
    main()
