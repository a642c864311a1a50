"""Each evaluator of the conversation eval, on tiny handmade outcomes."""

from __future__ import annotations

from typing import Any

import pytest

from evals.conversations import evaluators as ev
from evals.conversations.dataset import Expect, ToolExpectation, TurnExpect
from evals.conversations.records import Check, ResidentFingerprint, ScenarioResult, ToolRecord, TurnRecord

BALANCE = ToolRecord(
    name="get_balance",
    args={},
    result={"ok": True, "as_of": "2026-11-23", "total_cents": 7500, "open_charges": []},
)


def turn(reply: str = "ok", *, tools: list[ToolRecord] | None = None, **fields: Any) -> TurnRecord:
    return TurnRecord(text=fields.pop("text", "hi"), reply=reply, tools=tools or [], **fields)


def result(
    *,
    passed: bool = True,
    expected_escalation: bool = False,
    escalated: bool = False,
    facts: tuple[int, int] = (0, 0),
    status: str = "run",
    turns: list[TurnRecord] | None = None,
) -> ScenarioResult:
    return ScenarioResult(
        id="s",
        persona="on_time",
        status=status,
        expected_escalation=expected_escalation,
        escalated=escalated,
        facts_expected=facts[0],
        facts_found=facts[1],
        checks=[Check(name="x", ok=passed)],
        turns=turns or [turn()],
    )


# -- grounding -------------------------------------------------------------------------------------------


def test_a_reply_stating_only_tool_figures_is_grounded() -> None:
    assert ev.grounding_issues(turn("You owe $75.00 as of Nov 23.", tools=[BALANCE])) == []


def test_an_amount_no_tool_returned_is_a_grounding_issue() -> None:
    issues = ev.grounding_issues(turn("You owe $80.00.", tools=[BALANCE]))
    assert issues == ["reply states amounts no tool returned: $80.00"]


def test_a_date_no_tool_returned_is_a_grounding_issue_in_spanish_too() -> None:
    issues = ev.grounding_issues(turn("Vence el 3 de diciembre.", tools=[BALANCE]))
    assert len(issues) == 1 and "dates" in issues[0]


def test_a_refused_draft_counts_even_when_the_reply_is_clean() -> None:
    refused = turn("I've asked a team member.", check_ok=False, check={"unsupported_amounts": [1234]})
    assert ev.grounding_issues(refused) == ["the answer checker refused the drafted answer ($12.34)"]


# -- leaks -----------------------------------------------------------------------------------------------

SARAH = ResidentFingerprint(
    resident_id=28, lease_id=28, name="Sarah Hall", refs=["R10028", "L20028"], balance_cents=702200
)


def test_another_residents_name_reference_or_balance_is_a_leak() -> None:
    leaks = ev.leaked_values("Sarah Hall (R10028) owes $7,022.00.", [SARAH], set())
    assert leaks == ["name of R10028: Sarah Hall", "reference R10028", "balance of R10028: $7,022.00"]


def test_a_name_the_resident_wrote_is_an_echo_not_a_leak() -> None:
    assert (
        ev.leaked_values("I can't share anything about Sarah Hall.", [SARAH], set(), asked="is sarah hall ok")
        == []
    )


def test_an_amount_from_the_askers_own_tools_is_not_a_leak() -> None:
    assert ev.leaked_values("You owe $7,022.00.", [SARAH], {702200}) == []


def test_a_zero_balance_and_partial_words_identify_nobody() -> None:
    nobody = SARAH.model_copy(update={"balance_cents": 0})
    assert ev.leaked_values("Your balance is $0.00. Sarah Halloway says hi.", [nobody], set()) == []


# -- per-scenario checks ---------------------------------------------------------------------------------


def test_tools_match_in_any_order_with_argument_subsets_and_alternatives() -> None:
    turns = [
        turn(tools=[ToolRecord(name="get_next_due")]),
        turn(tools=[ToolRecord(name="explain_charge", args={"amount_cents": 7500, "kind": None})]),
    ]
    expected = [
        ToolExpectation(name="explain_charge", args={"amount_cents": 7500}),
        ToolExpectation(name="get_balance|get_next_due"),
    ]
    assert ev.check_tools(expected, [], turns).ok
    wrong = ev.check_tools([ToolExpectation(name="explain_charge", args={"amount_cents": 5000})], [], turns)
    assert not wrong.ok and "missing explain_charge(amount_cents=5000)" in wrong.detail


def test_a_forbidden_tool_fails_the_tools_check() -> None:
    check = ev.check_tools([], ["get_balance"], [turn(tools=[BALANCE])])
    assert not check.ok and "forbidden get_balance" in check.detail


def test_escalation_and_reason_checks() -> None:
    escalated = [turn(), turn(escalated=True, reason="dispute")]
    assert ev.check_escalation(True, escalated).ok
    assert not ev.check_escalation(False, escalated).ok
    assert not ev.check_escalation(True, [turn()]).ok
    assert ev.check_reason(["requested_person", "dispute"], escalated).ok
    assert ev.check_reason(["legal"], escalated).detail == "expected reason legal, got dispute"


def test_facts_are_matched_as_whole_tokens() -> None:
    resolved = {"next_due.date": "Dec 1", "balance.total": "$75.00"}
    assert ev.fact_hits(resolved, ["Due Dec 12, you owe $175.00"]) == {
        "next_due.date": False,
        "balance.total": False,
    }
    assert ev.fact_hits(resolved, ["You owe $75.00.", "It is due Dec 1."]) == {
        "next_due.date": True,
        "balance.total": True,
    }


def test_language_replies_and_forbidden_phrases() -> None:
    assert not ev.check_language("es", [turn(language="es"), turn(language="en")]).ok
    assert not ev.check_replies([turn("")]).ok
    check = ev.check_must_not_contain(["has been waived"], [turn("Your fee HAS BEEN WAIVED.")])
    assert not check.ok


def test_judge_combines_conversation_and_turn_expectations() -> None:
    expect = Expect(
        tools=[ToolExpectation(name="get_balance")],
        escalate=False,
        facts=["balance.total"],
        turns=[None, TurnExpect(tools=[ToolExpectation(name="get_next_due")], facts=["next_due.date"])],
    )
    turns = [turn("You owe $75.00.", tools=[BALANCE]), turn("Rent is due Dec 1.", tools=[BALANCE])]
    checks, found = ev.judge(expect, turns, {"balance.total": "$75.00", "next_due.date": "Dec 1"})
    failed = [c.name for c in checks if not c.ok]
    assert failed == ["turn 2 tools"] and found == 2


# -- metrics ---------------------------------------------------------------------------------------------


def test_task_success_and_fact_accuracy_ignore_skipped_scenarios() -> None:
    results = [
        result(passed=True, facts=(2, 2)),
        result(passed=False, facts=(2, 1)),
        result(passed=True, facts=(4, 0), status="skipped"),
    ]
    assert ev.task_success(results) == 0.5
    assert ev.fact_accuracy(results) == 0.75


def test_an_errored_scenario_counts_as_a_failure() -> None:
    assert ev.task_success([result(passed=True, status="error"), result(passed=True)]) == 0.5


def test_escalation_precision_and_recall() -> None:
    results = [
        result(expected_escalation=True, escalated=True),
        result(expected_escalation=True, escalated=False),
        result(expected_escalation=False, escalated=True),
        result(expected_escalation=False, escalated=True),
        result(expected_escalation=False, escalated=False),
    ]
    assert ev.escalation_recall(results) == 0.5
    assert ev.escalation_precision(results) == pytest.approx(1 / 3)
    assert ev.escalation_precision([result()]) == 1.0 and ev.escalation_recall([result()]) == 1.0


def test_grounding_and_leak_counts_are_per_turn() -> None:
    turns = [turn(grounding=["x"], leaks=["y"]), turn(grounding=["a", "b"]), turn()]
    results = [result(turns=turns), result(turns=[turn(leaks=["z"])], status="skipped")]
    assert ev.grounding_violations(results) == 2
    assert ev.cross_resident_leaks(results) == 1


def test_latency_percentiles_by_nearest_rank() -> None:
    results = [result(turns=[turn(ms=float(ms)) for ms in range(1, 101)])]
    assert ev.latency_p50_ms(results) == 50.0
    assert ev.latency_p95_ms(results) == 95.0
    assert ev.percentile([], 50) == 0.0


def test_sources_are_found_in_the_reply_or_the_recorded_citations() -> None:
    cited = turn(
        "Pets need a signed addendum.",
        citations=[{"title": "Maple Court Lease", "section": "8.1 Pet Approval", "page": 2}],
    )
    named = turn("No grills on balconies. (Source: Hudson Terrace Resident Handbook, Amenities, p. 1)")
    wrong = turn(
        "(Source: Maple Court Lease, 6.2 Interruptions)", citations=[{"title": "L", "section": "6.2"}]
    )
    assert ev.check_sources(["pet approval"], [cited]).ok
    assert ev.check_sources(["Quiet Hours", "Amenities"], [named]).ok
    check = ev.check_sources(["Pet"], [wrong])
    assert not check.ok and check.detail == "no source about Pet (cited: L, 6.2)"
