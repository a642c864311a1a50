"""`doorstep chat` and `doorstep ask`: talk to the assistant from the terminal."""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import uuid
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from rich.markup import escape
from rich.panel import Panel

# The assistant and the index load with this module rather than inside the commands, so that they load
# while `app.cli.main` holds the cyclic collector back (about a third of a second of `doorstep ask`).
from agents.assistant.factory import open_assistant
from app.cli.common import AsOfOpt, JsonOpt, app, clear_errors, console, parse_day, print_json
from app.config import Settings, get_settings
from app.db import session_factory
from app.errors import DoorstepError, InvalidInput
from app.knowledge.embedding import get_encoder
from app.knowledge.retrieval import Retriever

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from agents.assistant.runner import Assistant

MAX_BATCH_LINES = 10_000
MAX_BATCH_TEXT = 2000

PlannerOpt = Annotated[
    str | None,
    typer.Option("--planner", help="offline (default without OPENAI_API_KEY) or chat.", show_default=False),
]


def _planner(value: str | None, settings: Settings) -> Literal["offline", "chat"]:
    """The planner `--planner` names, or the default for these settings when it names none.

    `--planner chat` is checked before anything else runs: without a model configured, or with its server
    unreachable, the command stops with one line (`ConfigurationError`, exit 2) instead of a traceback, a
    hang, or answers quietly given by the offline planner.
    """
    from agents.planners.factory import default_kind, require_chat_model

    if value not in (None, "offline", "chat"):
        raise typer.BadParameter("choose offline or chat", param_hint="--planner")
    if value == "chat":
        require_chat_model(settings)
        return "chat"
    return "offline" if value == "offline" else default_kind(settings)


def _resident_id(sessions: Any, ref: str | None) -> int | None:
    if ref is None:
        return None
    from app.accounts import find_resident

    with sessions() as session:
        return int(find_resident(session, ref).id)


@app.command("chat")
@clear_errors
def chat(
    resident: Annotated[str, typer.Option(help="Chat as this resident (reference, email or phone).")],
    planner: PlannerOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """A live conversation with the assistant as a resident would have it. Ctrl-D or "exit" to stop."""
    settings = get_settings()
    kind = _planner(planner, settings)
    day = parse_day(as_of, settings)
    sessions = session_factory(settings)
    resident_id = _resident_id(sessions, resident)
    conversation = f"cli-{uuid.uuid4().hex[:12]}"
    with open_assistant(settings, sessions, today=lambda: day, planner=kind) as assistant:
        console.print(
            f"Chatting as {resident} ({assistant.planner.name} planner, as of {day}). Ctrl-D to stop."
        )
        for line in (
            sys.stdin if not sys.stdin.isatty() else iter(lambda: console.input("[bold]you>[/bold] "), None)
        ):
            text = line.strip()
            if text.lower() in ("exit", "quit"):
                break
            outcome = assistant.respond(
                conversation_id=conversation, text=text, resident_id=resident_id, channel="cli"
            )
            tag = f" [yellow](handed to staff: {outcome.reason})[/yellow]" if outcome.escalated else ""
            console.print(
                f"[bold cyan]doorstep>[/bold cyan] {outcome.reply or '(staff own this conversation)'}{tag}",
                highlight=False,
            )


@app.command("ask")
@clear_errors
def ask(
    question: Annotated[
        str | None, typer.Argument(help="The question, as a resident would write it.", show_default=False)
    ] = None,
    resident: Annotated[str | None, typer.Option(help="Answer for this resident's account.")] = None,
    property_code: Annotated[
        str | None, typer.Option("--property", help="Answer from this property's documents.")
    ] = None,
    k: Annotated[int, typer.Option("-k", help="How many passages to show.")] = 5,
    planner: PlannerOpt = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
    batch: Annotated[
        Path | None,
        typer.Option(
            "--batch",
            help='Answer every line of this JSONL file, {"text", "resident"?, "property"?} a line, one '
            "conversation each, in one process; with --json, one JSON answer a line.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """One answer with its citations (and the passages retrieval found). With neither --resident nor
    --property, from portfolio-wide documents. With --batch FILE, one answer per line of FILE."""
    settings = get_settings()
    if batch is not None and (question is not None or resident or property_code):
        raise typer.BadParameter("with --batch, each line gives its text, resident and property")
    if batch is None and question is None:
        raise typer.BadParameter("give the question, or --batch FILE", param_hint="QUESTION")
    if resident and property_code:
        raise typer.BadParameter("give --resident or --property, not both")
    kind = _planner(planner, settings)
    day = parse_day(as_of, settings)
    _load_encoder_meanwhile()
    sessions = session_factory(settings)
    if batch is not None:
        asks = [
            (line.text, _batch_resident(sessions, line, where=f"{batch} line {number}"), line.property)
            for number, line in read_batch(batch)
        ]
    else:
        asks = [(question or "", _resident_id(sessions, resident), property_code)]
    retriever = Retriever.from_settings(settings=settings)
    with open_assistant(
        settings, sessions, today=lambda: day, planner=kind, retriever=retriever
    ) as assistant:
        for text, resident_id, code in asks:
            body = _answer(assistant, retriever, sessions, day, text, resident_id, code, k)
            _show(body, as_json=as_json, one_line=batch is not None)


def _load_encoder_meanwhile() -> None:
    """Load the MiniLM encoder (the planner's classification and the passages both use it) on a thread of
    its own: the model load, about 0.25 s and mostly outside the GIL, then runs while the database, the
    index and the planner open instead of before the first answer. A failure is left for the first use to
    raise; the thread is not a daemon, so the process never exits in the middle of the load."""

    def load() -> None:
        with contextlib.suppress(Exception):
            get_encoder()

    threading.Thread(target=load, name="load-encoder").start()


class BatchLine(BaseModel):
    """One line of an `ask --batch` file."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: str = Field(min_length=1, max_length=MAX_BATCH_TEXT)
    resident: str | None = Field(default=None, max_length=200)
    property: str | None = Field(default=None, max_length=63)

    @model_validator(mode="after")
    def _one_scope(self) -> BatchLine:
        if self.resident and self.property:
            raise ValueError("give resident or property, not both")
        return self


def read_batch(path: Path) -> list[tuple[int, BatchLine]]:
    """The lines of an `ask --batch` file with their line numbers, or `InvalidInput` naming the first bad
    one."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InvalidInput(f"{path}: no such file") from exc
    except (UnicodeDecodeError, IsADirectoryError) as exc:
        raise InvalidInput(f"{path}: not a UTF-8 text file of JSON lines") from exc
    lines: list[tuple[int, BatchLine]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        if len(lines) >= MAX_BATCH_LINES:
            raise InvalidInput(f"{path}: more than {MAX_BATCH_LINES} lines")
        try:
            lines.append((number, BatchLine.model_validate_json(raw)))
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(p) for p in problem["loc"])
            reason = problem["msg"].removeprefix("Value error, ")
            if problem["type"] == "json_invalid":
                reason = "not a JSON object"
            raise InvalidInput(f"{path} line {number}: {where + ': ' if where else ''}{reason}") from exc
    if not lines:
        raise InvalidInput(f'{path}: no lines to answer (one {{"text": ...}} object a line)')
    return lines


def _batch_resident(sessions: sessionmaker[Session], line: BatchLine, *, where: str) -> int | None:
    try:
        return _resident_id(sessions, line.resident)
    except DoorstepError as exc:
        raise InvalidInput(f"{where}: {exc}") from exc


def _answer(
    assistant: Assistant,
    retriever: Retriever,
    sessions: sessionmaker[Session],
    day: date,
    question: str,
    resident_id: int | None,
    property_code: str | None,
    k: int,
) -> dict[str, Any]:
    """One question in a conversation of its own: the reply, its citations and the passages found."""
    outcome = assistant.respond(
        conversation_id=f"ask-{uuid.uuid4().hex[:12]}",
        text=question,
        resident_id=resident_id,
        property_code=property_code,
        channel="cli",
    )
    scope = _property_of(sessions, resident_id, day) if resident_id is not None else property_code
    passages = retriever.retrieve(question, property_code=scope, k=k)
    return {
        "question": question,
        "answer": outcome.reply,
        "citations": outcome.citations,
        "tool_calls": outcome.tool_calls,
        "escalated": outcome.escalated,
        "reason": outcome.reason,
        "passages": [
            {
                "text": p.text,
                "title": p.title,
                "page": p.page,
                "section": p.section,
                "source": p.source,
                "score": p.score,
            }
            for p in passages
        ],
    }


def _show(body: dict[str, Any], *, as_json: bool, one_line: bool) -> None:
    if as_json and one_line:
        sys.stdout.write(json.dumps(body, default=str) + "\n")
        sys.stdout.flush()
        return
    if as_json:
        print_json(body)
        return
    if one_line:
        console.print(f"[bold]{escape(body['question'])}[/bold]", highlight=False)
    console.print(
        Panel(escape(body["answer"] or ""), title="answer", subtitle=body["reason"] or None), highlight=False
    )
    for n, p in enumerate(body["passages"], start=1):
        console.print(
            f"[dim]{n}. {escape(p['title'])}, {escape(p['section'] or '-')}, p. {p['page']} "
            f"(score {p['score']:.3f})[/dim]",
            highlight=False,
        )


def _property_of(sessions: Any, resident_id: int, day: Any) -> str | None:
    from tools.account import load_account
    from tools.context import ResidentContext

    with sessions() as session:
        account = load_account(
            session, ResidentContext(resident_id=resident_id, sessions=sessions, today=day)
        )
        return account.property.code if account else None
