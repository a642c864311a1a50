"""How good the scores are on months the model did not see: AUC, Brier score, reliability by decile."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

DECILES = 10


class ReliabilityBin(BaseModel):
    """One tenth of the held-out months, ranked by predicted risk: what was predicted and what happened."""

    model_config = ConfigDict(frozen=True)

    decile: int
    """1: the lowest predicted risk; 10: the highest."""
    count: int
    low: float
    high: float
    mean_predicted: float
    observed_rate: float


class Evaluation(BaseModel):
    model_config = ConfigDict(frozen=True)

    examples: int
    late: int
    auc: float
    """Chance that a late month was scored above an on-time one (0.5: no better than a coin)."""
    brier: float
    """Mean squared error of the probabilities (lower is better)."""
    brier_reference: float
    """The Brier score of predicting the training base rate for every month: the bar to beat."""
    reliability: tuple[ReliabilityBin, ...]


def evaluate(probabilities: Sequence[float], labels: Sequence[bool], *, base_rate: float) -> Evaluation:
    """Score held-out predictions. Needs at least one late and one on-time month."""
    from sklearn.metrics import brier_score_loss, roc_auc_score  # imported when measuring only

    p = np.asarray(probabilities, dtype=float)
    y = np.asarray(labels, dtype=int)
    if y.min(initial=1) == y.max(initial=0):
        raise ValueError("the held-out months need both late and on-time payments to measure the model")
    return Evaluation(
        examples=int(y.size),
        late=int(y.sum()),
        auc=round(float(roc_auc_score(y, p)), 4),
        brier=round(float(brier_score_loss(y, p)), 4),
        brier_reference=round(float(brier_score_loss(y, np.full(y.size, base_rate))), 4),
        reliability=reliability_by_decile(p, y),
    )


def reliability_by_decile(p: np.ndarray, y: np.ndarray) -> tuple[ReliabilityBin, ...]:
    """Rank by predicted risk (ties in input order, so the table is stable) and cut into ten groups as
    equal as the count allows."""
    order = np.argsort(p, kind="stable")
    bins: list[ReliabilityBin] = []
    for n, idx in enumerate(np.array_split(order, DECILES), start=1):
        if idx.size == 0:
            continue
        bins.append(
            ReliabilityBin(
                decile=n,
                count=int(idx.size),
                low=round(float(p[idx].min()), 4),
                high=round(float(p[idx].max()), 4),
                mean_predicted=round(float(p[idx].mean()), 4),
                observed_rate=round(float(y[idx].mean()), 4),
            )
        )
    return tuple(bins)
