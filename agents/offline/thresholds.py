"""Choose the classifier's two decision thresholds from out-of-fold predictions on the training data.

Both are tuned at training time on cross-validated probabilities (never on the held-out set), so a
changed dataset gets thresholds that fit it:

- escalation threshold: the highest cut on the summed probability of escalating intents that still
  catches `min_recall` of the escalating training messages (together with the other escalation rules),
  i.e. the most precise setting that meets the recall target;
- ambiguity margin: the top-2 probability gap below which a prediction is flagged for a clarifying
  question, chosen to flag as many wrong predictions as possible, less the share of right ones flagged,
  while flagging at most `max_flagged_correct` of the right ones.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.floating]

ESCALATION_GRID = np.round(np.arange(0.05, 0.96, 0.01), 2)
MARGIN_GRID = np.round(np.arange(0.02, 0.51, 0.01), 2)


def tune_escalation_threshold(
    escalation_probability: FloatArray,
    should_escalate: BoolArray,
    escalated_anyway: BoolArray,
    *,
    min_recall: float,
) -> float:
    """The highest grid threshold whose recall (with `escalated_anyway` counted) reaches `min_recall`.

    `escalated_anyway` marks messages the other rules escalate whatever the threshold (the word net,
    an escalating top intent). Falls back to the lowest grid value when no threshold reaches the target.
    """
    positives = int(should_escalate.sum())
    if positives == 0:
        return float(ESCALATION_GRID[-1])
    for threshold in ESCALATION_GRID[::-1]:
        flagged = (escalation_probability >= threshold) | escalated_anyway
        if (flagged & should_escalate).sum() / positives >= min_recall:
            return float(threshold)
    return float(ESCALATION_GRID[0])


def tune_ambiguity_margin(margins: FloatArray, correct: BoolArray, *, max_flagged_correct: float) -> float:
    """The margin that best separates wrong from right predictions (Youden's J), within the flag budget."""
    wrong = ~correct
    if not wrong.any() or not correct.any():
        return float(MARGIN_GRID[0])
    best_margin, best_score = float(MARGIN_GRID[0]), -1.0
    for margin in MARGIN_GRID:
        flagged = margins < margin
        flagged_correct = (flagged & correct).sum() / correct.sum()
        if flagged_correct > max_flagged_correct:
            break
        score = (flagged & wrong).sum() / wrong.sum() - flagged_correct
        if score > best_score:
            best_margin, best_score = float(margin), float(score)
    return best_margin


def top_two_margins(probabilities: FloatArray) -> FloatArray:
    """Per row, the best probability minus the second best."""
    ordered = np.sort(probabilities, axis=1)
    return ordered[:, -1] - ordered[:, -2]
