"""`doorstep chat` and `doorstep ask`: talk to the assistant from the terminal."""

from __future__ import annotations

import sys
import uuid
from typing import Annotated, Any, Literal

import typer
from rich.panel import Panel

from app.cli.common import AsOfOpt, JsonOpt, app, clear_errors, console, parse_day, print_json
from app.config import get_settings
from app.db import session_factory

PlannerOpt = Annotated[
    str | None,
    typer.Option("--planner", help="offline (default without OPENAI_API_KEY) or chat.", show_default=False),
]


def _planner(value: str | None) -> Literal["offline", "chat"] | None:
    if value not in (None, "offline", "chat"):
        raise typer.BadParameter("choose offline or chat", param_hint="--planner")
    return value  # type: ignore[return-value]


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
    from agents.assistant.factory import open_assistant

    settings = get_settings()
    day = parse_day(as_of, settings)
    sessions = session_factory(settings)
    resident_id = _resident_id(sessions, resident)
    conversation = f"cli-{uuid.uuid4().hex[:12]}"
    with open_assistant(settings, sessions, today=lambda: day, planner=_planner(planner)) as assistant:
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
    question: Annotated[str, typer.Argument(help="The question, as a resident would write it.")],
    resident: Annotated[str | None, typer.Option(help="Answer for this resident's account.")] = None,
    property_code: Annotated[
        str | None, typer.Option("--property", help="Answer from this property's documents.")
    ] = None,
    k: Annotated[int, typer.Option("-k", help="How many passages to show.")] = 5,
    planner: PlannerOpt = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One answer with its citations (and the passages retrieval found). With neither --resident nor
    --property, from portfolio-wide documents."""
    from agents.assistant.factory import open_assistant
    from app.knowledge.retrieval import Retriever

    settings = get_settings()
    if resident and property_code:
        raise typer.BadParameter("give --resident or --property, not both")
    day = parse_day(as_of, settings)
    sessions = session_factory(settings)
    resident_id = _resident_id(sessions, resident)
    retriever = Retriever.from_settings(settings=settings)
    with open_assistant(
        settings, sessions, today=lambda: day, planner=_planner(planner), retriever=retriever
    ) as assistant:
        outcome = assistant.respond(
            conversation_id=f"ask-{uuid.uuid4().hex[:12]}",
            text=question,
            resident_id=resident_id,
            property_code=property_code,
            channel="cli",
        )
        scope = _property_of(sessions, resident_id, day) if resident_id is not None else property_code
        passages = retriever.retrieve(question, property_code=scope, k=k)
    body = {
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
    if as_json:
        print_json(body)
        return
    console.print(
        Panel(outcome.reply or "", title="answer", subtitle=outcome.reason or None), highlight=False
    )
    for n, p in enumerate(passages, start=1):
        console.print(
            f"[dim]{n}. {p.title}, {p.section or '-'}, p. {p.page} (score {p.score:.3f})[/dim]",
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
