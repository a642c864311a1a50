"""What `doorstep eval documents` reports: one evaluator per figure over the per-question results.

The JSON interface (`--json`) has exactly these top-level figures, plus breakdowns and the failures:

- `questions`: questions asked (skipped ones, whose landlord folder is missing, are listed apart);
- `retrieval_hit`: share of questions with evidence whose evidence sentence was in the top 5 passages;
  `hit_at_1`, `hit_at_3` and `mrr` (mean reciprocal rank of the first passage holding it, 0 below the top
  5) say how high: the reader reads passages in rank order, so evidence at rank 4 often loses to rank 1;
- `answer_accuracy`: share of questions whose reply contained the expected answer (for questions the
  documents do not answer: the reply said so, or a person was offered);
- `conflicts_flagged`: replies that said the documents disagree (`conflict_recall` over the questions
  where they really do, `false_conflicts` over those where they do not);
- `escalated`: turns handed to staff.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pydantic import BaseModel, Field
from rich.table import Table

from evals.documents.dataset import QACase


class CaseResult(BaseModel):
    """One question's outcome."""

    line: int
    question: str
    landlord: str
    kind: str
    expected: str
    conflict_expected: bool = False
    reply: str = ""
    retrieval_hit: bool | None = Field(default=None, description="None when the question has no evidence.")
    evidence_rank: int | None = Field(
        default=None, description="Rank (from 1) of the first passage with the evidence; None if none has it."
    )
    correct: bool = False
    conflict_flagged: bool = False
    escalated: bool = False
    reason: str | None = None
    top_passage: str = ""
    ms: float = 0.0
    skipped: str | None = None

    @classmethod
    def skipped_case(cls, case: QACase, why: str) -> CaseResult:
        return cls(
            line=case.line,
            question=case.question,
            landlord=case.landlord or "*",
            kind=case.kind or "procedure",
            expected=case.answer,
            conflict_expected=case.conflict,
            skipped=why,
        )

    @property
    def failed(self) -> bool:
        return (
            not self.correct or self.retrieval_hit is False or self.conflict_flagged != self.conflict_expected
        )


class Figures(BaseModel):
    """The figures of one slice of the questions (all, one landlord, one kind)."""

    questions: int
    retrieval_hit: float
    answer_accuracy: float
    conflicts_flagged: int
    false_conflicts: int
    escalated: int
    hit_at_1: float = 0.0
    hit_at_3: float = 0.0
    mrr: float = 0.0

    @classmethod
    def of(cls, results: list[CaseResult]) -> Figures:
        return cls(
            questions=len(results),
            retrieval_hit=retrieval_hit(results),
            hit_at_1=hit_at(results, 1),
            hit_at_3=hit_at(results, 3),
            mrr=mean_reciprocal_rank(results),
            answer_accuracy=answer_accuracy(results),
            conflicts_flagged=sum(r.conflict_flagged for r in results),
            false_conflicts=sum(r.conflict_flagged and not r.conflict_expected for r in results),
            escalated=sum(r.escalated for r in results),
        )


def retrieval_hit(results: Iterable[CaseResult]) -> float:
    scored = [r.retrieval_hit for r in results if r.retrieval_hit is not None]
    return round(sum(scored) / len(scored), 4) if scored else 0.0


def _ranks(results: Iterable[CaseResult]) -> list[int | None]:
    """The evidence rank of every question that has evidence (None: not among the passages)."""
    return [r.evidence_rank if r.retrieval_hit else None for r in results if r.retrieval_hit is not None]


def hit_at(results: Iterable[CaseResult], k: int) -> float:
    """Share of questions with evidence whose evidence was in the top `k` passages."""
    ranks = _ranks(results)
    return round(sum(rank is not None and rank <= k for rank in ranks) / len(ranks), 4) if ranks else 0.0


def mean_reciprocal_rank(results: Iterable[CaseResult]) -> float:
    """Mean of 1 / rank of the evidence passage over questions with evidence (0 where it was not found)."""
    ranks = _ranks(results)
    return round(sum(1 / rank for rank in ranks if rank) / len(ranks), 4) if ranks else 0.0


def answer_accuracy(results: Iterable[CaseResult]) -> float:
    asked = list(results)
    return round(sum(r.correct for r in asked) / len(asked), 4) if asked else 0.0


def conflict_recall(results: Iterable[CaseResult]) -> float | None:
    real = [r for r in results if r.conflict_expected]
    return round(sum(r.conflict_flagged for r in real) / len(real), 4) if real else None


class DocumentEvalReport(BaseModel):
    questions: int
    retrieval_hit: float
    answer_accuracy: float
    conflicts_flagged: int
    escalated: int
    hit_at_1: float = Field(description="Share of questions with evidence found in the top passage.")
    hit_at_3: float = Field(description="Share of questions with evidence found in the top 3 passages.")
    mrr: float = Field(description="Mean reciprocal rank of the evidence passage (0 below the top 5).")
    value_accuracy: float = Field(description="Answer accuracy over amount, day and count questions.")
    conflict_recall: float | None = Field(description="Real conflicts flagged; None without any.")
    false_conflicts: int = Field(description="Conflicts flagged where the documents agree.")
    false_conflict_rate: float
    documents: int
    chunks: int
    seconds: float
    planner: str
    by_landlord: dict[str, Figures]
    by_kind: dict[str, Figures]
    skipped: list[CaseResult]
    failures: list[CaseResult]

    @classmethod
    def from_results(
        cls, results: list[CaseResult], *, documents: int, chunks: int, seconds: float, planner: str
    ) -> DocumentEvalReport:
        asked = [r for r in results if r.skipped is None]
        overall = Figures.of(asked)
        by_landlord: dict[str, list[CaseResult]] = defaultdict(list)
        by_kind: dict[str, list[CaseResult]] = defaultdict(list)
        for result in asked:
            by_landlord[result.landlord].append(result)
            by_kind[result.kind].append(result)
        agreeing = [r for r in asked if not r.conflict_expected]
        return cls(
            questions=overall.questions,
            retrieval_hit=overall.retrieval_hit,
            answer_accuracy=overall.answer_accuracy,
            conflicts_flagged=overall.conflicts_flagged,
            escalated=overall.escalated,
            hit_at_1=overall.hit_at_1,
            hit_at_3=overall.hit_at_3,
            mrr=overall.mrr,
            value_accuracy=answer_accuracy(r for r in asked if r.kind in ("amount", "day", "count")),
            conflict_recall=conflict_recall(asked),
            false_conflicts=overall.false_conflicts,
            false_conflict_rate=round(overall.false_conflicts / len(agreeing), 4) if agreeing else 0.0,
            documents=documents,
            chunks=chunks,
            seconds=round(seconds, 1),
            planner=planner,
            by_landlord={k: Figures.of(v) for k, v in sorted(by_landlord.items())},
            by_kind={k: Figures.of(v) for k, v in sorted(by_kind.items())},
            skipped=[r for r in results if r.skipped is not None],
            failures=[r for r in asked if r.failed],
        )

    def to_table(self) -> Table:
        table = Table(
            title=f"Documents eval: {self.questions} questions, {self.documents} documents "
            f"({self.planner} planner, {self.seconds:.0f} s)",
            collapse_padding=True,
            caption="hit@k: evidence in the top k passages; MRR: its mean reciprocal rank; acc.: answer "
            "accuracy; confl.: replies saying documents disagree (false: where they agree); staff: escalated",
        )
        # Short headers, and figures that never shrink: on an 80-column terminal only landlord names are cut.
        table.add_column("landlord", no_wrap=True, overflow="ellipsis", max_width=20)
        for column in ("asked", "hit@1", "hit@5", "MRR", "acc.", "confl.", "false", "staff"):
            table.add_column(column, justify="right", no_wrap=True, min_width=5)
        overall = Figures(
            questions=self.questions,
            retrieval_hit=self.retrieval_hit,
            answer_accuracy=self.answer_accuracy,
            conflicts_flagged=self.conflicts_flagged,
            false_conflicts=self.false_conflicts,
            escalated=self.escalated,
            hit_at_1=self.hit_at_1,
            hit_at_3=self.hit_at_3,
            mrr=self.mrr,
        )
        for name, figures in [*self.by_landlord.items(), ("all", overall)]:
            table.add_row(
                f"[bold]{name}[/bold]" if name == "all" else name,
                str(figures.questions),
                f"{figures.hit_at_1:.3f}",
                f"{figures.retrieval_hit:.3f}",
                f"{figures.mrr:.3f}",
                f"{figures.answer_accuracy:.3f}",
                str(figures.conflicts_flagged),
                str(figures.false_conflicts),
                str(figures.escalated),
            )
        return table

    def summary_lines(self) -> list[str]:
        recall = "n/a" if self.conflict_recall is None else f"{self.conflict_recall:.3f}"
        return [
            f"retrieval_hit {self.retrieval_hit:.3f}  hit@1 {self.hit_at_1:.3f}  hit@3 {self.hit_at_3:.3f}  "
            f"mrr {self.mrr:.3f}  answer_accuracy {self.answer_accuracy:.3f}  "
            f"value_accuracy {self.value_accuracy:.3f}  conflict_recall {recall}  "
            f"false_conflict_rate {self.false_conflict_rate:.3f}  escalated {self.escalated}",
        ]
