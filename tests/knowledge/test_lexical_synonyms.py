"""Resident words that leases put otherwise: the lexical side adds the documents' word to the resident's."""

from __future__ import annotations

from app.knowledge.lexical import LexicalIndex, analyze_query, stem


def test_a_synonym_is_added_to_the_residents_word_not_put_in_its_place() -> None:
    terms = analyze_query("my cousin wants to stay")

    assert {stem("cousin"), stem("guest"), stem("visitor")} <= set(terms)
    assert {stem("puppy"), stem("pet")} <= set(analyze_query("puppy"))


def test_words_without_synonyms_pass_through_unchanged() -> None:
    assert analyze_query("late fee amount") == [stem("late"), stem("fee"), stem("charge"), stem("amount")]


def test_a_friend_staying_over_finds_the_guest_clause() -> None:
    index = LexicalIndex(
        [
            "Guests may not stay in the unit for more than fourteen days in any year.",
            "Rent is due on the first day of the month.",
        ]
    )

    assert index.top("can my boyfriend stay for a few weeks", 2)[0][0] == 0
    assert index.top("my cousin is visiting", 2)[0][0] == 0


def test_payment_apps_meet_the_clause_on_how_payments_are_made() -> None:
    index = LexicalIndex(
        ["Payments may be made by cash, check or money order.", "Quiet hours begin at 10 p.m."]
    )

    assert [i for i, _ in index.top("do you take venmo or zelle", 2)] == [0]


def test_electric_meets_the_utilities_clause() -> None:
    index = LexicalIndex(
        ["Resident shall transfer the utilities into a personal account.", "Pets are allowed."]
    )

    assert index.top("i never moved the electric into my name", 2)[0][0] == 0
