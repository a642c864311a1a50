"""Reader rules of the seventh round, each on sentences written for these tests (none from an eval set)."""

from __future__ import annotations

from collections.abc import Sequence

from app.knowledge.reading import Similarity, Source, question_groups, read


def fixed(scores: dict[str, float], default: float = 0.0) -> Similarity:
    """A `Similarity` that gives each sentence a set cosine (the first key it contains), else `default`."""

    def similarity(_question: str, sentences: Sequence[str]) -> list[float]:
        return [next((v for k, v in scores.items() if k in s), default) for s in sentences]

    return similarity


def test_bring_says_how_a_thing_is_had_not_what_it_is() -> None:
    stated = {term for group in question_groups("can i bring my parrot") for term in group}
    assert "bring" not in stated
    assert any("parrot" in group for group in question_groups("can i bring my parrot"))


def test_keep_still_asks_whether_money_is_withheld() -> None:
    # "keep my deposit" is the documents' "withhold": it must stay a word of the question
    stated = {term for group in question_groups("can they keep my deposit") for term in group}
    assert "withhold" in stated


def test_what_is_the_thing_asked_must_be_stated_by_the_quote() -> None:
    passage = Source(
        "Residents may reserve the lounge through the office. The lounge closes at 11 p.m.", "Lounge"
    )
    quote = read("whats the door code for the lounge", [passage], similarity=fixed({}, 0.5))
    assert quote is not None
    assert not quote.answered  # nothing says a door code
    stated = read("whats the closing time for the lounge", [passage], similarity=fixed({}, 0.5))
    assert stated is not None and stated.answered


def test_how_much_is_a_thing_needs_each_word_of_the_thing_not_only_its_noun() -> None:
    passage = Source(
        "A parking permit costs $40 per semester. Permits are issued at the front desk.", "Parking"
    )
    quote = read("how much does a motorcycle permit cost", [passage], similarity=fixed({}, 0.5))
    assert quote is not None
    assert not quote.answered  # a parking permit's price is not a motorcycle permit's
    priced = read("how much does a parking permit cost", [passage], similarity=fixed({}, 0.5))
    assert priced is not None and priced.answered


def test_a_sentence_an_earlier_passage_repeats_is_still_the_lead_in_of_the_next_one() -> None:
    overlap = "The storage charge is fifteen dollars ($15.00) per month per locker."
    following = "This amount is set each year by the board and includes the padlock."
    first = Source(f"Lockers are assigned by lottery. {overlap}", "Storage")
    second = Source(f"{overlap} {following}", "Storage")  # retrieved chunks overlap
    quote = read(
        "does the storage charge include the padlock",
        [first, second],
        similarity=fixed({"includes the padlock": 0.8, "storage charge": 0.3}),
    )
    assert quote is not None
    assert quote.sentences == (overlap, following)  # "This amount" is quoted with what it refers to
    assert quote.passage == 1


def test_a_payment_app_is_answered_by_the_ways_of_paying_listed() -> None:
    passage = Source(
        "Any rent payment made after noon on the 3rd is late. "
        "Rent payments are taken by check, money order or cashier's check at the front desk.",
        "Payments",
    )
    quote = read("do you take rent through zelle", [passage], similarity=fixed({}, 0.4))
    assert quote is not None
    assert quote.sentences[0].startswith("Rent payments are taken by check, money order")


def test_a_question_most_of_whose_words_nothing_read_states_is_not_answered() -> None:
    passage = Source(
        "Students pay the housing charge each term. Late payments incur a hold on registration.", "Billing"
    )
    asked = "can i pay my housing invoice in biweekly increments"  # invoice, biweekly, increment: nowhere
    quote = read(asked, [passage], similarity=fixed({"housing charge": 0.45}))
    assert quote is not None and quote.unstated > 0.5
    assert not quote.answered
    close = read(asked, [passage], similarity=fixed({"housing charge": 0.7}))
    assert close is not None and close.answered  # very close in meaning: answered all the same


def test_a_passage_read_before_still_yields_the_overlap_to_the_passage_listed_first() -> None:
    """Passages are taken apart once and kept; which of two overlapping passages states a sentence first
    is decided anew by each reading's order of passages."""
    overlap = "The storage charge is fifteen dollars ($15.00) per month per locker."
    lottery = Source(f"Lockers are assigned by lottery. {overlap}", "Storage")
    padlock = Source(f"{overlap} The padlock is included.", "Storage")
    similarity = fixed({"storage charge": 0.8})
    for sources in ([lottery, padlock], [padlock, lottery], [lottery, padlock]):
        quote = read("how much is the storage charge", sources, similarity=similarity)
        assert quote is not None and overlap in quote.sentences
        assert quote.passage == 0
