"""`doorstep eval documents`: check the assistant on an operator's own documents and questions.

The heavy imports (the assistant, ingest, the classifier) happen inside the command. `--json` output is an
interface: `{"questions", "retrieval_hit", "answer_accuracy", "conflicts_flagged", "escalated", ...}` (see
`evals.documents.report`). Exit status 0 after a run (the figures are for reading, not thresholds), 2 when
the input is bad: one line saying which file and why, and nothing in the instance touched. A document
reached through a symbolic link leading outside `--docs` is bad input, as `doorstep ingest` refuses it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.assistant import PlannerOpt, _planner
from app.cli.common import JsonOpt, clear_errors, console, err_console, eval_app, print_json
from app.errors import InvalidInput

if TYPE_CHECKING:
    from evals.documents.report import CaseResult

SHOWN_FAILURES = 25


@eval_app.command("documents")
@clear_errors
def documents(
    docs: Annotated[
        Path,
        typer.Option(
            "--docs",
            help="Folder of documents (PDF, DOCX, Markdown, text): files at its top are portfolio-wide, "
            "each sub-folder is one landlord or property, named by its property code.",
        ),
    ],
    qa: Annotated[
        Path,
        typer.Option(
            "--qa",
            help='JSONL questions: {"question", "answer", "evidence"} a line, and optionally "landlord" '
            '(the sub-folder), "kind" (amount, day, count, yesno, procedure, none) and "conflict".',
        ),
    ],
    planner: PlannerOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ingest DOCS into a throwaway index, ask every question of QA, and report retrieval hit@5, answer
    accuracy, conflicts flagged, escalations and the failures. The instance's own database and index are
    never opened."""
    from evals.documents.dataset import DatasetError
    from evals.documents.runner import run_document_eval

    def tick(result: CaseResult) -> None:
        err_console.print("F" if result.failed else ".", end="", highlight=False)

    from app.config import Settings

    # The eval's throwaway instance reads the model settings from the environment, as this does.
    kind = _planner(planner, Settings(ENVIRONMENT="test"))
    refuse_links_out(docs)
    try:
        report = run_document_eval(
            docs_dir=docs, qa_path=qa, planner=kind, progress=None if as_json else tick
        )
    except DatasetError as exc:
        raise InvalidInput(str(exc)) from exc
    if as_json:
        print_json(report)
        return
    err_console.print()
    console.print(report.to_table())
    for line in report.summary_lines():
        console.print(line, highlight=False)
    for failure in report.failures[:SHOWN_FAILURES]:
        marks = []
        if failure.retrieval_hit is False:
            marks.append("evidence not retrieved")
        if not failure.correct:
            marks.append(f"expected {failure.expected or 'a decline'!r}")
        if failure.conflict_flagged != failure.conflict_expected:
            marks.append("conflict flagged" if failure.conflict_flagged else "conflict missed")
        console.print(
            f"[yellow]fail[/yellow] line {failure.line} ({failure.landlord}): {failure.question!r}: "
            f"{'; '.join(marks)}; replied {failure.reply[:160]!r}",
            highlight=False,
            soft_wrap=True,
        )
    if len(report.failures) > SHOWN_FAILURES:
        console.print(f"... and {len(report.failures) - SHOWN_FAILURES} more (see --json)", highlight=False)
    for skipped in report.skipped:
        console.print(f"[dim]skipped line {skipped.line}: {skipped.skipped}[/dim]", highlight=False)


def refuse_links_out(docs: Path) -> None:
    """`InvalidInput` naming the first path under DOCS that `doorstep ingest DOCS` would refuse: a symbolic
    link leading outside DOCS (a link to /etc/passwd would otherwise be ingested and quoted in replies), a
    link that loops or is broken, a FIFO or device.

    The eval ingests each document by its real path, so it checks here, as `ingest.sources` does for a
    folder, that none of them came from outside the folder named. DOCS itself may be a link.
    """
    from ingest.sources import discover

    if not docs.is_dir():
        return  # the eval says there is no such folder
    refused = discover([docs.resolve()]).refused
    if refused:
        first = refused[0]
        more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
        raise InvalidInput(f"{first.path}: {first.reason}{more}; the documents must be inside {docs}")
