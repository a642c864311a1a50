"""`doorstep digest`: the manager digest, per property, as a table, JSON or the email body."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated

import typer
from rich.table import Table

from app.cli.common import AsOfOpt, JsonOpt, app, clear_errors, console, parse_day, print_json
from app.config import get_settings
from app.db import session_factory
from app.digest.build import Digest, PropertyDigest
from app.digest.email import render_email
from app.digest.service import DEFAULT_HORIZON_DAYS, DEFAULT_PERIOD_DAYS, make_digest
from app.errors import InvalidInput
from app.money import format_cents


@app.command("digest")
@clear_errors
def digest(
    property_code: Annotated[
        str | None, typer.Option("--property", help="Only this property (its code).")
    ] = None,
    as_of: AsOfOpt = None,
    days: Annotated[
        int, typer.Option(help="The period fees and escalations are counted over.")
    ] = DEFAULT_PERIOD_DAYS,
    horizon: Annotated[
        int, typer.Option(help="Days ahead that expected collections cover.")
    ] = DEFAULT_HORIZON_DAYS,
    email: Annotated[
        str | None, typer.Option("--email", help="Print the email body, text or html, instead of the table.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Per property: delinquency by age, fees posted, payment plans, escalations against SLA, and
    collections expected (installments plus rent weighted by each lease's late-payment risk)."""
    if email not in (None, "text", "html"):
        raise InvalidInput(f"--email {email!r}: write --email text or --email html")
    settings = get_settings()
    day = parse_day(as_of, settings)
    with session_factory(settings)() as session:
        result = make_digest(
            session,
            as_of=day,
            cache_dir=settings.data_dir / "models",
            property_code=property_code,
            period_days=days,
            horizon_days=horizon,
            default_timezone=settings.DOORSTEP_TIMEZONE,
        )
    if as_json:
        print_json(result)
    elif email is not None:
        body = render_email(result)
        sys.stdout.write(body.text if email == "text" else body.html)
    else:
        _print(result)


def _print(d: Digest) -> None:
    console.print(
        f"[bold]Manager digest[/bold] {d.period_start} to {d.period_end}; "
        f"expected collections {d.as_of} to {d.horizon_end}",
        highlight=False,
    )
    sections = [*d.properties, *([d.portfolio] if d.portfolio else [])]
    table = Table("", *(p.code for p in sections), title="By property")
    for label, value in _ROWS:
        table.add_row(label, *(value(p) for p in sections))
    console.print(table)
    for p in sections:
        if p.riskiest:
            risky = Table("lease", "resident", "risk", "why", title=f"Likeliest to pay late: {p.name}")
            for r in p.riskiest:
                risky.add_row(
                    r.lease_ref, r.resident_name or "-", f"{r.probability:.0%}", "; ".join(r.reasons)
                )
            console.print(risky)
    if d.risk.available:
        console.print(
            f"risk model: held-out AUC {d.risk.holdout_auc:.3f}, "
            f"Brier {d.risk.holdout_brier:.4f} ({d.risk.note})",
            highlight=False,
        )
    else:
        console.print(f"risk model unavailable: {d.risk.note}", highlight=False)


def _bucket(name: str) -> tuple[str, Callable[[PropertyDigest], str]]:
    def value(p: PropertyDigest) -> str:
        line = next(b for b in p.delinquency.buckets if b.bucket == name)
        return f"{format_cents(line.cents)} ({line.leases})"

    return f"  {name} days (leases)", value


_ROWS: list[tuple[str, Callable[[PropertyDigest], str]]] = [
    ("active leases", lambda p: str(p.active_leases)),
    ("delinquent", lambda p: f"{format_cents(p.delinquency.total_cents)} ({p.delinquency.leases})"),
    *(_bucket(b) for b in ("0-30", "31-60", "61-90", "90+")),
    ("late fees posted", lambda p: f"{p.fees.late_fees}: {format_cents(p.fees.late_fee_cents)}"),
    ("returned-payment fees", lambda p: f"{p.fees.nsf_fees}: {format_cents(p.fees.nsf_fee_cents)}"),
    ("fees reversed", lambda p: f"{p.fees.reversed}: {format_cents(p.fees.reversed_cents)}"),
    ("plans active / broken", lambda p: f"{p.plans.active} / {p.plans.broken}"),
    ("escalations open", lambda p: str(p.escalations.open)),
    ("  past SLA, unanswered", lambda p: str(p.escalations.breached)),
    ("  opened / resolved", lambda p: f"{p.escalations.opened} / {p.escalations.resolved}"),
    ("rent due (leases)", lambda p: f"{format_cents(p.expected.rent_due_cents)} ({p.expected.leases_due})"),
    ("  expected on time", lambda p: format_cents(p.expected.expected_rent_cents)),
    ("installments due", lambda p: format_cents(p.expected.installments_cents)),
    ("expected in all", lambda p: format_cents(p.expected.expected_total_cents)),
]
