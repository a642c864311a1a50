"""`doorstep digest`: the table, JSON, and the email bodies; one-line errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from app.cli import app
from tests.support.databases import DEMO_AS_OF, Database

runner = CliRunner()
AS_OF = ["--as-of", DEMO_AS_OF.isoformat()]


def test_digest_json_has_a_section_per_property_and_the_portfolio(cli_db: Database) -> None:
    result = runner.invoke(app, ["digest", *AS_OF, "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [p["code"] for p in body["properties"]] == ["aspen-ridge", "hudson-terrace", "maple-court"]
    assert body["portfolio"]["code"] == "all"
    assert body["portfolio"]["delinquency"]["total_cents"] == sum(
        p["delinquency"]["total_cents"] for p in body["properties"]
    )
    assert (body["period_start"], body["period_end"]) == ("2026-11-17", "2026-11-23")


def test_digest_for_one_property_over_a_chosen_period(cli_db: Database) -> None:
    args = ["digest", *AS_OF, "--property", "maple-court", "--days", "30", "--horizon", "10", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [p["code"] for p in body["properties"]] == ["maple-court"] and body["portfolio"] is None
    assert body["period_start"] == "2026-10-25" and body["horizon_end"] == "2026-12-02"
    assert body["properties"][0]["fees"]["late_fees"] > 0  # November's late fees are in a 30-day period


def test_digest_table_and_email_bodies(cli_db: Database) -> None:
    table = runner.invoke(app, ["digest", *AS_OF], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "By property" in table.stdout and "expected in all" in table.stdout
    text = runner.invoke(app, ["digest", *AS_OF, "--property", "hudson-terrace", "--email", "text"])
    assert text.exit_code == 0, text.output
    assert text.stdout.startswith("Doorstep digest: Hudson Terrace") and "Delinquency:" in text.stdout
    page = runner.invoke(app, ["digest", *AS_OF, "--email", "html"])
    assert page.exit_code == 0, page.output
    assert page.stdout.startswith("<!doctype html>") and "Hudson Terrace" in page.stdout


def test_bad_options_are_one_line_and_exit_2(cli_db: Database) -> None:
    for args, words in (
        (["digest", *AS_OF, "--property", "nowhere"], "no property 'nowhere'"),
        (["digest", *AS_OF, "--email", "pdf"], "--email 'pdf'"),
        (["digest", *AS_OF, "--days", "0"], "period must be 1 to 366 days"),
        (["digest", "--as-of", "yesterday"], "not a real date"),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert words in result.output
