"""The extractive reader: the whole sentence that says what the question asks for, or none."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from app.knowledge.reading import RERANK_PRIOR, Source, read, rerank
from app.knowledge.values import asked_kinds, values_in

DEPOSIT = Source(
    "Tenant shall pay a security deposit of $1,200.00 upon signing this Lease. The deposit is not to be "
    "used by Tenant as payment of the last month's rent.\n"
    "Landlord shall return the deposit, less any lawful deductions, within thirty (30) days after Tenant "
    "vacates and returns all keys. Deductions may include unpaid rent, cleaning beyond normal wear and "
    "tear, and repair of damage caused by Tenant.",
    "4. Security Deposit",
)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how much is the security deposit", "security deposit of $1,200.00"),
        ("when do i get my deposit back", "within thirty (30) days"),
        ("what can they take out of my deposit", "Deductions may include"),
        ("can i use my deposit for last month's rent", "not to be used by Tenant as payment"),
    ],
)
def test_each_deposit_question_gets_the_sentence_that_answers_it(question: str, expected: str) -> None:
    quote = read(question, [DEPOSIT])
    assert quote is not None and quote.answered
    assert expected in quote.text, quote.sentences


def test_four_deposit_questions_get_four_different_quotes() -> None:
    questions = [
        "how much is the security deposit",
        "when do i get my deposit back",
        "what can they take out of my deposit",
        "can i use my deposit for last month's rent",
    ]
    quotes = {read(q, [DEPOSIT]).text for q in questions}  # type: ignore[union-attr]
    assert len(quotes) == len(questions)


def test_an_amount_question_gets_the_sentence_with_the_amount_not_the_first() -> None:
    passage = Source(
        "Residents who lock themselves out should first call the office during business hours. "
        "After hours, the on-call technician will let you in. "
        "A lockout service call after 6:00 p.m. costs $75.00, billed to your account.",
        "Lockouts",
    )
    quote = read("how much is the lockout fee", [passage])
    assert quote is not None and quote.states_kind
    expected = "A lockout service call after 6:00 p.m. costs $75.00, billed to your account."
    assert quote.sentences == (expected,)


def test_a_day_question_gets_the_sentence_with_the_day() -> None:
    passage = Source(
        "The monthly rent is stated on the first page of this Lease. "
        "Rent is due on the first (1st) day of each month and is late if not received by the 5th.",
        "3.1 Rent",
    )
    quote = read("what day is rent due", [passage])
    assert quote is not None and "first (1st) day" in quote.text


def test_quotes_are_whole_sentences_never_a_middle_piece() -> None:
    passage = Source(
        "Tenant may request a reasonable accommodation at any time. If a reasonable accommodation is "
        "requested, the Authority will respond in writing within 10 business days. No. 4 of the "
        "Schedule of Charges sets the lock change fee at $40.00 per lock.",
        "12.3 Accommodations and Charges",
    )
    quote = read("how much does it cost to change the locks", [passage])
    assert quote is not None
    expected = "No. 4 of the Schedule of Charges sets the lock change fee at $40.00 per lock."
    assert quote.sentences == (expected,)
    for sentence in quote.sentences:
        assert sentence[0].isupper() and sentence.endswith(".")


def test_a_sentence_that_leans_on_the_one_before_is_quoted_with_it() -> None:
    passage = Source(
        "If your payment is returned by the bank for insufficient funds, we will notify you in writing. "
        "This fee is $30.00 per returned item.",
        "",
    )
    quote = read("whats the fee for a bounced check", [passage])
    assert quote is not None
    assert quote.sentences[-1] == "This fee is $30.00 per returned item."
    assert len(quote.sentences) == 2


def test_a_question_the_passages_do_not_address_is_not_answered() -> None:
    passage = Source("Quiet hours are 10:00 p.m. to 7:00 a.m. Keep music low.", "Quiet Hours")
    quote = read("are hoverboards allowed in the building", [passage])
    assert quote is not None and not quote.answered


def test_asked_kinds() -> None:
    assert asked_kinds("how much is the late fee")[0] == "amount"
    assert asked_kinds("how many days notice do i need to give")[0] == "count"
    assert asked_kinds("when is rent due")[0] == "day"
    assert asked_kinds("can i have a cat")[0] == "yesno"
    assert asked_kinds("how do i pay rent online")[0] == "procedure"
    assert asked_kinds("cuanto es el deposito")[0] == "amount"


def test_values_are_typed_and_normalised() -> None:
    found = {(v.kind, v.normal) for v in values_in("A late fee of $50.00 on the 5th, then $10 a day, 5% max")}
    assert {("money", "5000"), ("day_of_month", "5"), ("money", "1000"), ("percent", "5")} <= found
    assert ("duration", "30 days") in {(v.kind, v.normal) for v in values_in("thirty (30) days' notice")}
    assert ("day_of_month", "10") in {(v.kind, v.normal) for v in values_in("by the tenth day of the month")}
    assert ("time", "17:00") in {(v.kind, v.normal) for v in values_in("after 5:00 p.m.")}


def test_the_sentence_model_finds_the_answer_where_words_do_not_meet() -> None:
    from app.knowledge.reading import EncoderSimilarity

    passage = Source(
        "Residents receive two lock-out assistance calls per semester at no charge. "
        "Each further request for lock-out assistance results in a $25.00 fee on the student's account. "
        "Keys may not be duplicated.",
        "Keys and Access",
    )
    similarity = EncoderSimilarity(cache_size=8)
    quote = read("i keep getting locked out lol what do yall charge me", [passage], similarity=similarity)
    assert quote is not None and quote.answered and quote.measured
    assert "$25.00 fee" in quote.text
    again = similarity("anything", [passage.text.split(". ")[0]])
    assert len(again) == 1


def test_rerank_puts_the_passage_that_states_the_answer_above_one_that_only_mentions_the_words() -> None:
    mentions = Source(
        "Late rent and late fees are described in the rent collection policy. Rent that is late may lead to "
        "late notices. Residents with late rent should contact the office about late rent.",
        "Late Rent",
    )
    states = Source("A late fee of $20.00 is charged when rent is received after the 10th.", "Charges")
    other = Source("Quiet hours are from 10 p.m. to 8 a.m.", "Noise")
    scores = rerank("how much is the late fee", [mentions, states, other, other])
    assert scores[1] > scores[0] > scores[2]
    # with nothing to tell them apart, the retrieval order stands
    same = rerank("how much is the late fee", [states, states])
    assert same[0] > same[1]


def test_rerank_measures_every_candidates_sentences_in_one_call() -> None:
    """One batched encoder pass for all candidates, not one per candidate (20 in retrieval)."""
    calls: list[list[str]] = []

    def similarity(question: str, sentences: Sequence[str]) -> list[float]:
        calls.append(list(sentences))
        return [0.5 if "$20.00" in s else 0.1 for s in sentences]

    states = Source("A late fee of $20.00 is charged when rent is received after the 10th.", "Charges")
    other = Source("Quiet hours are from 10 p.m. to 8 a.m. Guests must follow them too.", "Noise")

    scores = rerank("how much is the late fee", [other, states, other], similarity=similarity)

    assert len(calls) == 1  # the candidate read twice is measured once
    assert len(calls[0]) == len(set(calls[0])) and any("$20.00" in s for s in calls[0])
    assert scores[1] > scores[0] > scores[2]


def test_a_day_named_by_its_ordinal_alone_and_counted_things_are_values() -> None:
    def typed(text: str) -> list[tuple[str, str]]:
        return [(v.kind, v.normal) for v in values_in(text)]

    assert typed("Rent is payable by the tenth.") == [("day_of_month", "10")]
    assert typed("Rents not paid by the tenth of the month are late.") == [("day_of_month", "10")]
    assert typed("after the first year of the lease") == []
    assert typed("lockout help on two (2) occasions per semester") == [("count", "2 occasion")]
    assert typed("guests may stay up to three nights") == [("count", "3 night")]


def test_the_amount_beside_the_asked_words_beats_one_at_the_far_end_of_a_sentence() -> None:
    statute = Source(
        "Any person who unlawfully uses security deposit monies may be criminally charged as a "
        "disorderly person and may be subject to a fine of not less than $200 or imprisonment.",
        "Security Deposits",
    )
    lease = Source(
        "Upon execution of this Lease, Resident shall deposit with Landlord the sum of $3,000.00 (the "
        "Security Deposit) payable by certified check or money order only.",
        "6. Security Deposit",
    )
    quote = read("how much was the security deposit", [statute, lease])
    assert quote is not None and quote.answered
    assert "$3,000.00" in quote.text, quote.sentences


def test_no_charge_answers_how_much_something_costs() -> None:
    passage = Source(
        "The community room must be cleaned after you have used it. "
        "There is no charge at this time for tenant use of the community room.",
        "Community Room",
    )
    quote = read("how much does it cost to use the community room for a party", [passage])
    assert quote is not None and quote.states_kind
    assert quote.sentences == ("There is no charge at this time for tenant use of the community room.",)


def test_a_hyphenated_compound_says_the_word_a_resident_writes_whole() -> None:
    passage = Source(
        "Lockouts not resulting from a student's actions will not apply to this policy. "
        "Residents will receive two (2) lock-out services at no charge per semester.",
        "Lock-outs",
    )
    quote = read("how many free lockouts do i get", [passage])
    assert quote is not None and quote.states_kind
    assert "two (2) lock-out services" in quote.text, quote.sentences


def test_a_sentence_a_chunk_boundary_cut_loses_to_the_whole_one_with_the_amount() -> None:
    passage = Source(
        "The satellite dish deposit is refundable in accordance with paragraph\n"
        "Registering a dish includes labeling the dish and paying the $75 satellite dish deposit.",
        "Satellite Dishes",
    )
    quote = read("satellite dish deposit?", [passage])
    assert quote is not None and quote.states_kind
    expected = "Registering a dish includes labeling the dish and paying the $75 satellite dish deposit."
    assert quote.sentences == (expected,)


def test_how_fast_and_the_last_day_and_a_bare_fee_are_asked_kinds() -> None:
    assert asked_kinds("how fast do emergency repairs get done")[0] == "count"
    assert asked_kinds("whats the last day to pay without a late fee")[0] == "day"
    assert asked_kinds("satellite dish deposit?")[0] == "amount"


def test_rent_by_the_period_is_an_amount_but_its_due_date_and_a_count_are_not() -> None:
    assert asked_kinds("what is the pet rent per month")[0] == "amount"
    assert asked_kinds("whats my rent a month")[0] == "amount"
    assert asked_kinds("whats my monthly rent")[0] == "amount"
    assert asked_kinds("what is the rent due date") == ("general",)
    assert asked_kinds("when is rent due each month")[0] == "day"
    assert asked_kinds("how many guests per month")[0] == "count"


def test_a_form_blank_where_the_amount_goes_does_not_state_the_amount() -> None:
    passage = Source(
        "If tenant violates the pet restrictions of this Lease, Tenant will pay to Landlord a fee of "
        "$_____________ per day per animal for each day Tenant violates the animal restrictions.",
        "Pets",
    )
    quote = read("what is the pet rent per month", [passage])
    assert quote is not None and not quote.states_kind


def test_amounts_without_a_sign_nothing_charged_and_counts_in_words_and_figures_are_values() -> None:
    def typed(text: str) -> list[tuple[str, str]]:
        return [(v.kind, v.normal) for v in values_in(text)]

    assert typed("a check processing fee in the amount of 25.00 per check") == [("money", "2500")]
    assert typed("use of the room is free of charge") == [("money", "0")]
    assert typed("two (2) lock-out services per semester") == [("count", "2 service")]
    assert typed("thirty (30) days") == [("duration", "30 days")]


def test_a_count_question_that_names_its_unit_gets_the_value_in_that_unit() -> None:
    passage = Source(
        "A tenant may sign a payback agreement if they have not signed more than one (1) other payback "
        "agreement in two years. The notice states that the tenant has fifteen (15) days from the date "
        "of the notice to pay or to sign a payback agreement.",
        "Payback Agreements",
    )
    quote = read("how many days do i have to pay or sign a payback agreement", [passage])
    assert quote is not None and "fifteen (15) days" in quote.text


def test_a_value_question_prefers_a_close_sentence_that_states_the_value() -> None:
    passage = Source(
        "A 5% late fee per month is charged on late rent.\n"
        "Payments received in our office on the 5th by 5:00 p.m. are considered current.",
        "Rent Payment Policy",
    )
    quote = read("whats the last day to pay without a late fee", [passage])
    assert quote is not None and quote.states_kind
    assert "on the 5th" in quote.text


def test_a_sentence_that_leans_on_the_rule_before_it_carries_that_rule() -> None:
    passage = Source(
        "Residents are not permitted to repair vehicles on the property. This includes oil changes and "
        "brake repairs.\nInoperable vehicles can not be parked in the lot.",
        "Parking",
    )
    quote = read("can i change my own oil in the parking lot", [passage])
    assert quote is not None
    assert quote.sentences[0] == "Residents are not permitted to repair vehicles on the property."


def test_a_derived_noun_says_what_its_verb_says() -> None:
    passage = Source(
        "The deposit is refunded after inspection.\n"
        "Any notification of a voluntary withdrawal from housing must be made in writing to the office.",
        "Withdrawal",
    )
    quote = read("how do i withdraw from housing", [passage])
    assert quote is not None and "in writing" in quote.text


@pytest.mark.parametrize(
    ("question", "kind"),
    [("what are the office hours to drop off rent", "day"), ("what are the fitness room hours", "day")],
)
def test_a_question_about_hours_asks_for_a_time(question: str, kind: str) -> None:
    assert asked_kinds(question)[0] == kind


def test_pounds_and_euros_are_amounts() -> None:
    assert [v.normal for v in values_in("Where a quote exceeds £40 approval is required.")] == ["4000"]
    assert [v.normal for v in values_in("A fee of €25.50 applies.")] == ["2550"]


def test_a_blank_in_a_form_does_not_hide_the_length_of_time() -> None:
    assert [v.normal for v in values_in("not received within 5 (or ) calendar days after the due date")] == [
        "5 days"
    ]


def test_rerank_weighs_the_question_once_over_every_candidate() -> None:
    # Each candidate is read with the question's words weighed over all the candidates, not over itself
    # alone: a word in every sentence of one passage is not thereby worth less in that passage only.
    notice = Source(
        "Notice of a meeting is posted a week before. Notice may be given by email. "
        "Members who leave must give 4 weeks' notice.",
        "Membership",
    )
    meetings = Source("Members may leave a meeting early with apologies to the chair.", "Meetings")
    question = "how much notice to leave"
    shared = rerank(question, [meetings, notice])
    alone = [rerank(question, [source])[0] for source in (meetings, notice)]
    assert shared[1] > shared[0]
    assert shared[0] - RERANK_PRIOR != pytest.approx(alone[0] - RERANK_PRIOR)  # weighed with the other
