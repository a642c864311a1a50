"""Measure the intent classifier on the held-out set: per-intent and overall figures, escalation, latency.

Pure functions over a classifier and examples; `agents.offline.report` prints them and the tests
assert on them.
"""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel, Field

from agents.intents import ESCALATING, Intent
from agents.offline.classifier import IntentClassifier, IntentPrediction
from agents.offline.dataset import Example, LanguageSample
from agents.offline.language import detect_language


class IntentScore(BaseModel):
    intent: Intent
    precision: float
    recall: float
    support: int = Field(description="Held-out examples of this intent.")


class ConfusionPair(BaseModel):
    expected: Intent
    predicted: Intent
    count: int


class Miss(BaseModel):
    text: str
    expected: Intent
    predicted: Intent
    confidence: float


class HeldoutReport(BaseModel):
    """How the classifier does on examples it never trained on."""

    examples: int
    accuracy: float
    accuracy_by_language: dict[str, float]
    per_intent: list[IntentScore]
    confusions: list[ConfusionPair] = Field(description="Expected -> predicted pairs, most frequent first.")
    escalation_precision: float
    escalation_recall: float
    out_of_scope_recall: float
    ambiguous_share: float = Field(description="Share of predictions flagged for a clarifying question.")
    wrong_flagged_ambiguous: float = Field(description="Share of wrong predictions that were flagged.")
    misses: list[Miss]


class LatencyReport(BaseModel):
    """Wall time of `predict` on one message at a time (embedding included), warm."""

    samples: int
    p50_ms: float
    p95_ms: float
    load_average: float = Field(description="1-minute load average when measured (other work slows it).")


def evaluate_heldout(classifier: IntentClassifier, examples: Sequence[Example]) -> HeldoutReport:
    """Score `classifier` on `examples` (one batch prediction)."""
    predictions = classifier.predict_many([example.text for example in examples])
    pairs = [
        (example.intent, prediction.intent) for example, prediction in zip(examples, predictions, strict=True)
    ]
    correct = [expected == predicted for expected, predicted in pairs]
    escalation_precision, escalation_recall = _escalation(examples, predictions)
    return HeldoutReport(
        examples=len(examples),
        accuracy=_share(correct),
        accuracy_by_language={
            lang: _share([ok for ok, example in zip(correct, examples, strict=True) if example.lang == lang])
            for lang in sorted({example.lang for example in examples})
        },
        per_intent=[_intent_score(intent, pairs) for intent in Intent],
        confusions=[
            ConfusionPair(expected=expected, predicted=predicted, count=count)
            for (expected, predicted), count in Counter(p for p in pairs if p[0] != p[1]).most_common()
        ],
        escalation_precision=escalation_precision,
        escalation_recall=escalation_recall,
        out_of_scope_recall=_intent_score(Intent.OUT_OF_SCOPE, pairs).recall,
        ambiguous_share=_share([prediction.ambiguous for prediction in predictions]),
        wrong_flagged_ambiguous=_share(
            [prediction.ambiguous for prediction, ok in zip(predictions, correct, strict=True) if not ok]
        ),
        misses=[
            Miss(
                text=example.text,
                expected=example.intent,
                predicted=prediction.intent,
                confidence=prediction.confidence,
            )
            for example, prediction, ok in zip(examples, predictions, correct, strict=True)
            if not ok
        ],
    )


def language_accuracy(samples: Sequence[LanguageSample]) -> float:
    """Share of samples whose detected language ("en", "es", "other") is the labelled one."""
    return _share([detect_language(sample.text) == sample.lang for sample in samples])


def measure_latency(classifier: IntentClassifier, texts: Sequence[str], *, warmup: int = 5) -> LatencyReport:
    """Time `predict` once per text, after `warmup` untimed calls."""
    for text in texts[:warmup]:
        classifier.predict(text)
    timings: list[float] = []
    for text in texts:
        start = time.perf_counter()
        classifier.predict(text)
        timings.append((time.perf_counter() - start) * 1000)
    cuts = statistics.quantiles(timings, n=20, method="inclusive") if len(timings) > 1 else timings * 19
    return LatencyReport(
        samples=len(timings),
        p50_ms=statistics.median(timings) if timings else 0.0,
        p95_ms=cuts[18] if timings else 0.0,
        load_average=os.getloadavg()[0],
    )


def _escalation(examples: Sequence[Example], predictions: Sequence[IntentPrediction]) -> tuple[float, float]:
    """(precision, recall) of `escalate` against "the labelled intent escalates"."""
    flagged = [prediction.escalate for prediction in predictions]
    should = [example.intent in ESCALATING for example in examples]
    hits = sum(f and s for f, s in zip(flagged, should, strict=True))
    precision = hits / sum(flagged) if any(flagged) else 1.0
    recall = hits / sum(should) if any(should) else 1.0
    return precision, recall


def _intent_score(intent: Intent, pairs: Sequence[tuple[Intent, Intent]]) -> IntentScore:
    predicted = sum(1 for _, p in pairs if p == intent)
    support = sum(1 for e, _ in pairs if e == intent)
    hits = sum(1 for e, p in pairs if e == p == intent)
    return IntentScore(
        intent=intent,
        precision=hits / predicted if predicted else 0.0,
        recall=hits / support if support else 0.0,
        support=support,
    )


def _share(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0
