"""The reader's rules for what a resident's words mean and when a quote answers: one test per rule, on
sentences written for these tests (not taken from any eval set)."""

from __future__ import annotations

from collections.abc import Sequence

from app.knowledge.reading import _WHOM_ASKED, Quote, Source, question_groups, read
from app.knowledge.sentences import split_sentences


def fixed(scores: dict[str, float], default: float = 0.0) -> object:
    """A `Similarity` that gives each sentence a set cosine (the first key it contains), else `default`."""

    def similarity(_question: str, sentences: Sequence[str]) -> list[float]:
        return [next((v for k, v in scores.items() if k in s), default) for s in sentences]

    return similarity


def test_an_abbreviated_title_does_not_end_a_sentence() -> None:
    paragraph = "Requests go to the Asst. Mgr. or the Exec. Director. Keys are kept at the desk."
    assert split_sentences(paragraph) == [
        "Requests go to the Asst. Mgr. or the Exec. Director.",
        "Keys are kept at the desk.",
    ]


def test_the_most_asks_a_maximum() -> None:
    groups = question_groups("what is the most a visitor can stay")
    assert any("maximum" in group for group in groups)
    passage = Source(
        "Visitors must sign in at the front desk. "
        "A visitor may stay no longer than the maximum of five nights in any month.",
        "Visitors",
    )
    quote = read("what is the most a visitor can stay", [passage])
    assert quote is not None and "maximum of five nights" in quote.text


def test_whom_to_talk_to_is_answered_by_the_sentence_that_names_a_contact() -> None:
    passage = Source(
        "A second storage locker costs $20.00 per term. "
        "Residents should contact the Facilities Coordinator with any storage request.",
        "Storage",
    )
    assert any("contact" in group for group in question_groups("who do i talk to"))
    quote = read("who do i talk to about a second storage locker", [passage])
    assert quote is not None and "Facilities Coordinator" in quote.text


def test_half_a_payment_is_a_partial_payment() -> None:
    passage = Source(
        "Utility charges are billed with the rent each month. "
        "Partial payments are accepted only with the written consent of the property manager.",
        "Payments",
    )
    quote = read("can i pay half the utility charge", [passage])
    assert quote is not None and quote.sentences[0].startswith("Partial payments")


def test_furniture_is_what_a_contract_furnishes() -> None:
    passage = Source(
        "Rooms are assigned by lottery. The College will furnish each resident with a bed and a desk.",
        "Rooms",
    )
    quote = read("what furniture comes with the room", [passage])
    assert quote is not None and "a bed and a desk" in quote.text


def test_figuring_the_rent_is_how_it_is_calculated_or_prorated() -> None:
    passage = Source(
        "Rent for the month of move-in is due at signing. A partial month's rent is prorated by the day.",
        "Rent",
    )
    quote = read("how do they figure rent for the month i move in", [passage])
    assert quote is not None and "prorated" in quote.text


def test_which_bills_are_paid_first_is_answered_by_the_earliest_charges() -> None:
    passage = Source(
        "Water bills are sent each quarter with the rent statement. "
        "Money received is applied to the earliest charges still unpaid.",
        "Payments",
    )
    quote = read("which bills get paid first", [passage])
    assert quote is not None and "earliest charges" in quote.text


def test_what_happens_if_quotes_the_consequence_that_follows_the_rule() -> None:
    passage = Source(
        "Every resident must register a bicycle with the front desk by the end of the first week. "
        "Unregistered bicycles will be removed and a storage fee of $15.00 charged.",
        "Bicycles",
    )
    quote = read("what happens if i dont register my bike", [passage])
    assert quote is not None
    assert quote.sentences == (
        "Every resident must register a bicycle with the front desk by the end of the first week.",
        "Unregistered bicycles will be removed and a storage fee of $15.00 charged.",
    )


def test_the_consequence_is_not_added_where_the_question_does_not_ask_for_it() -> None:
    passage = Source(
        "Every resident must register a bicycle with the front desk by the end of the first week. "
        "Unregistered bicycles will be removed and a storage fee of $15.00 charged.",
        "Bicycles",
    )
    quote = read("do i have to register my bike at the front desk", [passage])
    assert quote is not None and len(quote.sentences) == 1


def quote(relevance: float, similarity: float) -> Quote:
    return Quote(
        sentences=("x",),
        passage=0,
        score=1.0,
        relevance=relevance,
        kind="general",
        similarity=similarity,
        states_kind=True,
        measured=True,
    )


def test_a_quote_close_in_meaning_answers_with_fewer_of_the_questions_words() -> None:
    assert quote(relevance=0.15, similarity=0.7).answered  # "paid at 6pm" and "after 5:00 pm"
    assert not quote(relevance=0.15, similarity=0.5).answered
    assert not quote(relevance=0.05, similarity=0.7).answered  # but it must share something
    assert quote(relevance=0.3, similarity=0.35).answered
    assert not quote(relevance=0.3, similarity=0.25).answered


def test_a_close_quote_about_something_else_still_does_not_answer() -> None:
    q = read(
        "how much is a parking spot per month",
        [Source("Renters insurance costs $10.00 per month through the building's plan.", "Insurance")],
        similarity=fixed({"insurance": 0.7}),  # type: ignore[arg-type]
    )
    assert q is not None and not q.answered


def test_whom_to_tell_prefers_the_sentence_that_says_whom_to_reach() -> None:
    passage = Source(
        "Residents who cannot pay rent on time will be charged a late fee on the sixth. "
        "Residents should call the Property Manager before the due date.",
        "Rent",
    )
    quote = read("who do i call if i cannot pay rent on time", [passage])
    assert quote is not None
    assert quote.sentences == ("Residents should call the Property Manager before the due date.",)


def test_who_pays_is_not_a_question_of_whom_to_reach() -> None:
    assert _WHOM_ASKED.search("who do i tell") is not None
    assert _WHOM_ASKED.search("who should we call about a leak") is not None
    assert _WHOM_ASKED.search("who pays if the drain clogs") is None
    assert _WHOM_ASKED.search("who do i pay the deposit to") is None


def test_whether_a_named_fee_exists_is_answered_only_by_a_quote_that_names_it() -> None:
    passage = Source(
        "Storage lockers are assigned to each apartment at no charge. Keys are issued at move-in.",
        "Storage",
    )
    quote = read("is there a late fee on my storage locker", [passage])
    assert quote is not None and not quote.answered  # the locker is named, a late fee is not
    fee = Source("A late fee of $25.00 is charged on rent received after the fifth.", "Rent")
    quote = read("is there a late fee on my rent", [fee])
    assert quote is not None and quote.answered


def test_when_something_is_due_is_answered_only_by_a_quote_that_says_what_is_due() -> None:
    dates = Source("Parking permits are issued between August 15 and September 1 each year.", "Parking")
    quote = read("when is the parking payment due each year", [dates])
    assert quote is not None and not quote.answered  # dates, but nothing said to be due
    due = Source("The parking fee is payable by September 1 each year.", "Parking")
    quote = read("when is the parking payment due each year", [due])
    assert quote is not None and quote.answered
