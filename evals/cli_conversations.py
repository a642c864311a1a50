"""`doorstep eval conversations`: score the assistant on the conversation dataset.

`register(eval_app)` adds the command to the `doorstep eval` Typer group. Heavy imports (the assistant,
the ingest pipeline, the classifier) happen inside the command, so other commands start without them.
`--json` output is an interface: it prints the report `evals/reports/conversations.json` holds.
Exit status: 0 when every threshold is met, 1 when one is missed, 2 when the run cannot be set up.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from evals.conversations.records import ScenarioResult

DEFAULT_REPORT_DIR = Path(__file__).resolve().parent / "reports"
console = Console()
err_console = Console(stderr=True)


class PlannerChoice(StrEnum):
    """The planner kinds the eval can drive."""

    offline = "offline"
    chat = "chat"


def conversations_command(
    planner: Annotated[
        PlannerChoice, typer.Option("--planner", help="Which planner drives the assistant.")
    ] = PlannerChoice.offline,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report to stdout.")] = False,
    report_dir: Annotated[
        Path, typer.Option("--report-dir", help="Where conversations.json and conversations.html go.")
    ] = DEFAULT_REPORT_DIR,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", metavar="TAG", help="Only scenarios with this tag (or id); repeatable."),
    ] = None,
) -> None:
    """Play evals/datasets/conversations.jsonl against the assistant over the demo portfolio and score it.

    Exits 1 when a threshold is missed, so CI can run it.
    """
    from evals.conversations.dataset import DatasetError
    from evals.conversations.environment import SetupError
    from evals.conversations.runner import run_conversation_eval

    def tick(result: ScenarioResult) -> None:
        mark = {"run": "." if result.passed else "F", "skipped": "s", "error": "E"}[result.status]
        err_console.print(mark, end="", highlight=False)

    try:
        report = run_conversation_eval(
            planner=planner.value, only=tuple(only or ()), progress=None if as_json else tick
        )
    except (SetupError, DatasetError) as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    json_path, html_path = report.write(report_dir)
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        err_console.print()
        console.print(report.to_table())
        console.print(report.to_tag_table())
        for failed in report.failures():
            problems = "; ".join(
                f"{c.name}: {c.detail}" if c.detail else c.name for c in failed.failed_checks()
            )
            if failed.status == "error" and failed.note:
                problems = f"error: {failed.note.splitlines()[0]}"
            console.print(
                f"[yellow]fail[/yellow] {failed.id} ({failed.persona}): {problems}", highlight=False
            )
        console.print(f"reports written to {json_path} and {html_path}", highlight=False)
    for failure in report.threshold_failures():
        err_console.print(f"[red]below threshold:[/red] {failure}", highlight=False)
    if report.threshold_failures():
        raise typer.Exit(1)


def register(eval_app: typer.Typer) -> None:
    """Add `conversations` to the `doorstep eval` group."""
    eval_app.command("conversations")(conversations_command)
