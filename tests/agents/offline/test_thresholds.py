"""Threshold tuning on out-of-fold predictions."""

from __future__ import annotations

import numpy as np

from agents.offline.thresholds import top_two_margins, tune_ambiguity_margin, tune_escalation_threshold


def test_escalation_threshold_is_the_most_precise_that_meets_recall() -> None:
    probability = np.array([0.9, 0.6, 0.35, 0.2, 0.5, 0.1, 0.05])
    should = np.array([True, True, True, True, False, False, False])
    anyway = np.zeros(7, dtype=bool)
    threshold = tune_escalation_threshold(probability, should, anyway, min_recall=0.75)
    assert threshold == 0.35
    assert tune_escalation_threshold(probability, should, anyway, min_recall=1.0) == 0.2


def test_escalation_threshold_counts_messages_escalated_anyway() -> None:
    probability = np.array([0.9, 0.1])
    should = np.array([True, True])
    anyway = np.array([False, True])
    assert tune_escalation_threshold(probability, should, anyway, min_recall=1.0) == 0.9


def test_ambiguity_margin_flags_wrong_predictions_within_budget() -> None:
    margins = np.array([0.01, 0.03, 0.05, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95])
    correct = np.array([False, False, False, True, True, True, True, True, True, True])
    assert tune_ambiguity_margin(margins, correct, max_flagged_correct=0.1) == 0.06
    assert tune_ambiguity_margin(margins, np.ones(10, dtype=bool), max_flagged_correct=0.1) == 0.02


def test_top_two_margins() -> None:
    probabilities = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
    assert np.allclose(top_two_margins(probabilities), [0.2, 0.7])
