"""Splitting a message into the questions it asks, so each can be read on its own."""

from __future__ import annotations

import pytest

from agents.planners.offline import question_parts


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("how much do i owe and when is it due", ["how much do i owe", "when is it due"]),
        ("cuanto debo y cuando vence?", ["cuanto debo", "cuando vence"]),
        ("can i pay by card? is there a fee for that", ["can i pay by card", "is there a fee for that"]),
        ("when is rent due?", []),
        ("hi and thanks", []),
        ("rent and fees", []),
        ("a b and c d and e f and g h", []),
    ],
)
def test_question_parts(text: str, parts: list[str]) -> None:
    assert question_parts(text) == parts
