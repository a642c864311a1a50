"""Splitting long replies into one-segment texts: GSM-7 and UCS-2 limits, escapes, emoji, word boundaries."""

from __future__ import annotations

import pytest

from app.channels.segments import encoding_of, layout, plain_text, split_sms, units

SENTENCES = (
    "Your balance is $1,250.00 as of Nov 23, 2026. It includes November rent of $1,200.00 and a late fee "
    "of $50.00. You can pay by ACH or card in the portal; card payments carry a 2.5% fee. Bank payments "
    "take about 2 business days to clear."
)


def test_a_text_of_160_plain_characters_is_one_segment_and_161_is_two() -> None:
    assert layout("a" * 160).segments == 1 and split_sms("a" * 160) == ["a" * 160]
    assert layout("a" * 161).segments == 2
    assert layout("a" * 306).segments == 2 and layout("a" * 307).segments == 3


def test_extension_characters_count_twice_and_never_straddle_two_parts() -> None:
    assert units("{}[]~|^€\\") == 18 and encoding_of("€5") == "GSM-7"
    assert layout("€" * 80).segments == 1 and layout("€" * 81).segments == 2
    parts = split_sms("€" * 100)
    assert [units(p) for p in parts] == [152, 48]  # 76 pairs fit in 153 septets: the 77th moves whole
    assert "".join(parts) == "€" * 100


def test_one_character_outside_gsm_makes_the_whole_text_ucs2_with_70_and_67_limits() -> None:
    assert encoding_of("plain text ✓") == "UCS-2"
    assert layout("é" * 160).encoding == "GSM-7"  # é is in the GSM alphabet
    assert layout("á" * 70).segments == 1 and layout("á" * 71).segments == 2
    parts = split_sms("á" * 140)
    assert [len(p) for p in parts] == [67, 67, 6]


def test_emoji_take_two_units_and_are_never_cut_in_half() -> None:
    text = "😀" * 40  # 80 UTF-16 units
    assert layout(text).units == 80 and layout(text).segments == 2
    parts = split_sms(text)
    assert all(units(p) <= 67 for p in parts) and "".join(parts) == text
    assert [len(p) for p in parts] == [33, 7]


def test_family_emoji_and_flags_stay_whole_when_a_part_must_be_cut_mid_word() -> None:
    family = "👨\u200d👩\u200d👧"  # 8 units
    parts = split_sms("x" * 60 + family + family)
    assert all(units(p) <= 67 for p in parts)
    assert parts[0] == "x" * 60 and parts[1] == family + family
    flags = "🇺🇸" * 20  # each flag: two regional indicators, four units
    cut = split_sms("y" + flags)
    assert all(len(p.replace("y", "")) % 2 == 0 for p in cut) and "".join(cut) == "y" + flags


def test_long_replies_split_at_sentence_ends_else_at_spaces_and_lose_no_words() -> None:
    parts = split_sms(SENTENCES)
    assert len(parts) > 1 and all(layout(p).segments == 1 and units(p) <= 153 for p in parts)
    assert " ".join(parts).split() == SENTENCES.split()
    assert parts[0].endswith("$50.00.")
    words = "lorem ipsum dolor sit amet " * 20
    assert all(not p.startswith(" ") and not p.endswith(" ") for p in split_sms(words))
    assert " ".join(split_sms(words)).split() == words.split()


def test_a_single_word_longer_than_a_part_is_cut_between_characters() -> None:
    link = "https://portal.example.com/pay?" + "q" * 200
    parts = split_sms(link)
    assert "".join(parts) == link and all(units(p) <= 153 for p in parts)


def test_typographic_quotes_and_dashes_are_made_plain_so_a_reply_stays_gsm() -> None:
    fancy = "You\u2019re set \u2014 \u201cAutopay\u201d is on\u2026"
    assert encoding_of(fancy) == "UCS-2"
    assert (
        plain_text(fancy) == 'You\'re set - "Autopay" is on...' and encoding_of(plain_text(fancy)) == "GSM-7"
    )


def test_blank_text_gives_no_parts_and_max_parts_ends_the_last_kept_part_with_an_ellipsis() -> None:
    assert split_sms("  \n ") == []
    parts = split_sms("word " * 200, max_parts=2)
    assert len(parts) == 2 and parts[-1].endswith("...") and units(parts[-1]) <= 153


@pytest.mark.parametrize("text", ["ab " * 300, "ñ€x " * 90, "😀 a " * 60, "Hola, ¿cómo está? " * 20])
def test_every_part_fits_one_segment_whatever_the_text(text: str) -> None:
    parts = split_sms(text)
    single, per_part = (160, 153) if encoding_of(text) == "GSM-7" else (70, 67)
    assert all(units(p, encoding_of(text)) <= per_part for p in parts)
    assert all(layout(p).segments == 1 and layout(p).units <= single for p in parts)
    assert " ".join(parts).split() == text.split()
