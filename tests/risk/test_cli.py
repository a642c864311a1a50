"""`doorstep risk report` and `doorstep risk scores`: JSON for scripts, tables for people, one-line errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from app.cli import app
from app.config import get_settings
from app.risk.store import PREFIX
from tests.support.databases import DEMO_AS_OF, Database

runner = CliRunner()
AS_OF = ["--as-of", DEMO_AS_OF.isoformat()]


def test_report_json_has_the_held_out_figures(cli_db: Database) -> None:
    result = runner.invoke(app, ["risk", "report", *AS_OF, "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["holdout_months"] == ["2026-09", "2026-10", "2026-11"]
    assert body["holdout"]["auc"] >= 0.85
    assert body["holdout"]["brier"] < body["holdout"]["brier_reference"]
    assert [b["decile"] for b in body["holdout"]["reliability"]] == list(range(1, 11))
    assert [c["feature"] for c in body["coefficients"]][0] == "late_share"
    assert list((get_settings().data_dir / "models").glob(f"{PREFIX}*.json"))


def test_report_table_prints_auc_brier_and_deciles(cli_db: Database) -> None:
    result = runner.invoke(app, ["risk", "report", *AS_OF], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    for words in ("held-out AUC", "Brier", "Reliability on the held-out months", "late_share"):
        assert words in result.stdout


def test_scores_json_lists_leases_with_reasons(cli_db: Database) -> None:
    result = runner.invoke(
        app, ["risk", "scores", *AS_OF, "--property", "maple-court", "--limit", "3", "--json"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert len(body) == 3
    assert all(row["property_code"] == "maple-court" and row["reasons"] for row in body)
    assert body[0]["risk_bp"] >= body[-1]["risk_bp"]


def test_scores_text_marks_each_reason_up_or_down(cli_db: Database) -> None:
    result = runner.invoke(app, ["risk", "scores", *AS_OF, "--limit", "2"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "riskiest first" in result.stdout
    assert "    + " in result.stdout


def test_bad_input_is_one_line_and_exit_2(cli_db: Database) -> None:
    for args, words in (
        (["risk", "scores", *AS_OF, "--property", "nowhere"], "no property 'nowhere'"),
        (["risk", "scores", *AS_OF, "--limit", "0"], "--limit must be at least 1"),
        (["risk", "report", "--as-of", "2026-02-30"], "not a real date"),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert words in result.output
