"""`doorstep ingest`, `doorstep ask` and `doorstep eval retrieval`: the knowledge layer's commands.

`register(app, eval_app)` adds them to the `doorstep` Typer app. The heavy imports (chromadb,
onnxruntime) happen inside the commands, so other `doorstep` commands start without them.
`--json` output is an interface: `ask --json` prints exactly
`{"question": ..., "passages": [{"text", "title", "page", "section", "source", "score"}]}`.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from app.config import get_settings

console = Console()
err_console = Console(stderr=True)


class DocTypeChoice(StrEnum):
    """The document types `--type` accepts (mirrors `app.knowledge.constants.DOC_TYPES`)."""

    lease = "lease"
    policy = "policy"
    handbook = "handbook"
    faq = "faq"
    notice_template = "notice_template"


PropertyOpt = Annotated[
    str | None,
    typer.Option("--property", help="Property code, e.g. maple-court. Omit for portfolio-wide documents."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def ingest_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Files or directories (searched recursively). Symbolic links leading outside the folder "
            "given, FIFOs and devices are refused, and so are files over the size caps (zip bombs too)."
        ),
    ],
    doc_type: Annotated[DocTypeChoice, typer.Option("--type", help="What kind of document these are.")],
    property_code: PropertyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ingest documents into the knowledge index; unchanged files are skipped, changed ones replaced.

    Exits 1 when a file failed (the report says why); refused paths are reported but do not fail the run.
    """
    from ingest.pipeline import ingest_paths

    try:
        report = ingest_paths(
            paths,
            doc_type=doc_type.value,
            property_code=property_code,
            settings=get_settings(),
            progress=not as_json,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if as_json:
        sys.stdout.write(report.to_json() + "\n")
    else:
        console.print(report.to_table())
    if report.failed:
        raise typer.Exit(1)


def ask_command(
    question: Annotated[str, typer.Argument(help="The question, as a resident would ask it.")],
    property_code: PropertyOpt = None,
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="How many passages to show.")] = 5,
    as_json: JsonOpt = False,
) -> None:
    """Show the passages that best answer a question, with citations."""
    from app.knowledge.retrieval import Retriever

    retriever = Retriever.from_settings(settings=get_settings())
    passages = retriever.retrieve(question, property_code=property_code, k=k)
    if as_json:
        fields = ("text", "title", "page", "section", "source", "score")
        _print_json({"question": question, "passages": [p.model_dump(include=set(fields)) for p in passages]})
        return
    if not passages:
        err_console.print("No passages found. Has anything been ingested (`doorstep ingest`)?")
        return
    for rank, passage in enumerate(passages, 1):
        where = f"p. {passage.page}" + (f", {passage.section}" if passage.section else "")
        console.print(
            f"[bold]{rank}. {escape(passage.title)}[/bold] ({escape(where)})  [dim]score "
            f"{passage.score:.4f}[/dim]"
        )
        console.print(escape(passage.text), highlight=False)
        console.print(f"[dim]{escape(passage.source)}[/dim]\n", highlight=False)


def eval_retrieval_command(as_json: JsonOpt = False) -> None:
    """Score retrieval on evals/datasets/retrieval.jsonl over the demo documents (hybrid and dense-only).

    Exits 1 when a threshold is missed, so CI can run it.
    """
    from evals.retrieval import run_retrieval_eval

    report = run_retrieval_eval()
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        console.print(report.to_table())
        for failure in report.threshold_failures():
            err_console.print(f"[red]below threshold:[/red] {failure}")
    if report.threshold_failures():
        raise typer.Exit(1)


def register(app: typer.Typer, eval_app: typer.Typer, *, ask: bool = True) -> None:
    """Add `ingest` (and the passages-only `ask`) to `app` and `retrieval` to `eval_app`.

    The full CLI passes `ask=False`: its `ask` (app/cli/assistant.py) answers through the assistant and
    returns these passages too.
    """
    app.command("ingest")(ingest_command)
    if ask:
        app.command("ask")(ask_command)
    eval_app.command("retrieval")(eval_retrieval_command)
