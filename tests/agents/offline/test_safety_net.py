"""The fixed net of always-escalate words: whole words and stems, accents and case ignored."""

from __future__ import annotations

import pytest

from agents.offline import escalation_triggers


@pytest.mark.parametrize(
    ("text", "trigger"),
    [
        ("are you going to evict me", "evict"),
        ("I got an EVICTION notice", "evict"),
        ("court date is monday", "court"),
        ("my lawyer will call", "lawyer"),
        ("talking to an attorney", "attorney"),
        ("i'm going to sue you", "sue"),
        ("they're suing me", "sue"),
        ("filing bankruptcy", "bankrupt"),
        ("I'm bankrupt", "bankrupt"),
        ("this is discrimination", "discriminat"),
        ("me están discriminando", "discriminat"),
        ("me van a desalojar?", "desalojo"),
        ("aviso de DESALOJO", "desalojo"),
        ("mi abogado dice", "abogado"),
        ("tengo cita en la corte", "corte"),
        ("me llegó una demanda", "demanda"),
        ("los voy a demandar", "demanda"),
        ("call 911", "911"),
        ("FIRE in the hallway", "fire"),
        ("hay fuego en la cocina", "fuego"),
        ("hay un incendio", "fuego"),
        ("gas leak in unit 4", "gas leak"),
        ("I smell gas", "gas leak"),
        ("hay una fuga de gas", "fuga de gas"),
        ("huele a gas", "fuga de gas"),
    ],
)
def test_names_the_trigger(text: str, trigger: str) -> None:
    assert trigger in escalation_triggers(text)


@pytest.mark.parametrize(
    "text",
    [
        "I got fired last week",
        "there's an issue with my payment",
        "is the basketball court open",
        "me hicieron un corte de luz",
        "is there a courtyard",
        "paid $911.50",
        "gas station near me?",
        "what's the gas bill",
        "demand letter? no, just a question about rent",
        "",
    ],
)
def test_does_not_fire_on_lookalikes(text: str) -> None:
    assert escalation_triggers(text) == []


def test_reads_the_whole_of_a_long_message() -> None:
    assert escalation_triggers("hello " * 1000 + "my attorney will be in touch") == ["attorney"]
