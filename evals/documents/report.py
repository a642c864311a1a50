"""What `doorstep eval documents` reports: one evaluator per figure over the per-question results.

The JSON interface (`--json`) has exactly these top-level figures, plus breakdowns and the failures:

- `questions`: questions asked (skipped ones, whose landlord folder is missing, are listed apart);
- `retrieval_hit`: share of questions with evidence whose evidence sentence was in the top 5 passages;
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

    @classmethod
    def of(cls, results: list[CaseResult]) -> Figures:
        return cls(
            questions=len(results),
            retrieval_hit=retrieval_hit(results),
            answer_accuracy=answer_accuracy(results),
            conflicts_flagged=sum(r.conflict_flagged for r in results),
            false_conflicts=sum(r.conflict_flagged and not r.conflict_expected for r in results),
            escalated=sum(r.escalated for r in results),
        )


def retrieval_hit(results: Iterable[CaseResult]) -> float:
    scored = [r.retrieval_hit for r in results if r.retrieval_hit is not None]
    return round(sum(scored) / len(scored), 4) if scored else 0.0


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
            caption="conflicts: replies saying documents disagree (false: where they agree)",
        )
        for column in ("landlord", "asked", "hit@5", "accuracy", "conflicts", "false", "to staff"):
            if column == "landlord":
                table.add_column(column, no_wrap=True)
            else:
                table.add_column(column, justify="right", no_wrap=True)
        overall = Figures(
            questions=self.questions,
            retrieval_hit=self.retrieval_hit,
            answer_accuracy=self.answer_accuracy,
            conflicts_flagged=self.conflicts_flagged,
            false_conflicts=self.false_conflicts,
            escalated=self.escalated,
        )
        for name, figures in [*self.by_landlord.items(), ("all", overall)]:
            table.add_row(
                f"[bold]{name}[/bold]" if name == "all" else name,
                str(figures.questions),
                f"{figures.retrieval_hit:.3f}",
                f"{figures.answer_accuracy:.3f}",
                str(figures.conflicts_flagged),
                str(figures.false_conflicts),
                str(figures.escalated),
            )
        return table

    def summary_lines(self) -> list[str]:
        recall = "n/a" if self.conflict_recall is None else f"{self.conflict_recall:.3f}"
        return [
            f"retrieval_hit {self.retrieval_hit:.3f}  answer_accuracy {self.answer_accuracy:.3f}  "
            f"value_accuracy {self.value_accuracy:.3f}  conflict_recall {recall}  "
            f"false_conflict_rate {self.false_conflict_rate:.3f}  escalated {self.escalated}",
        ]
