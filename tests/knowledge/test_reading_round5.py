"""Reader rules of the fifth round, each on sentences written for these tests (none from an eval set)."""

from __future__ import annotations

from collections.abc import Sequence

from app.knowledge.reading import Similarity, Source, question_groups, read


def test_what_is_left_of_a_contraction_is_not_a_word_of_the_question() -> None:
    groups = question_groups("what's the fee if they're late and i havent paid")
    stems = set().union(*groups)
    assert not stems & {"s", "re", "theyr", "havent"}
    assert any("fee" in group for group in groups)


def test_a_contraction_does_not_weigh_against_the_sentence_that_answers() -> None:
    passage = Source(
        "Bicycles are stored in the basement room. A second bicycle rack costs $15.00 per semester.",
        "Storage",
    )
    quote = read("what's the price of a second bicycle rack", [passage])
    assert quote is not None and quote.relevance == 1.0 and "$15.00" in quote.text


def fixed(scores: dict[str, float]) -> Similarity:
    """A `Similarity` that gives each sentence a set cosine (the first key it contains), else 0."""

    def similarity(_question: str, sentences: Sequence[str]) -> list[float]:
        return [next((v for k, v in scores.items() if k in s), 0.0) for s in sentences]

    return similarity


def test_an_amount_is_answered_by_money_before_a_share_of_another_charge() -> None:
    passage = Source(
        "Parking permits cancelled after August 1 are charged 50% of the permit price.\n"
        "A student who cancels after August 1 pays a $40.00 charge.",
        "Parking permits",
    )
    # the share is the closer in meaning, as a schedule's line often is
    quote = read(
        "if i cancel my parking permit after august 1 what is the charge",
        [passage],
        similarity=fixed({"50%": 0.6, "$40.00": 0.45}),
    )
    assert quote is not None and quote.sentences == (
        "A student who cancels after August 1 pays a $40.00 charge.",
    )


def test_a_percent_still_answers_an_amount_where_no_money_is_named() -> None:
    quote = read(
        "how much is the late charge", [Source("Late payments are charged 5% of the monthly rent.", "Late")]
    )
    assert quote is not None and "5%" in quote.text and quote.states_kind


def test_a_bracketed_reference_stays_with_its_sentence_and_does_not_block_the_next() -> None:
    passage = Source(
        "Storage lockers are checked each spring.\n"
        "• A reminder notice is posted on any locker left unlabelled. (Form S2)\n"
        "• Ten days later an unlabelled locker is emptied and its contents are donated.",
        "Storage lockers",
    )
    quote = read("after the reminder notice how long until they empty my locker", [passage])
    assert quote is not None
    assert quote.sentences == (
        "• A reminder notice is posted on any locker left unlabelled. (Form S2)",
        "• Ten days later an unlabelled locker is emptied and its contents are donated.",
    )
