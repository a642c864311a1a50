"""The guard every message meets first: what it removes, what it keeps, what it refuses."""

from __future__ import annotations

import pytest

from agents.guard import inspect_message


@pytest.mark.parametrize(
    ("raw", "seen"),
    [
        ("how much do i owe?", "how much do i owe?"),
        ("¿cuánto  debo   de renta?", "¿cuánto debo de renta?"),
        ("  why\tthe   late fee  ", "why the late fee"),
        ("line one\nline two", "line one\nline two"),
        ("pay\u200bment plan\u202e please", "payment plan please"),  # zero-width and bidi override
        ("when is rent due\x07", "when is rent due"),  # a stray control character
    ],
)
def test_text_is_normalised_and_invisible_characters_removed(raw: str, seen: str) -> None:
    verdict = inspect_message(raw)
    assert verdict.reject is None and verdict.text == seen


def test_control_character_floods_and_nul_are_not_text() -> None:
    assert inspect_message("hi\x01\x02\x03\x04 there").reject == "not_text"
    assert inspect_message("hi\x00").reject == "not_text"
    assert inspect_message("hi\x01\x02 there").reject is None


def test_a_card_number_never_gets_past_the_guard() -> None:
    verdict = inspect_message("my card is 4111 1111 1111 1111 can you charge it")
    assert "4111" not in verdict.text and verdict.scrubbed == ["card"]
