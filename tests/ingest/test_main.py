"""`python -m ingest` is the same command as `doorstep ingest`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ingest.__main__ import app
from tests.knowledge.support import write


def test_python_m_ingest_ingests_with_the_cli_options(tmp_path: Path) -> None:
    path = write(tmp_path / "faq.md", "# FAQ\n\n## Receipts\n\nEvery payment gets a receipt.\n")

    result = CliRunner().invoke(app, [str(path), "--type", "faq", "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["files"], report["chunks"], report["failed"]) == (1, 1, [])
    assert (tmp_path / "data" / "chroma").is_dir()  # the data dir the test environment set


def test_python_m_ingest_exits_1_when_a_file_fails(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.md", "")

    result = CliRunner().invoke(app, [str(path), "--type", "faq", "--property", "maple-court", "--json"])

    assert result.exit_code == 1
    assert json.loads(result.stdout)["failed"][0]["reason"] == "empty file"
