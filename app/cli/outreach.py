"""`doorstep outreach ...`: messages drafted from the ladder's steps, staff approvals, sending."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from app.alerts.models import ALERT_STATUSES
from app.alerts.service import list_alerts, raise_and_send
from app.bounds import date_problem
from app.channels.sms_transport import make_transport
from app.cli.common import JsonOpt, app, clear_errors, console, parse_date, parse_day, print_json
from app.config import get_settings
from app.db import session_factory, transaction
from app.errors import InvalidInput, NotFound
from app.models import OUTREACH_STATUSES, Property
from app.money import format_cents
from app.outreach.approvals import approve, reject
from app.outreach.config import config_for, set_config
from app.outreach.schemas import DraftPublic, list_drafts
from app.outreach.service import run_outreach
from app.outreach.settings import SlackSettings, SmtpSettings, WebhookSettings

outreach_app = typer.Typer(
    help="Messages for the ladder's steps: drafts, approvals, sending.", no_args_is_help=True
)
app.add_typer(outreach_app, name="outreach")

ActorOpt = Annotated[str, typer.Option("--actor", help="The staff member who decides (their email).")]


def _parse_at(text: str | None) -> datetime:
    """The moment `--at` names (UTC when it names no zone), which must fall inside the ledger's calendar
    (`app.bounds`), as every date typed on the command line does; else `InvalidInput`, one line."""
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"--at {text!r} is not a date and time: write YYYY-MM-DDTHH:MM[+HH:MM]") from exc
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if problem := date_problem(moment.date()):
        raise InvalidInput(f"--at {text}: {problem}")
    return moment


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
    # Escalations past their SLA (and legal-queue entries not yet alerted), never blocking the run.
    alerts = raise_and_send(
        session_factory(settings),
        SlackSettings(),
        now=datetime.now(UTC),
        public_url=settings.DOORSTEP_PUBLIC_URL,
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
    if line := alerts.summary():
        console.print(line, highlight=False)


@outreach_app.command("alerts")
@clear_errors
def alerts_command(
    send: Annotated[
        bool, typer.Option("--send", help="Raise new alerts and (re)send every pending one now.")
    ] = False,
    status: Annotated[str | None, typer.Option("--status", help="pending, sending or sent.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Staff alerts (legal queue, SLA breaches) sent to DOORSTEP_SLACK_WEBHOOK_URL: list them, newest
    first, or with --send raise and send what is pending (a failed one stays pending and is retried)."""
    if status is not None and status not in ALERT_STATUSES:
        raise InvalidInput(f"--status must be one of {', '.join(ALERT_STATUSES)} (not {status!r})")
    settings = get_settings()
    sessions = session_factory(settings)
    report = None
    if send:
        slack = SlackSettings()
        if not slack.configured:
            raise InvalidInput("set DOORSTEP_SLACK_WEBHOOK_URL to send staff alerts")
        report = raise_and_send(
            sessions, slack, now=datetime.now(UTC), public_url=settings.DOORSTEP_PUBLIC_URL
        )
    with transaction(sessions) as session:
        shown = list_alerts(session, status=status)
    if as_json:
        out: dict[str, object] = {"alerts": [a.model_dump(mode="json") for a in shown]}
        if report is not None:
            out["sent"], out["failed"], out["pending"] = report.sent, report.failed, report.pending
        print_json(out)
        return
    if report is not None and (line := report.summary()):
        console.print(line, highlight=False)
    table = Table("id", "kind", "status", "attempts", "last error", "message")
    for a in shown:
        table.add_row(str(a.id), a.kind, a.status, str(a.attempts), a.last_error or "", a.text)
    console.print(table)


@outreach_app.command("pre-due")
@clear_errors
def pre_due_command(
    day: Annotated[
        str | None, typer.Option("--date", help="The day reminders go (YYYY-MM-DD); default today.")
    ] = None,
    lead_days: Annotated[
        int, typer.Option("--lead-days", min=1, max=10, help="Rent due within this many days.")
    ] = 3,
    min_risk_bp: Annotated[
        int | None,
        typer.Option(
            "--min-risk-bp", min=0, max=10_000, help="Only risk at or above (basis points); default medium."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Households whose rent falls due in the next days and whose late-payment risk is at least the
    threshold, riskiest first, with the ladder's default days and threshold. What `collections run` fires
    as its `pre_due` step also follows each property's own settings, readiness and payments made ahead."""
    from app.risk.pre_due import MIN_RISK_BP, pre_due_reminders  # the model's code only for this command

    settings = get_settings()
    on = parse_day(day, settings, option="--date")
    with session_factory(settings)() as session:
        planned = pre_due_reminders(
            session,
            cache_dir=settings.data_dir / "models",
            on=on,
            lead_days=lead_days,
            min_risk_bp=MIN_RISK_BP if min_risk_bp is None else min_risk_bp,
        )
    if as_json:
        print_json([p.model_dump(mode="json") for p in planned])
        return
    table = Table("rank", "lease", "property", "due", "amount", "risk", "first reason")
    for p in planned:
        table.add_row(
            str(p.rank),
            p.lease_ref,
            p.property_code,
            str(p.due_on),
            format_cents(p.due_cents),
            f"{p.risk_bp / 100:.1f}% ({p.band})",
            p.reasons[0] if p.reasons else "",
        )
    console.print(table)


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
