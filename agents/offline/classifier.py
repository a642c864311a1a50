"""The offline intent classifier: what a resident's message means, how sure we are, whether staff must see it.

`IntentClassifier.load_or_train(cache_dir)` reads a cached model or trains one from
`training/intents.jsonl` (10-15 s on an idle two-core host: most of it embedding the examples; once
per data or code change) and caches it. Nothing trains or loads at import. `predict` costs about
5 ms on an idle two-core host, most of it the MiniLM embedding (several times more when other work
competes for the cores), and about 0.3 ms for a message whose vector the encoder has kept; it is
CPU-bound and synchronous, so async callers run it in a worker thread (`anyio.to_thread.run_sync`)
rather than on the event loop.

Escalation does not hang on the top intent alone. A prediction escalates when any of these holds:
the top intent is one that always goes to a person (`agents.intents.ESCALATING`); the summed
probability of all escalating intents reaches a threshold tuned out of fold on the training data
(disputes phrased as questions spread their probability over several intents); or the message names
one of a small fixed net of words (`agents.offline.safety_net`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from agents.intents import ESCALATING, Intent
from agents.offline.dataset import TRAINING_FILE, Example, fingerprint, load_examples
from agents.offline.features import Encoder, FloatMatrix, QueryEncoder
from agents.offline.gloss import GLOSSARY_FILE
from agents.offline.language import Language
from agents.offline.model import (
    CLARIFY_EXEMPT,
    FittedModel,
    ProbabilityMatrix,
    TrainingConfig,
    escalating_columns,
)
from agents.offline.model_cache import DEFAULT_ENCODER, cache_file, model_key, read_model, write_model
from agents.offline.preprocess import PreparedText, prepare
from agents.offline.safety_net import escalation_triggers

logger = logging.getLogger(__name__)


class IntentPrediction(BaseModel):
    """What the classifier makes of one message."""

    model_config = ConfigDict(frozen=True)

    intent: Intent = Field(description="The most probable intent.")
    confidence: float = Field(ge=0.0, le=1.0, description="Probability of `intent`.")
    probabilities: dict[Intent, float] = Field(description="Every intent's probability; they sum to 1.")
    escalation_probability: float = Field(
        ge=0.0, le=1.0, description="Summed probability of the intents that go to a person."
    )
    escalate: bool = Field(
        description="Staff must see this message: escalating top intent, escalation probability at or "
        "above the tuned threshold, or an always-escalate word."
    )
    escalation_triggers: list[str] = Field(
        default_factory=list, description="Always-escalate words found in the message (labels)."
    )
    ambiguous: bool = Field(
        description="The top two intents are too close to act on: ask a clarifying question "
        "(never set for greetings and thanks)."
    )
    language: Language

    def top(self, k: int = 2) -> list[tuple[Intent, float]]:
        """The `k` most probable intents with their probabilities, best first."""
        ranked = sorted(self.probabilities.items(), key=lambda item: item[1], reverse=True)
        return ranked[:k]


class IntentClassifier:
    """A fitted intent model plus the sentence encoder it needs; safe to share across threads."""

    def __init__(
        self, model: FittedModel, *, encoder: Encoder | None = None, from_cache: bool = False
    ) -> None:
        self._model = model
        self._encoder = encoder
        self._from_cache = from_cache
        self._escalating = escalating_columns(model.intents)

    @classmethod
    def load_or_train(
        cls,
        cache_dir: Path,
        *,
        training_file: Path = TRAINING_FILE,
        config: TrainingConfig | None = None,
        encoder: Encoder | None = None,
    ) -> IntentClassifier:
        """The cached model for the current data, code and config, trained and cached first if missing."""
        config = config or TrainingConfig()
        data_fingerprint = fingerprint([training_file, GLOSSARY_FILE])
        encoder_name = DEFAULT_ENCODER if encoder is None else type(encoder).__name__
        key = model_key(data_fingerprint=data_fingerprint, config=config, encoder_name=encoder_name)
        path = cache_file(cache_dir, key)
        cached = read_model(path)
        if cached is not None and cached.data_fingerprint == data_fingerprint:
            return cls(cached, encoder=encoder, from_cache=True)
        logger.info("training the intent model from %s (no cache at %s)", training_file, path)
        trained = cls.train(
            load_examples(training_file), config=config, encoder=encoder, data_fingerprint=data_fingerprint
        )
        write_model(trained.model, path)
        return trained

    @classmethod
    def train(
        cls,
        examples: Sequence[Example],
        *,
        config: TrainingConfig | None = None,
        encoder: Encoder | None = None,
        data_fingerprint: str = "",
    ) -> IntentClassifier:
        """Fit a new model on `examples` (no cache involved)."""
        if not examples:
            raise ValueError("cannot train the intent classifier on no examples")
        # scikit-learn is for training only: a process that reads a cached model never imports it
        from threadpoolctl import threadpool_limits

        from agents.offline.fitting import fit_model

        encoder = encoder or default_encoder()
        prepared = [prepare(example.text) for example in examples]
        embeddings = embed_prepared(encoder, prepared)
        net_hits = np.array([bool(escalation_triggers(example.text)) for example in examples])
        # One BLAS/OpenMP thread: on a shared two-core host, more threads fight and fitting runs 4x slower.
        with threadpool_limits(limits=1):
            model = fit_model(
                [item.normalized for item in prepared],
                [example.intent for example in examples],
                embeddings,
                net_hits,
                config=config or TrainingConfig(),
                data_fingerprint=data_fingerprint,
            )
        return cls(model, encoder=encoder)

    @property
    def model(self) -> FittedModel:
        """The fitted model (features, regression, thresholds), as cached."""
        return self._model

    @property
    def loaded_from_cache(self) -> bool:
        """True when this model was read from the cache rather than trained in this process."""
        return self._from_cache

    @property
    def intents(self) -> tuple[Intent, ...]:
        """The intents the model knows, in its column order."""
        return self._model.intents

    @property
    def escalation_threshold(self) -> float:
        """Summed escalating probability at or above which a message escalates (tuned out of fold)."""
        return self._model.escalation_threshold

    @property
    def ambiguity_margin(self) -> float:
        """Top-2 probability gap below which a prediction is ambiguous (tuned out of fold)."""
        return self._model.ambiguity_margin

    @property
    def out_of_fold_accuracy(self) -> float:
        """Cross-validated accuracy on the training data, measured while training."""
        return self._model.out_of_fold_accuracy

    def predict(self, text: str) -> IntentPrediction:
        """Classify one message."""
        return self.predict_many([text])[0]

    def predict_many(self, texts: Sequence[str]) -> list[IntentPrediction]:
        """Classify a batch (one embedding call for all of them); results in input order."""
        if not texts:
            return []
        prepared = [prepare(text) for text in texts]
        if self._encoder is None:
            self._encoder = default_encoder()
        embeddings = embed_messages(self._encoder, prepared)
        probabilities = self._model.probabilities([item.normalized for item in prepared], embeddings)
        return [
            self._prediction(text, item, row)
            for text, item, row in zip(texts, prepared, probabilities, strict=True)
        ]

    def _prediction(self, text: str, prepared: PreparedText, row: ProbabilityMatrix) -> IntentPrediction:
        intents = self._model.intents
        order = np.argsort(row)[::-1]
        intent = intents[order[0]]
        margin = float(row[order[0]] - row[order[1]]) if len(order) > 1 else 1.0
        escalation_probability = min(1.0, float(row[self._escalating].sum()))
        triggers = escalation_triggers(text)
        return IntentPrediction(
            intent=intent,
            confidence=float(row[order[0]]),
            probabilities={name: float(p) for name, p in zip(intents, row, strict=True)},
            escalation_probability=escalation_probability,
            escalate=intent in ESCALATING
            or escalation_probability >= self._model.escalation_threshold
            or bool(triggers),
            escalation_triggers=triggers,
            ambiguous=margin < self._model.ambiguity_margin and intent not in CLARIFY_EXEMPT,
            language=prepared.language,
        )


def default_encoder() -> Encoder:
    """The process-wide MiniLM encoder (imported here, not at module import: it loads onnxruntime)."""
    from app.knowledge.embedding import get_encoder

    return get_encoder()


def embed_prepared(encoder: Encoder, prepared: Sequence[PreparedText]) -> FloatMatrix:
    """Embedding rows for prepared texts, in order."""
    return encoder.embed([item.embedding_input for item in prepared])


def embed_messages(encoder: Encoder, prepared: Sequence[PreparedText]) -> FloatMatrix:
    """Embedding rows for the messages being classified, from the encoder's kept vectors where it keeps
    them. Residents send the same short messages again and again ("how much do i owe"), and the
    embedding is most of a prediction's cost; the rows are the ones `embed` would give, so a kept
    vector never changes a prediction."""
    if not isinstance(encoder, QueryEncoder):
        return embed_prepared(encoder, prepared)
    return np.stack([encoder.embed_query(item.embedding_input) for item in prepared])
