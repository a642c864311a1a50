"""`doorstep collections ...`: readiness and the delinquency ladder, staff holds, the month simulation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, cast

import typer
from rich.table import Table
from sqlalchemy import select

from app.alerts.service import raise_and_send
from app.cli.common import JsonOpt, app, clear_errors, console, parse_date, print_json, today
from app.collections.config import LadderConfig, config_for, set_config
from app.collections.holds import HoldKind, find_lease, place_hold, release_hold
from app.collections.readiness import Readiness
from app.collections.run import run_collections
from app.collections.schemas import ReadinessView, RunReport
from app.collections.simulate import Simulation, month_of, simulate_in_throwaway
from app.collections.views import list_steps, readiness_view
from app.config import get_settings
from app.db import session_factory, transaction
from app.errors import InvalidInput, NotFound
from app.models import Property
from app.money import format_cents
from app.outreach.settings import SlackSettings

collections_app = typer.Typer(help="Readiness and the delinquency ladder.", no_args_is_help=True)
app.add_typer(collections_app, name="collections")

SHOWN = 40
MAX_STEPS = 5_000
"""The most steps `collections steps` lists at once: as many as one read of them returns."""
ActorOpt = Annotated[str, typer.Option(help="Who acts (recorded in the audit log).")]


@collections_app.command("run")
@clear_errors
def run(
    day: Annotated[
        str | None, typer.Option("--date", help="The day to run for (YYYY-MM-DD); default today.")
    ] = None,
    actor: ActorOpt = "collections",
    as_json: JsonOpt = False,
) -> None:
    """Run the ladder for a day: classify every account that owes, fire the steps that fall due, and print
    the day's reconciliation. A second run the same day does nothing."""
    settings = get_settings()
    now = today(settings)
    run_on = now if day is None else parse_date(day, option="--date")
    with transaction(session_factory(settings)) as session:
        report = run_collections(session, run_on=run_on, today=now, data_dir=settings.data_dir, actor=actor)
    # Committed: alert staff to accounts that entered the legal queue (and SLA breaches), never blocking.
    alerts = raise_and_send(
        session_factory(settings),
        SlackSettings(),
        now=datetime.now(UTC),
        public_url=settings.DOORSTEP_PUBLIC_URL,
    )
    if as_json:
        print_json(report)
    else:
        _render_run(report)
        if line := alerts.summary():
            console.print(line, highlight=False)


def _render_run(r: RunReport) -> None:
    if r.already_ran:
        console.print(
            f"[bold]collections already ran for {r.run_on}[/bold] (run {r.run_id}): nothing was done now; "
            "that run's reconciliation:",
            highlight=False,
        )
    else:
        console.print(f"[bold]collections run {r.run_id} for {r.run_on}[/bold]", highlight=False)
    counts = "  ".join(f"{k} {v}" for k, v in r.readiness.items() if v)
    console.print(
        f"{r.accounts} accounts with a balance ({counts or 'none'}); {r.changed} changed since the last run",
        highlight=False,
    )
    steps = sum(len(a.steps) for a in r.advanced)
    console.print(
        f"advanced {len(r.advanced)} accounts ({steps} steps); fees posted {len(r.fees)} "
        f"({format_cents(r.fees_cents)}); notices {len(r.notices)}; "
        f"entered the legal queue {len(r.legal_queue)}",
        highlight=False,
    )
    if r.advanced:
        table = Table(title="Accounts advanced", title_justify="left")
        for column in ("lease", "property", "period", "readiness", "steps"):
            table.add_column(column)
        for a in r.advanced[:SHOWN]:
            table.add_row(a.lease, a.property, str(a.period), a.readiness.value, ", ".join(a.steps))
        console.print(table)
    if r.fees:
        table = Table(title="Late fees posted", title_justify="left")
        for column, justify in (
            ("lease", "left"),
            ("period", "left"),
            ("amount", "right"),
            ("entry", "right"),
        ):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        for f in r.fees[:SHOWN]:
            table.add_row(f.lease, str(f.period), format_cents(f.amount_cents), str(f.entry_id))
        console.print(table)
    for n in r.notices[:SHOWN]:
        console.print(f"notice {n.kind.replace('_', ' ')} {n.lease}: {n.path}", highlight=False)
    for q in r.legal_queue[:SHOWN]:
        console.print(
            f"legal queue {q.lease}: rent short {format_cents(q.rent_short_cents)}, "
            f"formal notice {q.formal_notice_on}",
            highlight=False,
        )
    if r.skipped:
        why = ", ".join(f"{k} {v}" for k, v in r.skipped_counts.items())
        console.print(f"skipped {len(r.skipped)} steps: {why}", highlight=False)
        for s in [s for s in r.skipped if s.reason != "superseded"][:SHOWN]:
            console.print(f"  {s.lease} {s.step} ({s.period}): {s.reason} - {s.detail}", highlight=False)
    shown = max(len(r.advanced), len(r.fees), len(r.notices), len(r.skipped))
    if shown > SHOWN:
        console.print("... --json lists everything")


@collections_app.command("readiness")
@clear_errors
def readiness(
    day: Annotated[str | None, typer.Option("--date", help="A run's day; default the latest run.")] = None,
    status: Annotated[Readiness | None, typer.Option(help="Only accounts in this class.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The accounts a run classified, with reasons, and what changed since the run before it."""
    settings = get_settings()
    run_on = None if day is None else parse_date(day, option="--date")
    with transaction(session_factory(settings)) as session:
        view = readiness_view(session, run_on=run_on, status=status)
    if run_on is not None and view.run_on is None:
        raise NotFound(f"collections did not run for {run_on}")
    if as_json:
        print_json(view)
    else:
        _render_readiness(view)


def _render_readiness(v: ReadinessView) -> None:
    if v.run_on is None:
        console.print("collections has not run yet: `doorstep collections run`")
        return
    console.print(
        f"[bold]readiness on {v.run_on}[/bold] (previous run {v.previous_run_on or 'none'}): "
        + "  ".join(f"{k} {n}" for k, n in v.counts.items() if n),
        highlight=False,
    )
    table = Table()
    for column in ("lease", "property", "class", "short", "first reason"):
        table.add_column(column)
    for a in v.accounts[:SHOWN]:
        first = a.reasons[0] if a.reasons else None
        table.add_row(
            a.lease,
            a.property,
            a.status.value,
            format_cents(a.short_cents),
            f"{first.code}: {first.detail}" if first else "",
        )
    console.print(table)
    if v.changes:
        console.print(f"{len(v.changes)} changes since {v.previous_run_on or 'nothing'}:", highlight=False)
        for c in v.changes[:SHOWN]:
            before = c.before.value if c.before else "-"
            after = c.after.value if c.after else "-"
            console.print(f"  {c.lease}: {c.change} {before} -> {after}", highlight=False)


@collections_app.command("simulate")
@clear_errors
def simulate(
    month: Annotated[str, typer.Option("--month", help="The month to replay, YYYY-MM.")],
    units: Annotated[int, typer.Option(help="Units in the demo portfolio.")] = 240,
    seed: Annotated[int, typer.Option(help="The demo portfolio's random seed.")] = 7,
    as_json: JsonOpt = False,
) -> None:
    """Replay a month of the demo portfolio day by day in a throwaway database (never this instance's),
    running the ladder each day, and print how it did against its goals."""
    if not 3 <= units <= 2_000:
        raise InvalidInput("--units must be between 3 and 2,000 for a simulation")
    first = month_of(month)
    result = simulate_in_throwaway(
        month=first,
        units=units,
        seed=seed,
        progress=None if as_json else lambda m: console.print(f"[dim]{m}[/]"),
    )
    if as_json:
        print_json(result.figures)
    else:
        _render_simulation(result)


def _render_simulation(s: Simulation) -> None:
    f, d = s.figures, s.detail
    ratio = f"{f.fees_posted / f.fees_eligible:.0%}" if f.fees_eligible else "n/a"
    table = Table(title=f"Collections simulation, {d.month:%B %Y} ({d.days} days, {d.seconds} s)")
    for column in ("figure", "value", "goal"):
        table.add_column(column)
    table.add_row("fees posted / lease-eligible", f"{f.fees_posted} / {f.fees_eligible} ({ratio})", "100%")
    table.add_row("wrongful fees (account had paid)", str(f.wrongful_fees), "0")
    table.add_row("steps to disputed, plan or blocked accounts", str(f.notices_to_blocked), "0")
    table.add_row("sends outside quiet hours", str(f.outside_quiet_hours), "0")
    table.add_row("sends to opted-out residents", str(f.to_opted_out), "0")
    console.print(table)
    console.print(
        f"{d.leases} leases; payments: {d.card_payments} card, {d.ach_payments} ACH "
        f"({d.ach_cleared} cleared, {d.ach_returned} returned), {d.office_payments} check or money order; "
        f"{d.chargebacks} chargeback, "
        f"{d.blocks} bankruptcy block",
        highlight=False,
    )
    console.print(
        "steps: "
        + ", ".join(f"{k} {v}" for k, v in d.steps.items())
        + f"; fees {format_cents(d.fees_cents)}",
        highlight=False,
    )
    console.print(
        "account-days by readiness: " + ", ".join(f"{k} {v}" for k, v in d.readiness_days.items()),
        highlight=False,
    )
    console.print(
        "outreach (through the real sending path, simulated clock): "
        + ", ".join(f"{k} {v}" for k, v in d.outreach.items()),
        highlight=False,
    )
    for label, items in (("missed", d.missed), ("wrongful", d.wrongful), ("to blocked", d.blocked_steps)):
        if items:
            console.print(f"{label}: " + "; ".join(items[:20]), highlight=False)


@collections_app.command("hold")
@clear_errors
def hold(
    lease: Annotated[str, typer.Argument(help="Lease reference (L20001) or a resident's (R10001).")],
    reason: Annotated[str, typer.Option(help="Why, for the staff who read it.")],
    kind: Annotated[
        str, typer.Option(help="hold (the ladder waits), legal or bankruptcy (nothing automatic at all).")
    ] = "hold",
    until: Annotated[
        str | None, typer.Option(help="The last day it holds (YYYY-MM-DD); default until released.")
    ] = None,
    actor: ActorOpt = "cli",
    as_json: JsonOpt = False,
) -> None:
    """Stop the ladder on a lease: a hold, or a legal or bankruptcy block."""
    settings = get_settings()
    if kind not in ("hold", "legal", "bankruptcy"):
        raise InvalidInput("--kind must be hold, legal or bankruptcy")
    until_on = None if until is None else parse_date(until, option="--until")
    with transaction(session_factory(settings)) as session:
        found = find_lease(session, lease)
        row = place_hold(
            session,
            lease_id=found.id,
            kind=cast(HoldKind, kind),
            reason=reason,
            actor=actor,
            today=today(settings),
            until_on=until_on,
        )
        out = {"hold_id": row.id, "lease": found.ref, "kind": row.kind, "until_on": row.until_on}
    if as_json:
        print_json(out)
    else:
        console.print(f"hold {out['hold_id']} placed on {found.ref} ({kind})", highlight=False)


@collections_app.command("release")
@clear_errors
def release(
    hold_id: Annotated[int, typer.Argument(help="The hold's id, as `collections hold` printed it.")],
    note: Annotated[str, typer.Option(help="Why it is released.")] = "",
    actor: ActorOpt = "cli",
    as_json: JsonOpt = False,
) -> None:
    """Release a hold or block: the ladder resumes on its next run."""
    settings = get_settings()
    with transaction(session_factory(settings)) as session:
        row = release_hold(session, hold_id=hold_id, actor=actor, today=today(settings), note=note)
        out = {"hold_id": row.id, "released_on": row.released_on, "released_by": row.released_by}
    if as_json:
        print_json(out)
    else:
        console.print(f"hold {hold_id} released", highlight=False)


@collections_app.command("config")
@clear_errors
def config(
    property_code: Annotated[str, typer.Argument(help="The property's code (maple-court).")],
    changes: Annotated[
        list[str] | None,
        typer.Option("--set", help="NAME=VALUE (repeatable); NAME= puts the default back."),
    ] = None,
    actor: ActorOpt = "cli",
    as_json: JsonOpt = False,
) -> None:
    """Show a property's ladder settings, or change them with --set (validated as a whole, audited)."""
    settings = get_settings()
    parsed = _parse_changes(changes or [])
    with transaction(session_factory(settings)) as session:
        prop = session.scalars(select(Property).where(Property.code == property_code.strip().lower())).first()
        if prop is None:
            raise NotFound(f"no property {property_code!r}")
        if parsed:
            set_config(session, property_id=prop.id, changes=parsed, actor=actor)
        effective, override = config_for(session, prop.id)
    out = {"property": prop.code, "settings": effective.model_dump(), "overrides": override}
    if as_json:
        print_json(out)
        return
    table = Table(title=f"Ladder settings at {prop.code}")
    for column in ("setting", "value", "set here"):
        table.add_column(column)
    for name, value in effective.model_dump().items():
        table.add_row(name, str(value), "yes" if name in override else "")
    console.print(table)


def _parse_changes(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in LadderConfig.model_fields:
            raise InvalidInput(
                f"--set {item!r}: write NAME=VALUE, NAME one of {', '.join(LadderConfig.model_fields)}"
            )
        value = value.strip()
        if not value:
            out[name] = None
        elif value.lower() in ("true", "false"):
            out[name] = value.lower() == "true"
        elif value.lstrip("-").isdigit():
            out[name] = int(value)
        else:
            raise InvalidInput(f"--set {item!r}: {value!r} is neither a whole number nor true/false")
    return out


@collections_app.command("steps")
@clear_errors
def steps(
    after_id: Annotated[int, typer.Option(help="Only steps with a higher id (what outreach read last).")] = 0,
    step: Annotated[str | None, typer.Option(help="Only this step (legal_queue: the legal queue).")] = None,
    limit: Annotated[int, typer.Option(help=f"At most this many (1 to {MAX_STEPS:,}).")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """The steps fired, oldest first: what outreach drafts from, and the legal queue."""
    # Checked here rather than with Typer's min/max, whose refusal is a multi-line usage box: a number out
    # of range is one line on stderr and exit 2, as every other refusal (`clear_errors`).
    if not 1 <= limit <= MAX_STEPS:
        raise InvalidInput(f"--limit {limit}: give a number from 1 to {MAX_STEPS:,}")
    settings = get_settings()
    with transaction(session_factory(settings)) as session:
        rows = list_steps(session, after_id=after_id, step=step, limit=limit)
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table()
    for column in ("id", "lease", "period", "step", "fired", "short", "amount", "document"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            str(r.id),
            r.lease,
            str(r.period),
            r.step,
            str(r.fired_on),
            format_cents(r.short_cents),
            format_cents(r.amount_cents) if r.amount_cents is not None else "",
            r.document_path or "",
        )
    console.print(table)
