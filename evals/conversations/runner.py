"""Play every scenario against the assistant and score the run.

Each scenario gets a fresh copy of the seeded database, its own conversation id and, when it has
`extra_documents`, those documents ingested for its length only. Each turn goes through
`Assistant.respond` exactly as a channel would send it; the turn's tool results are read back from the
graph's checkpoint so grounding can be checked against them. Facts are resolved before the scenario
runs, on the untouched template database.
"""

from __future__ import annotations

import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from evals.conversations.dataset import (
    DATASET,
    DatasetError,
    Scenario,
    dataset_version,
    load_scenarios,
    select,
)
from evals.conversations.environment import AS_OF, EvalEnvironment, PersonaRef, open_environment
from evals.conversations.evaluators import grounding_issues, judge, leaked_values, own_amounts
from evals.conversations.facts import FactError
from evals.conversations.records import ResidentFingerprint, ScenarioResult, ToolRecord, TurnRecord
from evals.conversations.report import ConversationReport, build_report

Progress = Callable[[ScenarioResult], None]


def run_conversation_eval(
    *,
    planner: str = "offline",
    dataset: Path = DATASET,
    only: Sequence[str] = (),
    environment: EvalEnvironment | None = None,
    progress: Progress | None = None,
) -> ConversationReport:
    """Score one planner kind on the dataset (or the scenarios tagged with any of `only`).

    Pass an `environment` to share one seeded and ingested setup between runs (tests, several planner
    kinds); without one, a temporary environment is built and removed.
    """
    scenarios = select(load_scenarios(dataset), tuple(only))
    if not scenarios:
        raise DatasetError(f"no scenario of {dataset.name} has the tag or id {', '.join(only)}")
    if environment is None:
        with open_environment() as env:
            return _run(env, planner, scenarios, dataset, progress)
    return _run(environment, planner, scenarios, dataset, progress)


def _run(
    env: EvalEnvironment,
    planner: str,
    scenarios: Sequence[Scenario],
    dataset: Path,
    progress: Progress | None,
) -> ConversationReport:
    env.planner(planner)  # fail before the first scenario when the planner cannot be built
    results = []
    for scenario in scenarios:
        result = run_scenario(env, planner, scenario)
        results.append(result)
        if progress is not None:
            progress(result)
    return build_report(
        results,
        planner=planner,
        dataset=dataset.name,
        dataset_version=dataset_version(dataset),
        as_of=AS_OF,
        documents_note=env.documents_note,
    )


def run_scenario(env: EvalEnvironment, planner: str, scenario: Scenario) -> ScenarioResult:
    """Play one scenario in a fresh conversation on a fresh database and judge it."""
    base = ScenarioResult(
        id=scenario.id,
        persona=scenario.persona,
        tags=scenario.tags,
        expected_escalation=scenario.expect.escalate,
        facts_expected=len(scenario.expect.all_facts()),
    )
    if scenario.needs_documents and env.retriever is None:
        return base.model_copy(update={"status": "skipped", "note": f"needs documents: {env.documents_note}"})
    try:
        persona = env.persona(scenario.persona)
        resolved = {
            key: env.resolver.resolve(
                key,
                resident_id=persona.resident_id,
                property_code=persona.property_code,
                language=scenario.expect.language,
            )
            for key in scenario.expect.all_facts()
        }
        others = env.others(persona, scenario.turns)
    except (KeyError, FactError) as exc:
        return base.model_copy(update={"status": "error", "note": f"dataset: {exc}"})
    turns: list[TurnRecord] = []
    try:
        with env.extra_documents(
            scenario.extra_documents, property_code=persona.property_code, scenario_id=scenario.id
        ):
            turns = play(env, planner, scenario, persona, others)
    except Exception as exc:  # the assistant must answer every message; a crash fails the scenario
        note = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}"
        return base.model_copy(update={"status": "error", "note": note, "turns": turns})
    checks, found = judge(scenario.expect, turns, resolved)
    return base.model_copy(
        update={
            "escalated": any(turn.escalated for turn in turns),
            "facts_found": found,
            "checks": checks,
            "turns": turns,
        }
    )


def play(
    env: EvalEnvironment,
    planner: str,
    scenario: Scenario,
    persona: PersonaRef,
    others: Sequence[ResidentFingerprint],
) -> list[TurnRecord]:
    """Send the scenario's messages one by one and record each turn."""
    from agents.assistant.runner import Assistant

    graph = env.graph(planner)
    conversation_id = f"eval-{scenario.id}-{uuid.uuid4().hex[:8]}"
    config: Any = {"configurable": {"thread_id": conversation_id}}
    turns: list[TurnRecord] = []
    with env.fresh_database() as sessions:
        assistant = Assistant(
            sessions=sessions,
            graph=graph,
            planner=env.planner(planner),
            today=lambda: AS_OF,
            retriever=env.retriever,
        )
        for message in scenario.turns:
            started = time.perf_counter()
            outcome = assistant.respond(
                conversation_id=conversation_id,
                text=message,
                resident_id=persona.resident_id,
                channel=scenario.channel,
                property_code=persona.property_code,
            )
            ms = (time.perf_counter() - started) * 1000
            state = graph.get_state(config).values.get("turn", {})
            tools = [
                ToolRecord(name=r["name"], args=r["args"], result=r["result"]) for r in state.get("runs", [])
            ]
            turn = TurnRecord(
                text=message,
                reply=outcome.reply or "",
                escalated=outcome.escalated,
                reason=outcome.reason,
                intent=outcome.intent,
                intents=outcome.intents,
                language=outcome.language,
                check_ok=outcome.check_ok,
                check=state.get("check", {}),
                tools=tools,
                citations=outcome.citations,
                ms=round(ms, 2),
            )
            turn.grounding = grounding_issues(turn)
            asked = "\n".join(t.text for t in turns) + "\n" + message
            turn.leaks = leaked_values(turn.reply, others, own_amounts(tools), asked=asked)
            turns.append(turn)
    return turns
