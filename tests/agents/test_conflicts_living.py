"""Where a thing would live is not what a yes-or-no question asks about (sentences written for this test)."""

from __future__ import annotations

from agents.conflicts import polarity


def test_to_live_with_me_is_not_a_topic_the_rule_must_name() -> None:
    assert (
        polarity("can i bring my parrot to live with me", "Parrots are prohibited in the residence halls.")
        == "no"
    )
    assert polarity("can i bring my parrot to live with me", "Quiet hours begin at 10 p.m.") is None
