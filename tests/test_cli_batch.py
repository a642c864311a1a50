"""`doorstep ask --batch FILE`: many questions in one process, one conversation and one answer a line."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app
from app.config import get_settings
from tests.knowledge.support import pinned_tiktoken_cache

runner = CliRunner()

POLICY = """# Payment Policy

Rent is due on the first day of each month. A $25.00 late charge is added after the fifth day of the month.
The office does not accept cash.
"""


@pytest.fixture(scope="module")
def _tiktoken_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield from pinned_tiktoken_cache(tmp_path_factory)


@pytest.fixture
def instance(tmp_path: Path, trained_models: Path, _tiktoken_cache: Path) -> Path:
    """A migrated instance in the test's data directory, with one property's payment policy ingested."""
    data = tmp_path / "data"
    get_settings.cache_clear()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    shutil.copytree(trained_models, data / "models")
    policy = tmp_path / "payment_policy.md"
    policy.write_text(POLICY)
    ingested = runner.invoke(
        app, ["ingest", str(policy), "--type", "policy", "--property", "maple-court", "--json"]
    )
    assert ingested.exit_code == 0, ingested.output
    return data


def _batch(path: Path, *lines: dict[str, object] | str) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def test_batch_answers_every_line_in_the_shape_of_ask_json(instance: Path, tmp_path: Path) -> None:
    batch = _batch(
        tmp_path / "questions.jsonl",
        {"text": "how much is the late fee", "property": "maple-court"},
        "",
        {"text": "can i pay in cash?", "property": "maple-court"},
        {"text": "what's the pool schedule"},
    )

    result = runner.invoke(app, ["ask", "--batch", str(batch), "--json"])
    single = runner.invoke(app, ["ask", "how much is the late fee", "--property", "maple-court", "--json"])

    assert result.exit_code == 0, result.output
    assert single.exit_code == 0, single.output
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    expected = json.loads(single.stdout)
    assert [a["question"] for a in answers] == [
        "how much is the late fee",
        "can i pay in cash?",
        "what's the pool schedule",
    ]
    assert all(set(a) == set(expected) for a in answers)
    assert answers[0]["passages"] and answers[0]["passages"][0]["title"] == expected["passages"][0]["title"]
    assert answers[2]["passages"] == []  # no portfolio-wide documents: the property's are not searched


def test_batch_without_json_prints_each_question_and_its_answer(instance: Path, tmp_path: Path) -> None:
    batch = _batch(
        tmp_path / "questions.jsonl", {"text": "how much is the late fee", "property": "maple-court"}
    )

    result = runner.invoke(app, ["ask", "--batch", str(batch)], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    assert "how much is the late fee" in result.output and "answer" in result.output


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([{"text": "ok"}, {"question": "wrong key"}], "line 2: text: Field required"),
        ([{"text": "ok"}, "{oops"], "line 2: not a JSON object"),
        ([{"text": "ok", "proprety": "maple-court"}], "line 1: proprety: Extra inputs are not permitted"),
        ([{"text": "ok", "resident": "R1", "property": "maple-court"}], "line 1: give resident or property"),
        ([{"text": "ok"}, {"text": "what do i owe", "resident": "nobody@example.com"}], "line 2:"),
        ([], "no lines to answer"),
    ],
)
def test_a_bad_batch_is_one_clear_line_and_answers_nothing(
    instance: Path, tmp_path: Path, lines: list[dict[str, object] | str], message: str
) -> None:
    batch = _batch(tmp_path / "questions.jsonl", *lines)

    result = runner.invoke(app, ["ask", "--batch", str(batch), "--json"], env={"COLUMNS": "300"})

    assert result.exit_code == 2, result.output
    shown = [line for line in result.output.splitlines() if line.strip()]
    assert len(shown) == 1 and message in shown[0], result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["ask", "a question too", "--batch", "questions.jsonl"],
        ["ask", "--batch", "questions.jsonl", "--property", "maple-court"],
        ["ask"],
    ],
)
def test_batch_takes_its_questions_only_from_the_file(args: list[str]) -> None:
    result = runner.invoke(app, args, env={"COLUMNS": "300"})

    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
