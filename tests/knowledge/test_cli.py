"""`doorstep ingest`, `doorstep ask` and `doorstep eval retrieval`, on a throwaway Typer app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import evals.retrieval
from app.cli.knowledge import register
from app.config import get_settings
from evals.retrieval import evaluate_retrieval, load_cases
from tests.knowledge.conftest import DemoCorpus
from tests.knowledge.support import write


def _app() -> typer.Typer:
    app = typer.Typer()
    eval_app = typer.Typer()
    app.add_typer(eval_app, name="eval")
    register(app, eval_app)
    return app


@pytest.fixture
def on_demo_corpus(demo_corpus: DemoCorpus, monkeypatch: pytest.MonkeyPatch) -> DemoCorpus:
    """Point the CLI's settings (read from the environment) at the session's demo corpus."""
    monkeypatch.setenv("DOORSTEP_DATA_DIR", str(demo_corpus.settings.data_dir))
    get_settings.cache_clear()
    return demo_corpus


def test_ask_json_has_exactly_the_documented_shape(on_demo_corpus: DemoCorpus) -> None:
    result = CliRunner().invoke(
        _app(), ["ask", "how much is the late fee", "--property", "maple-court", "--json", "-k", "3"]
    )

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert list(body) == ["question", "passages"]
    assert body["question"] == "how much is the late fee"
    assert len(body["passages"]) == 3
    assert all(set(p) == {"text", "title", "page", "section", "source", "score"} for p in body["passages"])
    assert body["passages"][0]["title"] == "Maple Court Apartments Residential Lease Agreement"


def test_ask_prints_passages_with_citations(on_demo_corpus: DemoCorpus) -> None:
    result = CliRunner().invoke(_app(), ["ask", "pool hours", "--property", "maple-court", "-k", "1"])

    assert result.exit_code == 0
    assert "Maple Court Apartments Resident Handbook" in result.stdout and "Amenities" in result.stdout


def test_ingest_command_reports_json_and_fails_with_exit_1(tmp_path: Path) -> None:
    write(tmp_path / "docs" / "faq.md", "# FAQ\n\n## Receipts\n\nEvery payment gets a receipt.\n")
    write(tmp_path / "docs" / "broken.pdf", b"%PDF-1.4 not really")

    result = CliRunner().invoke(_app(), ["ingest", str(tmp_path / "docs"), "--type", "faq", "--json"])

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["files"] == 1 and [Path(f["path"]).name for f in report["failed"]] == ["broken.pdf"]


def test_ingest_command_prints_a_summary_table(tmp_path: Path) -> None:
    write(tmp_path / "faq.md", "# FAQ\n\n## Receipts\n\nEvery payment gets a receipt.\n")

    result = CliRunner().invoke(
        _app(), ["ingest", str(tmp_path / "faq.md"), "--type", "faq", "--property", "maple-court"]
    )

    assert result.exit_code == 0, result.output
    assert "faq.md" in result.stdout and "ingested" in result.stdout


def test_ingest_command_rejects_a_bad_property_code_and_type(tmp_path: Path) -> None:
    bad_property = CliRunner().invoke(
        _app(), ["ingest", str(tmp_path), "--type", "faq", "--property", "Maple Court"]
    )
    bad_type = CliRunner().invoke(_app(), ["ingest", str(tmp_path), "--type", "memo"])

    assert bad_property.exit_code == 2 and bad_type.exit_code == 2


def test_eval_retrieval_json_has_the_ci_keys(
    demo_corpus: DemoCorpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = evaluate_retrieval(demo_corpus.retriever, load_cases()[:12])
    monkeypatch.setattr(evals.retrieval, "run_retrieval_eval", lambda: report)

    result = CliRunner().invoke(_app(), ["eval", "retrieval", "--json"])

    body = json.loads(result.stdout)
    assert {"recall_at_1", "recall_at_5", "mrr", "dense_recall_at_5", "p95_ms"} <= set(body)
    assert result.exit_code == (1 if report.threshold_failures() else 0)
