"""What the intent model reads of one message, computed the same way at training and at prediction."""

from __future__ import annotations

from dataclasses import dataclass

from agents.offline.gloss import gloss_spanish
from agents.offline.language import Language, detect_language
from agents.offline.text import normalize_for_model


@dataclass(frozen=True)
class PreparedText:
    """The two inputs of the features, and the language they were chosen by."""

    #: Folded text for the character and word n-gram features.
    normalized: str
    #: Text for the English sentence embedding: the normalised text, or its gloss when Spanish.
    embedding_input: str
    language: Language


def prepare(text: str) -> PreparedText:
    """Normalise `text`, detect its language, and pick the embedding input."""
    language = detect_language(text)
    normalized = normalize_for_model(text)
    embedding_input = gloss_spanish(normalized) if language == "es" else normalized
    return PreparedText(normalized=normalized, embedding_input=embedding_input, language=language)
