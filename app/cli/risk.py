"""`doorstep risk report` and `doorstep risk scores`: the late-payment model, measured and applied."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from app.cli.common import AsOfOpt, JsonOpt, app, clear_errors, console, parse_day, print_json
from app.config import get_settings
from app.db import session_factory
from app.errors import InvalidInput
from app.money import format_cents
from app.risk.service import RiskReport, load_or_train, risk_report, score_leases

risk_app = typer.Typer(help="The late-payment risk score.", no_args_is_help=True)
app.add_typer(risk_app, name="risk")

PropertyOpt = Annotated[str | None, typer.Option("--property", help="Only this property (its code).")]


@risk_app.command("report")
@clear_errors
def report(as_of: AsOfOpt = None, as_json: JsonOpt = False) -> None:
    """Train (or read the cached) model on the ledger as of a day, and print its held-out AUC, Brier
    score, reliability by decile and weights."""
    settings = get_settings()
    day = parse_day(as_of, settings)
    with session_factory(settings)() as session:
        trained = load_or_train(session, cache_dir=settings.data_dir / "models", as_of=day)
    result = risk_report(trained)
    if as_json:
        print_json(result)
    else:
        _print_report(result)


def _print_report(r: RiskReport) -> None:
    h = r.holdout
    console.print(
        f"[bold]Late-payment risk model[/bold] on the ledger as of {r.as_of} (model {r.model_key})",
        highlight=False,
    )
    console.print(
        f"trained on due months {r.train_months[0]}..{r.train_months[-1]} "
        f"({r.train_examples} lease-months, {r.train_late_rate:.1%} late); "
        f"held out {', '.join(r.holdout_months)} ({h.examples} lease-months, {h.late} late)",
        highlight=False,
    )
    console.print(
        f"held-out AUC [bold]{h.auc:.3f}[/bold]   Brier [bold]{h.brier:.4f}[/bold] "
        f"(predicting the training late rate for everyone: {h.brier_reference:.4f})",
        highlight=False,
    )
    table = Table(
        "decile", "months", "predicted", "observed", "range", title="Reliability on the held-out months"
    )
    for b in h.reliability:
        table.add_row(
            str(b.decile),
            str(b.count),
            f"{b.mean_predicted:.3f}",
            f"{b.observed_rate:.3f}",
            f"{b.low:.3f}-{b.high:.3f}",
        )
    console.print(table)
    weights = Table(
        "feature",
        "meaning",
        "weight",
        "mean",
        title=f"Scoring model: refit on {r.scoring_examples} lease-months",
    )
    for c in r.coefficients:
        weights.add_row(c.feature, c.label, f"{c.weight:+.3f}" if c.weight else "set aside", f"{c.mean:.3f}")
    console.print(weights)
    console.print(
        "weight: change in log-odds of paying late per standard deviation of the feature; a feature is set "
        "aside when it never varies or its fitted weight runs against its meaning",
        highlight=False,
    )


@risk_app.command("scores")
@clear_errors
def scores(
    property_code: PropertyOpt = None,
    as_of: AsOfOpt = None,
    limit: Annotated[int, typer.Option(help="Show at most this many leases, riskiest first.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Each active lease's risk of paying its next rent late, riskiest first, with its top reasons."""
    if limit < 1:
        raise InvalidInput("--limit must be at least 1")
    settings = get_settings()
    day = parse_day(as_of, settings)
    with session_factory(settings)() as session:
        trained = load_or_train(session, cache_dir=settings.data_dir / "models", as_of=day)
        result = score_leases(session, trained.model, as_of=day, property_code=property_code)[:limit]
    if as_json:
        print_json([s.model_dump(mode="json") for s in result])
        return
    console.print(f"[bold]Late-payment risk on {day}[/bold], riskiest first", highlight=False)
    for score in result:
        who = f"{score.resident_name} ({score.resident_ref})" if score.resident_ref else "-"
        console.print(
            f"{score.lease_ref}  {who}  [bold]{score.probability:.0%}[/bold] {score.band}  "
            f"next due {format_cents(score.next_due_cents)} on {score.next_due_on}",
            highlight=False,
        )
        for r in score.reasons:
            sign = {"raises": "+", "lowers": "-"}.get(r.direction, " ")
            console.print(f"    {sign} {r.text}", highlight=False)
