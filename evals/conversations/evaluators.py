"""One small evaluator per metric, and the per-scenario checks they aggregate.

Everything here is a pure function of the records in `records.py` (and, for facts, of strings already
resolved), so each one is unit-tested on handmade outcomes. The metrics:

- `task_success`: share of scored scenarios whose every check passed (tools, escalation and reason,
  facts, language, must_not_contain, sources, per-turn expectations, a reply to every message);
- `fact_accuracy`: expected facts found in the replies over expected facts, across scenarios;
- `escalation_precision` / `escalation_recall`: a scenario is positive when it expects an escalation and
  predicted positive when any of its turns escalated;
- `grounding_violations`: turns whose draft the answer checker refused, plus turns whose reply states a
  $ amount or a date that none of that turn's tool results contain (re-checked here with
  `agents.checker`, independently of the graph);
- `cross_resident_leaks`: turns whose reply contains another resident's name, reference or balance
  (a balance only when that amount is absent from the asker's own tool results of the turn);
- `latency_p50_ms` / `latency_p95_ms`: wall time of `Assistant.respond` per turn.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from agents.checker import check_answer, facts_from
from app.formatting import money
from evals.conversations.dataset import Expect, ToolExpectation, TurnExpect
from evals.conversations.facts import appears
from evals.conversations.records import Check, ResidentFingerprint, ScenarioResult, ToolRecord, TurnRecord

# -- per-turn detectors ----------------------------------------------------------------------------------


def grounding_issues(turn: TurnRecord) -> list[str]:
    """Why this turn is not grounded: the checker refused its draft, or its reply states an amount or a
    date that no tool result of the turn contains. Empty when grounded."""
    issues: list[str] = []
    if not turn.check_ok:
        refused = [money(a) for a in turn.check.get("unsupported_amounts", [])]
        refused += ["-".join(str(part or "?") for part in d) for d in turn.check.get("unsupported_dates", [])]
        issues.append(
            "the answer checker refused the drafted answer" + (f" ({', '.join(refused)})" if refused else "")
        )
    result = check_answer(turn.reply, facts_from(tool.result for tool in turn.tools))
    if result.unsupported_amounts:
        issues.append(
            "reply states amounts no tool returned: "
            + ", ".join(money(a) for a in result.unsupported_amounts)
        )
    if result.unsupported_dates:
        shown = ", ".join(f"{y or '?'}-{m:02d}-{d:02d}" for y, m, d in result.unsupported_dates)
        issues.append(f"reply states dates no tool returned: {shown}")
    return issues


def own_amounts(tools: Iterable[ToolRecord]) -> set[int]:
    """Every amount (cents) the turn's tool results state: all of them are the asker's own."""
    return facts_from(tool.result for tool in tools).amounts


def leaked_values(
    reply: str, others: Sequence[ResidentFingerprint], allowed_amounts: set[int], *, asked: str = ""
) -> list[str]:
    """Another resident's name, reference or balance in `reply`.

    A name or reference the asker wrote themselves (`asked`: their messages so far) is an echo, not a
    disclosure. A balance counts whoever brought it up, unless the amount is one of the asker's own
    (`allowed_amounts`, from this turn's tool results); a zero balance identifies nobody.
    """
    found: list[str] = []
    for other in others:
        label = other.refs[0] if other.refs else str(other.resident_id)
        if _has_words(reply, other.name) and not _has_words(asked, other.name):
            found.append(f"name of {label}: {other.name}")
        found += [
            f"reference {ref}" for ref in other.refs if _has_words(reply, ref) and not _has_words(asked, ref)
        ]
        balance = abs(other.balance_cents)
        if balance and balance not in allowed_amounts and appears(money(balance), reply):
            found.append(f"balance of {label}: {money(balance)}")
    return found


def _has_words(text: str, words: str) -> bool:
    return bool(words) and re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text, re.IGNORECASE) is not None


# -- per-scenario checks ---------------------------------------------------------------------------------


def check_replies(turns: Sequence[TurnRecord]) -> Check:
    """Every message got a reply (the assistant never goes silent on a resident)."""
    silent = [n for n, turn in enumerate(turns, 1) if not turn.reply.strip()]
    return Check(name="replied", ok=not silent, detail=f"no reply to turn(s) {silent}" if silent else "")


def tool_matches(expected: ToolExpectation, call: ToolRecord) -> bool:
    """Same tool, and every expected argument equal to the call's (compared as JSON)."""
    if call.name not in expected.names:
        return False
    return all(_same(call.args.get(key), value) for key, value in expected.args.items())


def _same(actual: Any, expected: Any) -> bool:
    return json.dumps(actual, default=str, sort_keys=True) == json.dumps(
        expected, default=str, sort_keys=True
    )


def _calls(turns: Sequence[TurnRecord]) -> list[ToolRecord]:
    return [tool for turn in turns for tool in turn.tools]


def _call_labels(calls: Sequence[ToolRecord]) -> str:
    return (
        ", ".join(
            call.name + (f"({', '.join(f'{k}={v!r}' for k, v in call.args.items() if v is not None)})")
            for call in calls
            if call.name != "escalate"
        )
        or "none"
    )


def check_tools(
    expected: Sequence[ToolExpectation],
    forbidden: Sequence[str],
    turns: Sequence[TurnRecord],
    *,
    name: str = "tools",
) -> Check:
    """Each expected tool was called (in any order, any turn given); no forbidden tool was."""
    calls = _calls(turns)
    missing = [e.label() for e in expected if not any(tool_matches(e, call) for call in calls)]
    banned = sorted({call.name for call in calls if call.name in forbidden})
    problems = []
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    if banned:
        problems.append(f"forbidden {', '.join(banned)} called")
    detail = f"{'; '.join(problems)} (called: {_call_labels(calls)})" if problems else ""
    return Check(name=name, ok=not problems, detail=detail)


def escalated(turns: Sequence[TurnRecord]) -> bool:
    return any(turn.escalated for turn in turns)


def check_escalation(expected: bool, turns: Sequence[TurnRecord], *, name: str = "escalation") -> Check:
    """The conversation was (or was not) handed to staff, as expected."""
    actual = escalated(turns)
    if actual == expected:
        return Check(name=name, ok=True)
    if expected:
        intents = ", ".join(str(turn.intent) for turn in turns)
        return Check(
            name=name, ok=False, detail=f"expected an escalation, none happened (intents: {intents})"
        )
    reasons = ", ".join(str(turn.reason) for turn in turns if turn.escalated)
    return Check(name=name, ok=False, detail=f"escalated without cause (reason: {reasons})")


def check_reason(accepted: Sequence[str], turns: Sequence[TurnRecord]) -> Check:
    """Some escalation of the conversation gave one of the accepted reasons."""
    reasons = [turn.reason for turn in turns if turn.escalated]
    ok = any(reason in accepted for reason in reasons)
    detail = (
        "" if ok else f"expected reason {' or '.join(accepted)}, got {', '.join(map(str, reasons)) or 'none'}"
    )
    return Check(name="reason", ok=ok, detail=detail)


def fact_hits(resolved: Mapping[str, str], replies: Sequence[str]) -> dict[str, bool]:
    """For each fact key, whether its resolved string appears in any of the replies."""
    return {key: any(appears(text, reply) for reply in replies) for key, text in resolved.items()}


def check_facts(resolved: Mapping[str, str], turns: Sequence[TurnRecord], *, name: str = "facts") -> Check:
    hits = fact_hits(resolved, [turn.reply for turn in turns])
    missing = [f"{key} ({resolved[key]})" for key, hit in hits.items() if not hit]
    return Check(name=name, ok=not missing, detail=f"missing {', '.join(missing)}" if missing else "")


def check_language(expected: str, turns: Sequence[TurnRecord]) -> Check:
    """Every reply is in the expected language."""
    wrong = [f"turn {n}: {turn.language}" for n, turn in enumerate(turns, 1) if turn.language != expected]
    return Check(
        name="language", ok=not wrong, detail=f"expected {expected}, got {'; '.join(wrong)}" if wrong else ""
    )


def check_must_not_contain(phrases: Sequence[str], turns: Sequence[TurnRecord]) -> Check:
    found = sorted({p for p in phrases for turn in turns if p.casefold() in turn.reply.casefold()})
    return Check(name="must_not_contain", ok=not found, detail=f"reply contains {found}" if found else "")


def check_sources(keywords: Sequence[str], turns: Sequence[TurnRecord]) -> Check:
    """Some reply cites a source whose title or section contains one of `keywords` (in its text, as the
    product's answers name their source, or in the citations the assistant recorded)."""
    cited = " ".join(
        [turn.reply for turn in turns]
        + [f"{c.get('title', '')} {c.get('section', '')}" for turn in turns for c in turn.citations]
    ).casefold()
    ok = any(keyword.casefold() in cited for keyword in keywords)
    shown = "; ".join(f"{c.get('title')}, {c.get('section')}" for turn in turns for c in turn.citations)
    detail = "" if ok else f"no source about {' or '.join(keywords)} (cited: {shown or 'nothing'})"
    return Check(name="sources", ok=ok, detail=detail)


def check_turn(number: int, expect: TurnExpect, turn: TurnRecord, resolved: Mapping[str, str]) -> list[Check]:
    """The expectations written for one turn, checked against that turn only."""
    checks: list[Check] = []
    if expect.tools:
        checks.append(check_tools(expect.tools, [], [turn], name=f"turn {number} tools"))
    if expect.escalate is not None:
        checks.append(check_escalation(expect.escalate, [turn], name=f"turn {number} escalation"))
    if expect.facts:
        wanted = {key: resolved[key] for key in expect.facts}
        checks.append(check_facts(wanted, [turn], name=f"turn {number} facts"))
    return checks


def judge(
    expect: Expect, turns: Sequence[TurnRecord], resolved: Mapping[str, str]
) -> tuple[list[Check], int]:
    """All checks of a scenario, and how many of its expected facts were found.

    `resolved` maps every key of `expect.all_facts()` to its string.
    """
    conversation_facts = {key: resolved[key] for key in expect.facts}
    checks = [
        check_replies(turns),
        check_tools(expect.tools, expect.forbid_tools, turns),
        check_escalation(expect.escalate, turns),
    ]
    if expect.reason:
        checks.append(check_reason(expect.reason, turns))
    if conversation_facts:
        checks.append(check_facts(conversation_facts, turns))
    checks.append(check_language(expect.language, turns))
    if expect.must_not_contain:
        checks.append(check_must_not_contain(expect.must_not_contain, turns))
    if expect.sources:
        checks.append(check_sources(expect.sources, turns))
    for number, (turn_expect, turn) in enumerate(zip(expect.turns, turns, strict=False), 1):
        if turn_expect is not None:
            checks += check_turn(number, turn_expect, turn, resolved)
    found = sum(fact_hits(conversation_facts, [t.reply for t in turns]).values())
    for turn_expect, turn in zip(expect.turns, turns, strict=False):
        for key in turn_expect.facts if turn_expect else []:
            found += appears(resolved[key], turn.reply)
    return checks, found


# -- the metrics -----------------------------------------------------------------------------------------


def _scored(results: Iterable[ScenarioResult]) -> list[ScenarioResult]:
    return [r for r in results if r.scored]


def task_success(results: Sequence[ScenarioResult]) -> float:
    """Share of scored scenarios whose every expectation was met (errors count as failures)."""
    scored = _scored(results)
    return sum(r.passed for r in scored) / len(scored) if scored else 0.0


def fact_accuracy(results: Sequence[ScenarioResult]) -> float:
    """Expected facts present in the replies over expected facts, across scored scenarios (1.0 if none)."""
    scored = _scored(results)
    expected = sum(r.facts_expected for r in scored)
    return sum(r.facts_found for r in scored) / expected if expected else 1.0


def escalation_precision(results: Sequence[ScenarioResult]) -> float:
    """Of the scenarios that escalated, the share that should have (1.0 when none escalated)."""
    flagged = [r for r in _scored(results) if r.escalated]
    return sum(r.expected_escalation for r in flagged) / len(flagged) if flagged else 1.0


def escalation_recall(results: Sequence[ScenarioResult]) -> float:
    """Of the scenarios that should escalate, the share that did (1.0 when none should)."""
    positive = [r for r in _scored(results) if r.expected_escalation]
    return sum(r.escalated for r in positive) / len(positive) if positive else 1.0


def grounding_violations(results: Sequence[ScenarioResult]) -> int:
    """Turns with any grounding issue (see `grounding_issues`)."""
    return sum(bool(turn.grounding) for r in _scored(results) for turn in r.turns)


def cross_resident_leaks(results: Sequence[ScenarioResult]) -> int:
    """Turns whose reply contains another resident's distinctive values."""
    return sum(bool(turn.leaks) for r in _scored(results) for turn in r.turns)


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0-100) by the nearest-rank method (0.0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def turn_latencies(results: Sequence[ScenarioResult]) -> list[float]:
    return [turn.ms for r in results if r.status == "run" for turn in r.turns]


def latency_p50_ms(results: Sequence[ScenarioResult]) -> float:
    """Median wall time of one turn, in milliseconds."""
    return percentile(turn_latencies(results), 50)


def latency_p95_ms(results: Sequence[ScenarioResult]) -> float:
    """95th-percentile wall time of one turn, in milliseconds."""
    return percentile(turn_latencies(results), 95)
