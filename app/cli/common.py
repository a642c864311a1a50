"""What every `doorstep` command shares: the Typer apps, the consoles, one-line errors, dates, JSON output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Annotated, Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from sqlalchemy.exc import DataError, OperationalError, ProgrammingError

from app.bounds import ISO_DATE, MAX_DB_ID, date_problem
from app.config import Settings
from app.errors import DoorstepError, InvalidInput, number_out_of_range
from app.money import AmountError

app = typer.Typer(
    help="Doorstep: a resident assistant for rent collection.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo portfolio.", no_args_is_help=True)
ledger_app = typer.Typer(help="Residents' ledgers.", no_args_is_help=True)
lease_app = typer.Typer(help="Leases.", no_args_is_help=True)
eval_app = typer.Typer(help="Evaluations.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(ledger_app, name="ledger")
app.add_typer(lease_app, name="lease")
app.add_typer(eval_app, name="eval")
app.add_typer(audit_app, name="audit")

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Show the ledger as of this date (YYYY-MM-DD); default today.")
]


def clear_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Expected failures print one clear line (never wrapped) and exit 2; nothing half-done is left behind."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (DoorstepError, AmountError) as exc:
            err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from exc
        except ValidationError as exc:
            err_console.print(
                f"[red]error:[/red] {_validation_message(exc)}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(2) from exc
        except (OperationalError, ProgrammingError) as exc:
            message = database_problem(exc)
            if message is None:
                raise
            err_console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from exc
        except (DataError, OverflowError) as exc:
            # An id typed on the command line that no table can hold (PostgreSQL ids are INTEGER).
            if not number_out_of_range(exc):
                raise
            err_console.print(f"[red]error:[/red] {OUT_OF_RANGE}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from exc

    return wrapper


OUT_OF_RANGE = f"a number given is larger than the database holds: ids run from 1 to {MAX_DB_ID:,}"


UNDEFINED_TABLE = "42P01"


def database_problem(exc: OperationalError | ProgrammingError) -> str | None:
    """One line for the database failures an operator can fix (no schema yet, server unreachable);
    None for anything else, which is a bug and keeps its traceback."""
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    if "no such table" in detail or getattr(exc.orig, "sqlstate", None) == UNDEFINED_TABLE:
        return f"the database has no Doorstep tables yet ({detail}): run `doorstep db upgrade` first"
    if isinstance(exc, OperationalError) and _unreachable(detail):
        return f"cannot reach the database ({detail}): is it running, and is DATABASE_URL right?"
    return None


def _unreachable(detail: str) -> bool:
    lowered = detail.lower()
    return any(
        words in lowered
        for words in (
            "connection refused",
            "could not connect",
            "unable to open database file",
            "timeout expired",
        )
    )


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "input"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def today(settings: Settings) -> date:
    """Today in the portfolio's time zone, or the day DOORSTEP_TODAY pins (as the API reads it)."""
    if settings.DOORSTEP_TODAY is not None:
        return settings.DOORSTEP_TODAY
    return datetime.now(ZoneInfo(settings.DOORSTEP_TIMEZONE)).date()


def parse_date(text: str, *, option: str) -> date:
    """The one reader of dates typed on the command line: YYYY-MM-DD inside the ledger's calendar
    (`app.bounds`), else `InvalidInput` naming the option, which `clear_errors` prints as one line.
    Only YYYY-MM-DD, as the API: `date.fromisoformat` alone also reads 20261123 and 2026-W48-1."""
    try:
        if not ISO_DATE.fullmatch(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{option} {text!r} is not a real date: write YYYY-MM-DD") from exc
    if problem := date_problem(day):
        raise InvalidInput(f"{option} {text}: {problem}")
    return day


def parse_day(text: str | None, settings: Settings, *, option: str = "--as-of") -> date:
    """`text` read by `parse_date`, or today in the portfolio's time zone when the option was left out."""
    return today(settings) if text is None else parse_date(text, option=option)


def print_json(value: BaseModel | dict[str, Any] | list[Any]) -> None:
    if isinstance(value, BaseModel):
        sys.stdout.write(value.model_dump_json(indent=2) + "\n")
    else:
        sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")
