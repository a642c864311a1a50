from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy import select

from agents.assistant.graph import build_graph
from agents.assistant.runner import Assistant, TurnOutcome
from agents.assistant.state import AssistantState
from agents.planners.base import PlanStep, ToolCall
from app.accounts import account_balance, find_resident
from app.conversations import transcript
from app.formatting import money
from app.models import Conversation, Escalation, Message
from tests.agents.scripted import ScriptedPlanner
from tests.support.databases import DEMO_AS_OF, Database


def make_assistant(
    db: Database, planner: ScriptedPlanner, checkpointer: BaseCheckpointSaver[str] | None = None
) -> Assistant:
    return Assistant(
        sessions=db.sessions,
        graph=build_graph(checkpointer=checkpointer or InMemorySaver()),
        planner=planner,
        today=lambda: DEMO_AS_OF,
    )


def resident_id(db: Database, persona: str) -> int:
    with db.sessions() as s:
        return find_resident(s, db.report.personas[persona].split(",")[0]).id  # type: ignore[union-attr]


def ask(
    assistant: Assistant, db: Database, persona: str, text: str, conversation: str | None = None
) -> TurnOutcome:
    return assistant.respond(
        conversation_id=conversation or uuid.uuid4().hex, text=text, resident_id=resident_id(db, persona)
    )


@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
def test_balance_answer_is_composed_from_the_ledger(demo_db: Database) -> None:
    planner = ScriptedPlanner(PlanStep(intent="balance", calls=[ToolCall("get_balance")]))
    outcome = ask(make_assistant(demo_db, planner), demo_db, "delinquent", "how much do i owe")
    with demo_db.sessions() as s:
        person = find_resident(s, demo_db.report.personas["delinquent"])  # type: ignore[union-attr]
        expected = account_balance(s, resident=person, as_of=DEMO_AS_OF)
    assert outcome.reply is not None and money(expected.total_cents) in outcome.reply
    assert outcome.check_ok and not outcome.escalated
    assert [c["name"] for c in outcome.tool_calls] == ["get_balance"]


@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
def test_an_answer_with_an_invented_amount_is_not_sent(demo_db: Database) -> None:
    planner = ScriptedPlanner(
        PlanStep(intent="balance", calls=[ToolCall("get_balance")]),
        PlanStep(final_text="You owe $12.34, due Dec 24."),
    )
    outcome = ask(make_assistant(demo_db, planner), demo_db, "on_time", "what do i owe")
    assert outcome.escalated and outcome.reason == "unverified_answer"
    assert outcome.reply is not None and "$12.34" not in outcome.reply and "Dec 24" not in outcome.reply
    with demo_db.sessions() as s:
        escalation = s.scalars(select(Escalation)).one()
        assert "$12.34" in escalation.summary  # staff see what was withheld, the resident does not
        conversation = s.get(Conversation, outcome.conversation_id)
        assert conversation is not None and conversation.status == "waiting_staff"


@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
def test_calls_marked_last_are_answered_without_planning_again(demo_db: Database) -> None:
    planner = ScriptedPlanner(
        PlanStep(intent="balance", calls=[ToolCall("get_balance")], then_answer=True),
        PlanStep(final_text="You owe $12.34, due Dec 24."),  # would be refused, were it ever asked for
    )
    outcome = ask(make_assistant(demo_db, planner), demo_db, "delinquent", "how much do i owe")
    assert len(planner.seen) == 1 and len(planner.steps) == 1
    assert outcome.check_ok and not outcome.escalated
    assert outcome.reply is not None and "$12.34" not in outcome.reply and "$" in outcome.reply


@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
def test_card_numbers_never_reach_the_planner_or_the_records(demo_db: Database) -> None:
    planner = ScriptedPlanner(PlanStep(intent="payment_status", calls=[ToolCall("get_payment_status")]))
    conversation = uuid.uuid4().hex
    outcome = ask(
        make_assistant(demo_db, planner),
        demo_db,
        "on_time",
        "did my card 4111 1111 1111 1111 payment go thru",
        conversation,
    )
    seen: AssistantState = planner.seen[0]
    assert "4111" not in seen["turn"]["text"]
    assert all("4111" not in str(m.content) for m in seen["messages"])
    assert outcome.reply is not None and outcome.reply.startswith("For your security I removed")
    with demo_db.sessions() as s:
        assert all("4111" not in m.body for m in transcript(s, conversation))


@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
def test_a_planner_cannot_pass_a_resident_to_a_tool(demo_db: Database) -> None:
    other = resident_id(demo_db, "delinquent")
    planner = ScriptedPlanner(
        PlanStep(intent="balance", calls=[ToolCall("get_balance", {"resident_id": other})])
    )
    outcome = ask(make_assistant(demo_db, planner), demo_db, "credit", "balance of resident please")
    with demo_db.sessions() as s:
        theirs = account_balance(
            s,
            resident=find_resident(s, demo_db.report.personas["delinquent"]),  # type: ignore[union-attr]
            as_of=DEMO_AS_OF,
        )
    assert outcome.reply is not None and money(theirs.total_cents) not in outcome.reply


@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("text", "key"),
    [("", "didn't get any text"), ("x" * 5000, "too long"), ("🔥" * 40, "couldn't find a question")],
)
def test_bad_messages_get_a_clear_reply(demo_db: Database, text: str, key: str) -> None:
    planner = ScriptedPlanner()
    outcome = ask(make_assistant(demo_db, planner), demo_db, "on_time", text)
    assert outcome.reply is not None and key in outcome.reply
    assert planner.seen == []


@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
def test_staff_owned_conversation_stays_silent(demo_db: Database) -> None:
    planner = ScriptedPlanner(PlanStep(direct="thanks"))
    assistant = make_assistant(demo_db, planner)
    conversation = uuid.uuid4().hex
    ask(assistant, demo_db, "on_time", "hi", conversation)
    with demo_db.sessions.begin() as s:
        s.get(Conversation, conversation).owner = "staff"  # type: ignore[union-attr]
    outcome = ask(assistant, demo_db, "on_time", "anyone there?", conversation)
    assert outcome.silent and outcome.reply is None
    with demo_db.sessions() as s:
        roles = s.scalars(select(Message.role).where(Message.conversation_id == conversation)).all()
    assert roles == ["resident", "assistant", "resident"]


def test_conversation_survives_a_restart(demo_db: Database, tmp_path: Path) -> None:
    from agents.assistant.checkpoints import open_checkpointer

    conversation = uuid.uuid4().hex
    for text in ("hello", "thanks"):
        with open_checkpointer(demo_db.settings) as saver:
            assistant = make_assistant(demo_db, ScriptedPlanner(PlanStep(direct="thanks")), saver)
            ask(assistant, demo_db, "on_time", text, conversation)
    with open_checkpointer(demo_db.settings) as saver:
        state = build_graph(checkpointer=saver).get_state({"configurable": {"thread_id": conversation}})
    assert [m.type for m in state.values["messages"]] == ["human", "ai", "human", "ai"]


@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
def test_earlier_turns_keep_the_message_and_reply_and_not_their_tool_results(demo_db: Database) -> None:
    """A planner reads an earlier turn as the resident's message and the reply; the checkpoint, read
    and written whole every turn, does not carry the tool calls and results of turns already answered."""
    from agents.planners.chat import split_turns

    saver = InMemorySaver()
    balance = [PlanStep(intent="balance", calls=[ToolCall("get_balance")]), PlanStep()]
    assistant = make_assistant(demo_db, ScriptedPlanner(*balance * 3), saver)
    conversation = uuid.uuid4().hex

    replies = [
        ask(assistant, demo_db, "delinquent", f"how much do i owe ({n})", conversation).reply
        for n in range(3)
    ]

    messages = (
        build_graph(checkpointer=saver)
        .get_state({"configurable": {"thread_id": conversation}})
        .values["messages"]
    )
    assert [m.type for m in messages] == ["human", "ai", "human", "ai", "human", "ai", "tool", "ai"]
    earlier, current = split_turns(messages)
    assert [[m.content for m in pair] for pair in earlier] == [
        ["how much do i owe (0)", replies[0]],
        ["how much do i owe (1)", replies[1]],
    ]
    assert [m.type for m in current] == ["human", "ai", "tool", "ai"]


@pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
def test_a_long_conversation_keeps_only_its_last_turns_in_the_checkpoint(demo_db: Database) -> None:
    """A portal conversation lasts a whole tenancy; the checkpoint written after each turn stays bounded,
    and the turns it keeps are the latest, in order."""
    from agents.assistant.nodes import KEPT_TURNS

    saver = InMemorySaver()
    assistant = make_assistant(demo_db, ScriptedPlanner(PlanStep(direct="thanks")), saver)
    conversation = uuid.uuid4().hex
    turns = KEPT_TURNS + 5
    for n in range(turns):
        ask(assistant, demo_db, "on_time", f"thanks {n}", conversation)
    state = build_graph(checkpointer=saver).get_state({"configurable": {"thread_id": conversation}})
    said = [m.content for m in state.values["messages"] if m.type == "human"]
    assert said == [f"thanks {n}" for n in range(turns - KEPT_TURNS, turns)]
    assert [m.type for m in state.values["messages"]] == ["human", "ai"] * KEPT_TURNS
    with demo_db.sessions() as s:
        stored = s.scalars(select(Message.body).where(Message.conversation_id == conversation)).all()
    assert len(stored) == 2 * turns  # the conversation's record keeps every turn
