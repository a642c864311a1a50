"""The lexical analyzer: stems English, folds accents, maps Spanish and shorthand onto document words."""

from __future__ import annotations

import unicodedata

from app.knowledge.lexical import LexicalIndex, analyze, analyze_query, dense_query, fold, stem


def test_stemmer_brings_word_forms_together() -> None:
    assert {stem("charges"), stem("charged"), stem("charge")} == {"charg"}
    assert stem("payments") == stem("payment")
    assert stem("paid") == stem("paying") == "pay"
    assert stem("policies") == "policy"


def test_irregular_forms_stem_as_their_regular_form_does() -> None:
    assert stem("left") == stem("leave") == stem("leaving")
    assert stem("bounced") == stem("bounce")
    assert stem("took") == stem("take")
    assert stem("used") == stem("use") == stem("uses")


def test_analyze_drops_stopwords_and_keeps_numbers() -> None:
    assert analyze("The late fee is $75.00 on the 5th.") == ["lat", "fee", "75", "5th"]


def test_spanish_and_shorthand_queries_meet_the_english_documents() -> None:
    assert {"lat", "fee"} <= set(analyze_query("cuánto es la multa"))
    assert "payment" in analyze_query("my pymt didnt go thru")
    assert dense_query("dónde está la basura") == "dónde está la basura (trash garbage)"
    assert dense_query("when is rent due") == "when is rent due"


def test_bm25_ranks_the_matching_text_first_and_ignores_unknown_words() -> None:
    index = LexicalIndex(
        ["Quiet hours are 10 p.m. to 8 a.m.", "Late charges: $75.00 after the 4th.", "Pool rules."]
    )

    assert index.top("late charge amount", 3)[0][0] == 1
    assert index.top("zzzz qqqq", 3) == []
    assert LexicalIndex([]).top("late", 3) == []


def test_fold_drops_case_and_accents_of_any_text() -> None:
    def by_text(text: str) -> str:  # the definition: the whole text decomposed, combining marks dropped
        decomposed = unicodedata.normalize("NFKD", text.casefold())
        return "".join(c for c in decomposed if not unicodedata.combining(c))

    samples = [
        "Depósito de GARANTÍA",
        "plain ASCII text",
        "ﬁle ½ Straße ǅ ㎏ 한국어 x\u0301\u0327 ‘quoted’ — İ",
    ]
    for text in samples:
        assert fold(text) == by_text(text)
    assert fold("Depósito") == "deposito"
