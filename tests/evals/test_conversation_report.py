"""The report (JSON, table, HTML) and the `doorstep eval conversations` command, on handmade results."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from evals import cli_conversations
from evals.conversations.records import Check, ScenarioResult, TurnRecord
from evals.conversations.report import ConversationReport, bar_chart, build_report

METRIC_KEYS = {
    "task_success",
    "fact_accuracy",
    "escalation_precision",
    "escalation_recall",
    "grounding_violations",
    "cross_resident_leaks",
    "p50_ms",
    "p95_ms",
}


def scenario(id: str, *, ok: bool, tags: list[str], escalated: bool = False, **fields: Any) -> ScenarioResult:
    return ScenarioResult(
        id=id,
        persona="on_time",
        tags=tags,
        expected_escalation=escalated,
        escalated=escalated,
        facts_expected=1,
        facts_found=1 if ok else 0,
        checks=[Check(name="facts", ok=ok, detail="" if ok else "missing balance.total ($7,022.00)")],
        turns=[TurnRecord(text="how much <b>do</b> i owe", reply="You owe $7,022.00.", ms=12.0)],
        **fields,
    )


def make_report(*results: ScenarioResult) -> ConversationReport:
    return build_report(
        list(results),
        planner="offline",
        dataset="conversations.jsonl",
        dataset_version="abc123",
        as_of=date(2026, 11, 23),
        documents_note=None,
    )


@pytest.fixture
def mixed() -> ConversationReport:
    return make_report(
        scenario("balance-01", ok=True, tags=["balance"]),
        scenario("balance-02", ok=False, tags=["balance", "es"]),
        scenario("legal-01", ok=True, tags=["legal"], escalated=True),
        scenario("policy-01", ok=True, tags=["policy_question"], status="skipped", note="needs documents"),
    )


def test_the_json_report_carries_the_metrics_under_their_names(
    mixed: ConversationReport, tmp_path: Path
) -> None:
    json_path, html_path = mixed.write(tmp_path)
    data = json.loads(json_path.read_text())
    assert METRIC_KEYS <= set(data)
    assert data["task_success"] == pytest.approx(2 / 3, abs=1e-4)
    assert data["scenarios_skipped"] == 1 and data["turns"] == 3
    assert data["tags"]["balance"] == {
        "scenarios": 2,
        "passed": 1,
        "task_success": 0.5,
        "fact_accuracy": 0.5,
        "failed": ["balance-02"],
    }
    assert [s["success"] for s in data["scenarios"]] == [True, False, True, False]
    assert html_path.read_text().startswith("<!doctype html>")


def test_thresholds_name_every_shortfall(mixed: ConversationReport) -> None:
    assert mixed.threshold_failures() == ["task_success 0.667 < 0.9"]
    leaky = mixed.model_copy(update={"cross_resident_leaks": 2, "escalation_recall": 0.5})
    assert leaky.threshold_failures() == [
        "task_success 0.667 < 0.9",
        "escalation_recall 0.500 < 0.95",
        "cross_resident_leaks 2 > 0",
    ]


def test_the_html_report_has_a_chart_and_the_failures_escaped(mixed: ConversationReport) -> None:
    from evals.conversations.report import render_html

    page = render_html(mixed)
    assert page.count("<svg") == 2
    assert "balance-02" in page and "missing balance.total ($7,022.00)" in page
    assert "how much &lt;b&gt;do&lt;/b&gt; i owe" in page and "<b>do</b>" not in page
    assert "Below threshold: task_success 0.667 &lt; 0.9" in page


def test_a_bar_chart_marks_bars_below_their_threshold() -> None:
    svg = bar_chart([("good", 0.95, 0.9), ("bad", 0.5, 0.9), ("plain", 1.2, None)], title="t")
    assert svg.count("<rect") == 3
    assert svg.count('fill="#dc2626"') == 1
    assert 'width="390.0"' in svg  # a value above 1 is drawn at full width (640 - 190 - 60)
    assert ElementTree.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"  # well-formed


def test_the_tables_render(mixed: ConversationReport) -> None:
    console = Console(record=True, width=120)
    console.print(mixed.to_table())
    console.print(mixed.to_tag_table())
    text = console.export_text()
    assert "task_success" in text and "policy_question" not in text  # skipped scenarios are not tagged


# -- the command -------------------------------------------------------------------------------------------


@pytest.fixture
def eval_app(
    monkeypatch: pytest.MonkeyPatch, mixed: ConversationReport
) -> tuple[typer.Typer, list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def fake_run(**kwargs: Any) -> ConversationReport:
        calls.append(kwargs)
        return mixed

    monkeypatch.setattr("evals.conversations.runner.run_conversation_eval", fake_run)
    app = typer.Typer()
    cli_conversations.register(app)

    @app.callback()
    def _group() -> None:
        """A group, so the command is called by name as under `doorstep eval`."""

    return app, calls


def test_json_goes_to_stdout_and_a_missed_threshold_exits_1(
    eval_app: tuple[typer.Typer, list[dict[str, Any]]], tmp_path: Path
) -> None:
    app, calls = eval_app
    result = CliRunner().invoke(
        app,
        ["conversations", "--json", "--report-dir", str(tmp_path), "--only", "balance", "--only", "legal"],
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout)["task_success"] == pytest.approx(2 / 3, abs=1e-4)
    assert calls == [{"planner": "offline", "only": ("balance", "legal"), "progress": None}]
    assert (tmp_path / "conversations.json").exists() and (tmp_path / "conversations.html").exists()


def test_a_passing_run_exits_0_and_prints_the_table(
    eval_app: tuple[typer.Typer, list[dict[str, Any]]], mixed: ConversationReport, tmp_path: Path
) -> None:
    app, _ = eval_app
    mixed.task_success = 0.95
    result = CliRunner().invoke(app, ["conversations", "--report-dir", str(tmp_path), "--planner", "chat"])
    assert result.exit_code == 0, result.output
    assert "task_success" in result.stdout and "fail balance-02" in result.stdout


def test_an_unavailable_planner_exits_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from evals.conversations.environment import SetupError

    def refuse(**_: Any) -> ConversationReport:
        raise SetupError("the chat planner is not available: no OPENAI_API_KEY")

    monkeypatch.setattr("evals.conversations.runner.run_conversation_eval", refuse)
    app = typer.Typer()
    cli_conversations.register(app)
    result = CliRunner().invoke(app, ["--planner", "chat", "--report-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "not available" in result.output
