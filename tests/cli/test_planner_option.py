"""`--planner chat` without a usable model: one line on stderr and exit 2, before anything else runs.

Every command with a `--planner` option is tried with no OPENAI_API_KEY, with an empty one (as
`OPENAI_API_KEY=` in an env file sets it), and with an OPENAI_BASE_URL where nothing listens. No test
here reaches a model: the refusal comes before any request, and the unreachable server is a closed port
on the loopback interface.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from agents.planners import factory
from app.cli import app
from app.config import Settings, get_settings

runner = CliRunner()


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _commands(tmp_path: Path) -> dict[str, list[str]]:
    qa = tmp_path / "qa.jsonl"
    qa.write_text('{"question": "when is rent due", "answer": "the 1st", "evidence": "x"}\n')
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "policy.md").write_text("# Policy\n\nRent is due on the 1st.\n")
    return {
        "ask": ["ask", "when is rent due?", "--planner", "chat"],
        "chat": ["chat", "--resident", "R10028", "--planner", "chat"],
        "eval documents": [
            "eval",
            "documents",
            "--docs",
            str(tmp_path / "docs"),
            "--qa",
            str(qa),
            "--planner",
            "chat",
        ],
    }


NO_MODEL = "the chat planner needs a model: set OPENAI_API_KEY"


@pytest.mark.parametrize("command", ["ask", "chat", "eval documents"])
@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, NO_MODEL),
        ({"OPENAI_API_KEY": ""}, NO_MODEL),
        ({"OPENAI_API_KEY": "  "}, NO_MODEL),
        (
            {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": "http://127.0.0.1:{port}/v1"},
            "cannot reach the chat model",
        ),
        ({"OPENAI_BASE_URL": "http://127.0.0.1:{port}/v1"}, "cannot reach the chat model"),
    ],
    ids=["no key", "empty key", "blank key", "unreachable server", "unreachable local server"],
)
def test_chat_planner_without_a_usable_model_is_one_line_and_exit_2(
    command: str, environment: dict[str, str], expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = _closed_port()
    for name, value in environment.items():
        monkeypatch.setenv(name, value.format(port=port))

    result = runner.invoke(app, _commands(tmp_path)[command], input="")

    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and expected in lines[0] and "--planner offline" in lines[0]
    if "cannot reach" in expected:
        assert f"http://127.0.0.1:{port}/v1 (Connection refused)" in lines[0]


def test_an_openai_base_url_that_is_not_a_url_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "localhost:8080")

    result = runner.invoke(app, _commands(tmp_path)["ask"])

    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["error: OPENAI_BASE_URL 'localhost:8080' is not an http(s) URL"]


def test_a_blank_key_leaves_the_offline_planner_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    offline = object()
    monkeypatch.setattr(factory, "make_offline_planner", lambda _settings: offline)

    blank = Settings(ENVIRONMENT="test", OPENAI_API_KEY=SecretStr(""))

    assert factory.make_planner(blank) is offline
    assert factory.default_kind(Settings(ENVIRONMENT="test", OPENAI_API_KEY=SecretStr("sk-test"))) == "chat"
