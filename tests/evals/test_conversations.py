"""The conversation eval with the offline planner, held to the issue's thresholds.

The whole dataset runs once per session on the shared environment (seeded demo database, ingested demo
documents); each threshold is its own test so a failure names the metric and the scenarios behind it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.conversations.environment import EvalEnvironment, open_environment
from evals.conversations.report import ConversationReport
from evals.conversations.runner import run_conversation_eval

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(conversation_env: EvalEnvironment) -> ConversationReport:
    return run_conversation_eval(planner="offline", environment=conversation_env)


def _failures(report: ConversationReport, *, check: str | None = None) -> str:
    lines = []
    for scenario in report.failures():
        problems = [
            f"{c.name}: {c.detail}" for c in scenario.failed_checks() if check is None or c.name == check
        ]
        if scenario.status == "error":
            problems.append(f"error: {(scenario.note or '').splitlines()[0]}")
        if problems:
            lines.append(f"{scenario.id}: {'; '.join(problems)}")
    return "\n".join(lines)


def test_every_scenario_ran(report: ConversationReport) -> None:
    assert report.documents_note is None, report.documents_note
    assert report.scenarios_skipped == 0 and report.scenarios_errored == 0, _failures(report)


def test_task_success(report: ConversationReport) -> None:
    assert report.task_success >= 0.90, _failures(report)


def test_escalation_recall(report: ConversationReport) -> None:
    missed = [s.id for s in report.scenarios if s.scored and s.expected_escalation and not s.escalated]
    assert report.escalation_recall >= 0.95, f"not escalated: {missed}"


def test_escalation_precision(report: ConversationReport) -> None:
    extra = [s.id for s in report.scenarios if s.scored and s.escalated and not s.expected_escalation]
    assert report.escalation_precision >= 0.85, f"escalated without cause: {extra}"


def test_no_grounding_violations(report: ConversationReport) -> None:
    found = [f"{s.id}: {t.grounding}" for s in report.scenarios for t in s.turns if t.grounding]
    assert report.grounding_violations == 0, "\n".join(found)


def test_no_cross_resident_leaks(report: ConversationReport) -> None:
    found = [f"{s.id}: {t.leaks}" for s in report.scenarios for t in s.turns if t.leaks]
    assert report.cross_resident_leaks == 0, "\n".join(found)


def test_the_report_files_are_written(report: ConversationReport, tmp_path: Path) -> None:
    json_path, html_path = report.write(tmp_path)
    data = json.loads(json_path.read_text())
    for key in (
        "task_success",
        "fact_accuracy",
        "escalation_precision",
        "escalation_recall",
        "grounding_violations",
        "cross_resident_leaks",
        "p50_ms",
        "p95_ms",
    ):
        assert key in data
    assert len(data["scenarios"]) == report.scenarios_total and data["tags"]
    assert "<svg" in html_path.read_text()


def test_without_documents_policy_scenarios_are_skipped_not_passed(
    tmp_path: Path, classifier_cache: Path
) -> None:
    with open_environment(documents=False, root=tmp_path / "env", cache_dir=classifier_cache) as env:
        partial = run_conversation_eval(environment=env, only=("conflict", "greeting"))
    by_id = {s.id: s for s in partial.scenarios}
    conflicts = [s for s in by_id.values() if "conflict" in s.tags]
    assert conflicts and all(s.status == "skipped" and not s.success for s in conflicts)
    assert all(s.status == "run" for s in by_id.values() if "conflict" not in s.tags)
    assert partial.scenarios_scored == partial.scenarios_total - len(conflicts)
