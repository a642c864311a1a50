"""The conversation dataset: it loads, covers what the issue asks for, and every key in it resolves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agents.intents import Intent
from evals.conversations.dataset import (
    ESCALATION_REASONS,
    TOOL_NAMES,
    DatasetError,
    Scenario,
    load_scenarios,
    select,
)
from evals.conversations.environment import EvalEnvironment
from tools.escalation import EscalationReason
from tools.registry import TOOLS


@pytest.fixture(scope="module")
def scenarios() -> list[Scenario]:
    return load_scenarios()


def test_the_dataset_is_big_enough_and_about_a_quarter_spanish(scenarios: list[Scenario]) -> None:
    assert len(scenarios) >= 160
    spanish = sum(s.expect.language == "es" for s in scenarios)
    assert 0.22 <= spanish / len(scenarios) <= 0.35
    assert sum(len(s.turns) > 1 for s in scenarios) >= 10


def test_every_intent_has_scenarios(scenarios: list[Scenario]) -> None:
    tags = {tag for s in scenarios for tag in s.tags}
    assert {intent.value for intent in Intent} <= tags


@pytest.mark.parametrize(
    "trap",
    ["other_resident", "injection", "waiver", "conflict", "other_language", "pii", "malformed", "follow_up"],
)
def test_every_trap_is_in_the_dataset(scenarios: list[Scenario], trap: str) -> None:
    assert any(trap in s.tags for s in scenarios)


def test_conflict_scenarios_bring_their_own_documents(scenarios: list[Scenario]) -> None:
    conflicts = [s for s in scenarios if "conflict" in s.tags]
    assert conflicts and all(s.extra_documents and s.needs_documents for s in conflicts)


def test_the_datasets_names_match_the_app() -> None:
    assert set(TOOLS) == TOOL_NAMES
    assert {reason.value for reason in EscalationReason} == ESCALATION_REASONS


def test_every_persona_and_fact_resolves_on_the_demo_portfolio(
    scenarios: list[Scenario], conversation_env: EvalEnvironment
) -> None:
    problems = []
    for scenario in scenarios:
        try:
            persona = conversation_env.persona(scenario.persona)
            for key in scenario.expect.all_facts():
                conversation_env.resolver.resolve(
                    key,
                    resident_id=persona.resident_id,
                    property_code=persona.property_code,
                    language=scenario.expect.language,
                )
        except (KeyError, ValueError) as exc:
            problems.append(f"{scenario.id}: {exc}")
    assert problems == []


def _write(tmp_path: Path, *lines: dict[str, Any]) -> Path:
    path = tmp_path / "conversations.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return path


GOOD = {
    "id": "ok-01",
    "persona": "on_time",
    "turns": ["hi"],
    "expect": {"escalate": False},
    "tags": ["greeting"],
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"expect": {"escalate": False, "tools": ["get_everything"]}}, "unknown tool"),
        ({"expect": {"escalate": False, "facts": ["balance.owed"]}}, "unknown fact key"),
        ({"expect": {"escalate": True, "reason": "bored"}}, "unknown escalation reason"),
        ({"expect": {"escalate": False, "reason": "dispute"}}, "only expected when the scenario escalates"),
        ({"expect": {"escalate": False, "turns": [None, None]}}, "more entries than the scenario has turns"),
        ({"persona": "Sarah Hall"}, "not a persona key"),
        ({"turns": []}, "at least 1 item"),
    ],
)
def test_a_bad_line_is_refused_with_its_line_number(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    path = _write(tmp_path, GOOD, GOOD | {"id": "bad-02"} | change)
    with pytest.raises(DatasetError, match=rf"(?s)line 2: .*{message}"):
        load_scenarios(path)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="duplicate id 'ok-01'"):
        load_scenarios(_write(tmp_path, GOOD, GOOD))


def test_only_selects_by_tag_or_id(tmp_path: Path) -> None:
    loaded = load_scenarios(_write(tmp_path, GOOD, GOOD | {"id": "other-02", "tags": ["balance"]}))
    assert [s.id for s in select(loaded, ("balance",))] == ["other-02"]
    assert [s.id for s in select(loaded, ("ok-01",))] == ["ok-01"]
    assert len(select(loaded, ())) == 2


def test_an_unknown_tag_is_an_error_not_an_empty_pass() -> None:
    from evals.conversations.runner import run_conversation_eval

    with pytest.raises(DatasetError, match="no scenario .* has the tag or id nope"):
        run_conversation_eval(only=("nope",))
