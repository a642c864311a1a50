"""Reader rules of the sixth round, each on sentences written for these tests (none from an eval set)."""

from __future__ import annotations

from collections.abc import Sequence

from app.knowledge.reading import Similarity, Source, question_groups, read
from app.knowledge.sentences import split_sentences
from app.knowledge.values import asked_kinds


def fixed(scores: dict[str, float], default: float = 0.0) -> Similarity:
    """A `Similarity` that gives each sentence a set cosine (the first key it contains), else `default`."""

    def similarity(_question: str, sentences: Sequence[str]) -> list[float]:
        return [next((v for k, v in scores.items() if k in s), default) for s in sentences]

    return similarity


def test_a_web_address_without_a_full_stop_ends_its_sentence() -> None:
    paragraph = (
        "Forms are on the tenant portal at https://portal.example.org/forms Late forms are not accepted. "
        "See www.example.org for hours."
    )
    assert split_sentences(paragraph) == [
        "Forms are on the tenant portal at https://portal.example.org/forms",
        "Late forms are not accepted.",
        "See www.example.org for hours.",
    ]


def test_a_web_address_followed_by_a_bracket_or_lower_case_stays_in_its_sentence() -> None:
    paragraph = "Read https://example.org/rules (Section 2) before signing."
    assert split_sentences(paragraph) == [paragraph]


def test_there_will_be_no_is_a_rule_and_a_close_sentence_before_the_best_is_quoted_with_it() -> None:
    passage = Source(
        "There will be no storage fee increases during the first year. "
        "If the storage agreement renews, the owner may increase the storage fee with notice.",
        "Storage",
    )
    quote = read(
        "can they raise my storage fee this year",
        [passage],
        similarity=fixed({"There will be no": 0.5, "renews": 0.6}),
    )
    assert quote is not None
    assert quote.sentences[0] == "There will be no storage fee increases during the first year."


def test_a_sentence_that_adds_to_the_rule_is_quoted_with_it() -> None:
    passage = Source(
        "If a payment is dishonored by the bank, Tenant pays a returned item charge. "
        "Furthermore, Owner may require all later payments by certified funds.",
        "Payments",
    )
    quote = read(
        "my payment was dishonored by the bank, what now",
        [passage],
        similarity=fixed({"dishonored": 0.6, "Furthermore": 0.1}),
    )
    assert quote is not None and quote.sentences[-1].startswith("Furthermore, Owner may require")


def test_in_addition_to_is_not_an_added_rule() -> None:
    passage = Source(
        "The pool closes at dusk. In addition to the pool rules, residents follow the spa rules.",
        "Pool",
    )
    quote = read("when does the pool close", [passage])
    assert quote is not None and quote.sentences == ("The pool closes at dusk.",)


def test_a_when_clause_that_sets_up_another_question_does_not_ask_a_day() -> None:
    assert "day" not in asked_kinds("when i move out, what happens to my parking pass")
    assert asked_kinds("when is the parking pass renewed")[0] == "day"


def test_a_yes_or_no_asked_after_what_it_depends_on() -> None:
    assert asked_kinds("if i sublet for the summer do i still owe rent")[0] == "yesno"
    assert asked_kinds("the pool is closed today, can i get a refund of the fee")[0] == "yesno"
    assert asked_kinds("if i pay late what do i owe")[0] != "yesno"
    # which of two, not yes or no
    assert asked_kinds("if i pay part, does it go to rent or to the fees")[0] != "yesno"


def test_a_word_said_twice_is_one_word_of_the_question() -> None:
    groups = question_groups("when i pay, what is paid first")
    assert len([g for g in groups if "pay" in g]) == 1


def test_paying_back_is_reimbursing() -> None:
    passage = Source(
        "Residents who leave before the term ends shall reimburse the owner the signing bonus.\n"
        "Deposits are paid back within 30 days after a resident leaves.",
        "Move-in bonus",
    )
    quote = read(
        "if i leave early do i have to pay back the signing bonus",
        [passage],
        similarity=fixed({"reimburse": 0.45, "Deposits": 0.5}),
    )
    assert quote is not None and quote.sentences[0].startswith("Residents who leave before the term ends")


def test_a_pet_word_the_encoder_does_not_know_is_measured_as_the_documents_word() -> None:
    passage = Source("Pets are not permitted in any unit. Trash goes out on Tuesdays.", "Pets")

    def similarity(question: str, sentences: Sequence[str]) -> list[float]:
        # the encoder places "kitten" far from "Pets"; "(pet)" beside it brings it close
        near = 0.5 if "(pet)" in question else 0.2
        return [near if "Pets" in s else 0.1 for s in sentences]

    quote = read("can i have a kitten", [passage], similarity=similarity)
    assert quote is not None and quote.text.startswith("Pets are not permitted") and quote.answered


def test_being_out_is_vacating_and_a_day_is_a_date() -> None:
    passage = Source(
        "A resident who holds over is charged from 11:30 A.M. each day. "
        "Residents must vacate the unit by 9 A.M. on the move-out date.",
        "Move-out",
    )
    quote = read(
        "what time do i need to be out on my final day",
        [passage],
        similarity=fixed({"holds over": 0.45, "vacate": 0.35}),
    )
    assert quote is not None and "9 A.M." in quote.text


def test_a_step_of_a_list_that_counts_from_the_one_before_reads_it_as_its_lead_in() -> None:
    passage = Source(
        "- After 30 days of arrears a reminder letter is sent.\n"
        "- Two weeks later a notice of eviction proceedings is sent.\n"
        "- A notice to quit is posted 14 days after the end of the tenancy.",
        "Arrears",
    )
    quote = read(
        "after the reminder letter how long before an eviction notice",
        [passage],
        similarity=fixed({"Two weeks later": 0.5, "14 days after": 0.7}),
    )
    assert quote is not None and any("Two weeks later" in s for s in quote.sentences)


def test_a_length_of_time_the_question_proposes_is_not_asked_about() -> None:
    groups = question_groups("can my sister stay for two weeks")
    assert not any("week" in g for g in groups)
    passage = Source(
        "Maintenance visits during the week are scheduled by the office. "
        "A guest may stay no more than five nights in a month.",
        "Guests",
    )
    quote = read("can my sister stay for a whole week", [passage])
    assert quote is not None and "five nights" in quote.text
