"""`doorstep eval documents` end to end on a tiny folder of documents and questions made here."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app

runner = CliRunner()

LEASE = """# Residential Lease

## 3. Rent

Rent is due on the first day of each month. A $25.00 late charge is added to rent received after the
fifth day of the month. A check returned by the bank costs a $40 returned check fee.

## 5. Pets

Residents may keep one cat. Dogs are not allowed in the building.
"""
POLICY = """# Payment Policy

Rent may be paid through the resident portal or by money order at the office. The office does not accept
cash.
"""
QUESTIONS = [
    {
        "question": "how much is the late fee??",
        "answer": "$25",
        "evidence": "A $25.00 late charge is added to rent received after the fifth day of the month.",
        "doc": "maple-court/lease.md",
        "landlord": "maple-court",
        "kind": "amount",
        "conflict": False,
    },
    {
        "question": "can i pay my rent in cash",
        "answer": "no",
        "evidence": "The office does not accept cash.",
        "landlord": "maple-court",
        "kind": "yesno",
    },
    {"question": "is the gym open on sundays", "answer": "", "evidence": "", "landlord": "maple-court"},
    {"question": "whats the late fee", "answer": "$10", "evidence": "x", "landlord": "elm-row"},
]


@pytest.fixture(scope="module")
def eval_cache(trained_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The eval's classifier cache, holding the session's trained classifier (no training per test)."""
    cache = tmp_path_factory.mktemp("documents-eval-cache")
    shutil.copytree(trained_models, cache / "models")
    return cache


@pytest.fixture(autouse=True)
def _cached_classifier(eval_cache: Path, _eval_tiktoken_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("evals.conversations.environment.default_cache_dir", lambda: eval_cache)


def _docs(root: Path) -> Path:
    (root / "maple-court").mkdir(parents=True)
    (root / "maple-court" / "lease.md").write_text(LEASE)
    (root / "maple-court" / "payment_policy.md").write_text(POLICY)
    return root


def _qa(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_eval_documents_json_reports_the_figures_and_touches_no_instance(tmp_path: Path) -> None:
    docs, qa = _docs(tmp_path / "docs"), _qa(tmp_path / "qa.jsonl", QUESTIONS)

    result = runner.invoke(app, ["eval", "documents", "--docs", str(docs), "--qa", str(qa), "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {"retrieval_hit", "answer_accuracy", "conflicts_flagged", "escalated", "questions"} <= set(report)
    assert report["questions"] == 3
    assert report["retrieval_hit"] == 1.0
    assert 0.0 <= report["answer_accuracy"] <= 1.0
    assert set(report["by_landlord"]) == {"maple-court"}
    assert [s["line"] for s in report["skipped"]] == [4]
    assert all({"question", "reply", "correct", "retrieval_hit"} <= set(f) for f in report["failures"])
    # The instance's own data directory (the tests' DOORSTEP_DATA_DIR) was never created.
    assert not (tmp_path / "data").exists()


def test_eval_documents_prints_a_table_by_landlord(tmp_path: Path) -> None:
    docs, qa = _docs(tmp_path / "docs"), _qa(tmp_path / "qa.jsonl", QUESTIONS[:1])

    result = runner.invoke(
        app, ["eval", "documents", "--docs", str(docs), "--qa", str(qa)], env={"COLUMNS": "200"}
    )

    assert result.exit_code == 0, result.output
    assert "maple-court" in result.output and "hit@5" in result.output
    assert "retrieval_hit 1.000" in result.output


def _one_error_line(result: object) -> str:
    output = getattr(result, "output", "")
    lines = [line for line in output.splitlines() if line.strip()]
    assert getattr(result, "exit_code", None) == 2, output
    assert len(lines) == 1 and "Traceback" not in output, output
    return lines[0]


def test_an_empty_folder_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    qa = _qa(tmp_path / "qa.jsonl", QUESTIONS[:1])

    line = _one_error_line(
        runner.invoke(
            app,
            ["eval", "documents", "--docs", str(tmp_path / "docs"), "--qa", str(qa)],
            env={"COLUMNS": "300"},
        )
    )

    assert "no documents to ingest" in line
    assert not (tmp_path / "data").exists()


def test_a_corrupt_file_is_one_clear_line(tmp_path: Path) -> None:
    docs = _docs(tmp_path / "docs")
    (docs / "maple-court" / "house_rules.pdf").write_bytes(b"%PDF-1.7\n this is not really a pdf \n%%EOF")
    qa = _qa(tmp_path / "qa.jsonl", QUESTIONS[:1])

    line = _one_error_line(
        runner.invoke(
            app, ["eval", "documents", "--docs", str(docs), "--qa", str(qa)], env={"COLUMNS": "300"}
        )
    )

    assert "maple-court/house_rules.pdf" in line and "cannot be ingested" in line
    assert not (tmp_path / "data").exists()


def test_a_qa_line_without_an_answer_is_one_clear_line(tmp_path: Path) -> None:
    docs = _docs(tmp_path / "docs")
    qa = _qa(tmp_path / "qa.jsonl", [QUESTIONS[0], {"question": "when is rent due", "evidence": "x"}])

    line = _one_error_line(
        runner.invoke(
            app, ["eval", "documents", "--docs", str(docs), "--qa", str(qa)], env={"COLUMNS": "300"}
        )
    )

    assert 'line 2: no "answer"' in line
    assert not (tmp_path / "data").exists()
