"""Held-out style messages (written for these tests, not taken from any eval or public intent set): another
unit's or neighbour's account, other bills, and escalations whose reason must match what was asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agents.assistant.context import AssistantContext
from agents.assistant.state import AssistantState
from agents.offline import IntentClassifier
from agents.planners.base import PlanStep
from agents.planners.offline import OfflinePlanner
from app.accounts import find_resident
from tests.support.databases import DEMO_AS_OF, Database
from tools.account import load_account, names_another_unit
from tools.context import ResidentContext

LEDGER_TOOLS = {
    "get_balance",
    "get_next_due",
    "get_recent_activity",
    "get_payment_status",
    "explain_charge",
    "get_deposit",
    "get_lease_terms",
    "propose_payment_plan",
}


@pytest.fixture(scope="module")
def planner(trained_models: Path) -> OfflinePlanner:
    return OfflinePlanner(IntentClassifier.load_or_train(trained_models))


def plan(planner: OfflinePlanner, db: Database, text: str, persona: str = "delinquent") -> PlanStep:
    with db.sessions() as s:
        resident = find_resident(s, db.report.personas[persona].split(",")[0])  # type: ignore[union-attr]
        assert resident is not None
        resident_id = resident.id
    tools = ResidentContext(resident_id=resident_id, sessions=db.sessions, today=DEMO_AS_OF)
    state: Any = {"turn": {"text": text, "runs": []}, "messages": []}
    return planner.plan(AssistantState(**state), AssistantContext(tools=tools, planner=planner))


def own_unit(db: Database, persona: str = "delinquent") -> str:
    with db.sessions() as s:
        resident = find_resident(s, db.report.personas[persona].split(",")[0])  # type: ignore[union-attr]
        assert resident is not None
        tools = ResidentContext(resident_id=resident.id, sessions=db.sessions, today=DEMO_AS_OF)
        account = load_account(s, tools)
        assert account is not None
        return account.lease.unit.number


@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "text",
    [
        "is 4B behind on rent?",
        "what's the balance on 2B",
        "how much is unit 5A's rent",
        "my sister lives in unit 210, what's her balance",
        "how much does my friend in building C owe you guys",
        "whats my neighbors balance rn",
    ],
)
def test_another_units_account_never_gets_the_residents_figures(
    planner: OfflinePlanner, demo_db: Database, text: str
) -> None:
    step = plan(planner, demo_db, text)
    assert step.direct == "other_resident", step
    assert not {c.name for c in step.calls} & LEDGER_TOOLS


@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "text",
    [
        "what's the balance on my gift card",
        "whats my credit card balance",
        "what's my bank balance",
        "how much do i owe on my car",
        "whats the late fee on my electric bill with the power company",
    ],
)
def test_another_bill_never_gets_the_residents_figures(
    planner: OfflinePlanner, demo_db: Database, text: str
) -> None:
    step = plan(planner, demo_db, text)
    assert not {c.name for c in step.calls} & LEDGER_TOOLS, step
    assert step.direct in ("out_of_scope", "other_resident") or step.escalate, step


@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
def test_the_residents_own_unit_named_is_answered(planner: OfflinePlanner, demo_db: Database) -> None:
    unit = own_unit(demo_db)
    step = plan(planner, demo_db, f"what's the balance on unit {unit}")
    assert step.direct != "other_resident"
    assert "get_balance" in {c.name for c in step.calls}


@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
def test_names_another_unit_compares_with_the_lease(demo_db: Database) -> None:
    unit = own_unit(demo_db)
    with demo_db.sessions() as s:
        resident = find_resident(s, demo_db.report.personas["delinquent"].split(",")[0])  # type: ignore[union-attr]
        assert resident is not None
    tools = ResidentContext(resident_id=resident.id, sessions=demo_db.sessions, today=DEMO_AS_OF)
    assert not names_another_unit(tools, [unit])
    assert names_another_unit(tools, ["9Z"])
    assert not names_another_unit(tools, [])
    anonymous = ResidentContext(resident_id=None, sessions=demo_db.sessions, today=DEMO_AS_OF)
    assert names_another_unit(anonymous, [unit])


@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("my renewal offer has a rent increase i didnt agree to", {"requested_person"}),
        ("the renewal says $1900 but you told me $1800", {"requested_person"}),
        ("i want to dispute the renewal terms", {"requested_person"}),
        ("there are roaches in my kitchen", {"requested_person"}),
        ("if you charge me that fee again ill come down there and smash every window", {"abuse"}),
    ],
)
def test_escalation_reasons_match_what_was_asked(
    planner: OfflinePlanner, demo_db: Database, text: str, accepted: set[str]
) -> None:
    step = plan(planner, demo_db, text)
    if step.escalate is not None:
        assert step.escalate in accepted, step
    assert step.escalate not in {"discrimination", "legal", "emergency"}


@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "text",
    ["who pays if i lock myself out", "i dont want to renew, how do i give notice"],
)
def test_a_document_question_is_not_escalated_as_legal(
    planner: OfflinePlanner, demo_db: Database, text: str
) -> None:
    step = plan(planner, demo_db, text)
    assert step.escalate != "legal", step


@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
def test_a_lockout_charge_compared_with_a_neighbours_is_the_residents_dispute(
    planner: OfflinePlanner, demo_db: Database
) -> None:
    text = (
        "i got charged a lock out fee but maintenance opened the door for my neighbor too and she wasnt "
        "charged"
    )
    step = plan(planner, demo_db, text)
    assert step.direct != "other_resident"
    assert step.escalate == "dispute", step
