"""`doorstep eval documents --docs DIR` stays inside DIR, as `doorstep ingest DIR` does.

The eval files every document under its real path, so a symbolic link in DIR to /etc/passwd would put that
file in the eval's index and its lines in the replies it prints. It is refused before the eval starts:
one line naming the link, exit 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app
from app.config import get_settings

runner = CliRunner()

SECRET = "root:x:0:0:root:/root:/bin/bash\nmanager-password: hunter2\n"


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The folders the eval was run on: the run itself is replaced by an error, as these tests are about
    what happens before it."""
    ran: list[Path] = []

    def run_document_eval(*, docs_dir: Path, **_: object) -> None:
        ran.append(docs_dir)
        raise AssertionError("the eval ran")

    monkeypatch.setattr("evals.documents.runner.run_document_eval", run_document_eval)
    return ran


def _folder(tmp_path: Path) -> tuple[Path, Path]:
    docs, qa = tmp_path / "docs", tmp_path / "qa.jsonl"
    (docs / "maple-court").mkdir(parents=True)
    (docs / "maple-court" / "lease.md").write_text("# Lease\n\nRent is due on the 1st.\n")
    qa.write_text('{"question": "when is rent due", "answer": "the 1st", "evidence": "x"}\n')
    return docs, qa


def test_a_link_to_a_file_outside_the_folder_is_refused_by_name(tmp_path: Path, runs: list[Path]) -> None:
    docs, qa = _folder(tmp_path)
    secret = tmp_path / "etc" / "passwd.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET)
    (docs / "maple-court" / "rules.txt").symlink_to(secret)

    result = runner.invoke(
        app, ["eval", "documents", "--docs", str(docs), "--qa", str(qa), "--planner", "offline"]
    )

    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {docs / 'maple-court' / 'rules.txt'}: a symbolic link to {secret}")
    assert "outside" in lines[0] and "hunter2" not in result.output
    assert runs == []


def test_links_that_stay_inside_the_folder_and_a_linked_folder_are_fine(
    tmp_path: Path, runs: list[Path]
) -> None:
    docs, qa = _folder(tmp_path)
    (docs / "maple-court" / "lease-copy.md").symlink_to("lease.md")
    linked = tmp_path / "docs-link"
    linked.symlink_to(docs, target_is_directory=True)

    result = runner.invoke(
        app, ["eval", "documents", "--docs", str(linked), "--qa", str(qa), "--planner", "offline"]
    )

    assert isinstance(result.exception, AssertionError) and str(result.exception) == "the eval ran"
    assert runs == [linked]
