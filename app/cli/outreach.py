"""`doorstep outreach ...`: messages drafted from the ladder's steps, staff approvals, sending."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from app.channels.sms_transport import make_transport
from app.cli.common import JsonOpt, app, clear_errors, console, parse_date, print_json
from app.config import get_settings
from app.db import session_factory, transaction
from app.errors import InvalidInput, NotFound
from app.models import OUTREACH_STATUSES, Property
from app.outreach.approvals import approve, reject
from app.outreach.config import config_for, set_config
from app.outreach.schemas import DraftPublic, list_drafts
from app.outreach.service import run_outreach
from app.outreach.settings import SmtpSettings, WebhookSettings

outreach_app = typer.Typer(
    help="Messages for the ladder's steps: drafts, approvals, sending.", no_args_is_help=True
)
app.add_typer(outreach_app, name="outreach")

ActorOpt = Annotated[str, typer.Option("--actor", help="The staff member who decides (their email).")]


def _parse_at(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"--at {text!r} is not a date and time: write YYYY-MM-DDTHH:MM[+HH:MM]") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@outreach_app.command("run")
@clear_errors
def run(
    day: Annotated[
        str | None, typer.Option("--date", help="Draft from steps fired on or before this day (YYYY-MM-DD).")
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="Send as if it were this moment (ISO 8601; default now).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Draft a message for every new ladder step, then send what may go now. Safe to repeat."""
    settings = get_settings()
    until = None if day is None else parse_date(day, option="--date")
    report = run_outreach(
        session_factory(settings),
        now=_parse_at(at),
        until=until,
        smtp=SmtpSettings(),
        transport=make_transport(settings),
        webhooks=WebhookSettings(),
    )
    if as_json:
        print_json(report)
        return
    r = report
    console.print(
        f"drafted {len(r.drafted)}; sent {len(r.sent)}, to the SMS outbox {len(r.outbox)}; "
        f"waiting for quiet hours {len(r.waiting_for_window)}, for SMTP {len(r.waiting_for_smtp)}; "
        f"refused {len(r.refused)}, failed {len(r.failed)}; awaiting approval {r.awaiting_approval}"
    )
    for draft_id, reason in report.refused.items():
        console.print(f"  refused #{draft_id}: {reason}")


@outreach_app.command("list")
@clear_errors
def list_command(
    status: Annotated[
        str | None, typer.Option("--status", help=f"One of {', '.join(OUTREACH_STATUSES)}.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The drafts, oldest first."""
    if status is not None and status not in OUTREACH_STATUSES:
        raise InvalidInput(f"--status must be one of {', '.join(OUTREACH_STATUSES)} (not {status!r})")
    with transaction(session_factory(get_settings())) as session:
        drafts = list_drafts(session, status=status)
    if as_json:
        print_json([d.model_dump(mode="json") for d in drafts])
        return
    table = Table("id", "lease", "step", "channel", "status", "decided by", "reason")
    for d in drafts:
        table.add_row(str(d.id), d.lease, d.step, d.channel, d.status, d.decided_by or "", d.reason or "")
    console.print(table)


def _show(draft: DraftPublic, as_json: bool) -> None:
    if as_json:
        print_json(draft)
    else:
        console.print(
            f"draft #{draft.id} ({draft.lease}, {draft.step}): {draft.status} by {draft.decided_by}"
        )


@outreach_app.command("approve")
@clear_errors
def approve_command(
    draft_id: Annotated[int, typer.Argument(help="The draft's id.")],
    actor: ActorOpt,
    body: Annotated[str | None, typer.Option("--body", help="Send this text instead (an edit).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Approve a draft (optionally edited): the next `outreach run` sends it, within quiet hours."""
    with transaction(session_factory(get_settings())) as session:
        draft = approve(session, draft_id=draft_id, actor=actor, body=body)
    _show(draft, as_json)


@outreach_app.command("reject")
@clear_errors
def reject_command(
    draft_id: Annotated[int, typer.Argument(help="The draft's id.")],
    actor: ActorOpt,
    reason: Annotated[str, typer.Option("--reason", help="Why it should not go.")],
    as_json: JsonOpt = False,
) -> None:
    """Reject a draft: it never goes."""
    with transaction(session_factory(get_settings())) as session:
        draft = reject(session, draft_id=draft_id, actor=actor, reason=reason)
    _show(draft, as_json)


@outreach_app.command("config")
@clear_errors
def config_command(
    property_code: Annotated[str, typer.Argument(help="The property's code.")],
    mode: Annotated[str | None, typer.Option("--mode", help="shadow, assist or auto.")] = None,
    quiet_start: Annotated[
        int | None, typer.Option("--quiet-start", help="First hour messages may go.")
    ] = None,
    quiet_end: Annotated[
        int | None, typer.Option("--quiet-end", help="Hour messages stop (exclusive).")
    ] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="A manager's or admin's email.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show, or (as a manager) set, a property's rollout mode and quiet hours."""
    with transaction(session_factory(get_settings())) as session:
        prop = session.scalars(select(Property).where(Property.code == property_code.strip().lower())).first()
        if prop is None:
            raise NotFound(f"no property {property_code!r}")
        if mode is None and quiet_start is None and quiet_end is None:
            config = config_for(session, prop.id)
        else:
            if not actor:
                raise InvalidInput("--actor is required to change outreach settings")
            config = set_config(
                session,
                property_id=prop.id,
                actor=actor,
                mode=mode,
                quiet_start_hour=quiet_start,
                quiet_end_hour=quiet_end,
            )
    shown = {
        "property": prop.code,
        "mode": config.mode,
        "quiet_start_hour": config.quiet_start_hour,
        "quiet_end_hour": config.quiet_end_hour,
    }
    if as_json:
        print_json(shown)
    else:
        console.print(shown)
