"""The eval's shared setup: scenarios cannot change each other's data or documents."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import Escalation
from evals.conversations.dataset import ExtraDocument
from evals.conversations.environment import EvalEnvironment

NOTICE = ExtraDocument(
    title="Maple Court Notice: Quokka Policy",
    text="## Quokkas\n\nQuokkas may be kept on balconies only with a signed quokka addendum.",
)


def _titles(env: EvalEnvironment, question: str, property_code: str) -> list[str]:
    assert env.retriever is not None
    return [p.title for p in env.retriever.retrieve(question, property_code=property_code, k=5)]


def test_extra_documents_exist_only_inside_their_scenario(conversation_env: EvalEnvironment) -> None:
    question = "can i keep a quokka on my balcony"
    assert NOTICE.title not in _titles(conversation_env, question, "maple-court")
    with conversation_env.extra_documents([NOTICE], property_code="maple-court", scenario_id="quokka"):
        assert _titles(conversation_env, question, "maple-court")[0] == NOTICE.title
        assert NOTICE.title not in _titles(conversation_env, question, "hudson-terrace")
    assert NOTICE.title not in _titles(conversation_env, question, "maple-court")


def test_each_scenario_gets_its_own_copy_of_the_database(conversation_env: EvalEnvironment) -> None:
    with conversation_env.fresh_database() as sessions, sessions.begin() as session:
        session.add(Escalation(reason="dispute", priority="normal", summary="written by a scenario"))
    with conversation_env.fresh_database() as sessions, sessions() as session:
        assert session.scalar(select(func.count()).select_from(Escalation)) == 0


def test_personas_resolve_to_residents_and_visitors(conversation_env: EvalEnvironment) -> None:
    first = conversation_env.persona("duplicate")
    second = conversation_env.persona("duplicate#2")
    assert first.resident_id and second.resident_id and first.resident_id != second.resident_id
    visitor = conversation_env.persona("anonymous:aspen-ridge")
    assert visitor.resident_id is None and visitor.property_code == "aspen-ridge"


def test_others_are_every_other_persona_and_the_units_a_message_names(
    conversation_env: EvalEnvironment,
) -> None:
    asker = conversation_env.persona("roommates")
    assert asker.resident_id is not None
    household = conversation_env.resolver.household(asker.resident_id)
    plain = conversation_env.others(asker, ["how much do we owe"])
    assert plain and not {o.resident_id for o in plain} & household
    delinquent = conversation_env.persona("delinquent")
    unit = conversation_env.resolver.resolve(
        "lease.unit", resident_id=delinquent.resident_id, property_code=None, language="en"
    )
    on_time = conversation_env.persona("on_time")
    named = conversation_env.others(on_time, [f"what does {unit.lower()} owe"])
    assert delinquent.resident_id in {o.resident_id for o in named}
    neighbour = conversation_env.persona("credit:hudson-terrace")
    in_4b = conversation_env.others(neighbour, ["how much does my neighbor in 4B owe"])
    assert len(in_4b) > len(conversation_env.others(neighbour, ["hi"]))
