"""The fitted model as plain numbers, scoring, and the reasons behind each score.

A logistic regression on standardized features: a lease's log-odds of paying late is the average
lease's log-odds (`intercept`) plus, for each feature, its weight times how many standard deviations
the lease sits from the average. Those terms are the feature's *contribution*; the largest ones are the
score's reasons, so the reasons are exactly what moved the score.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from app.risk.dataset import Example
from app.risk.features import FEATURE_DIRECTION, FEATURES, LeaseFeatures, describe


class TrainingConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    holdout_months: int = 3
    """The latest due months held out to measure the model."""
    regularization_c: float = 1.0
    """scikit-learn's C: the inverse of the L2 penalty on the standardized weights."""


class RiskModel(BaseModel):
    """Everything needed to score a lease, without scikit-learn."""

    model_config = ConfigDict(frozen=True)

    features: tuple[str, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    weights: tuple[float, ...]
    """Change in log-odds per standard deviation of each feature."""
    intercept: float
    """Log-odds of the average lease (every feature at its training mean)."""
    base_rate: float
    """Share of late months in the data the model was fitted on."""
    examples: int
    set_aside: tuple[str, ...] = ()
    """Features the fit left out (weight 0): constant in the data, or weighted against their meaning."""

    def contributions(self, features: LeaseFeatures) -> dict[str, float]:
        """Each feature's push on the log-odds, relative to the average lease."""
        values = features.vector()
        return {
            name: w * (x - m) / s
            for name, w, x, m, s in zip(
                self.features, self.weights, values, self.means, self.scales, strict=True
            )
        }

    def probability(self, features: LeaseFeatures) -> float:
        return _sigmoid(self.intercept + sum(self.contributions(features).values()))

    def probabilities(self, examples: Sequence[Example]) -> list[float]:
        return [self.probability(e.features) for e in examples]


class Reason(BaseModel):
    """One reason behind a score: a feature, in words, and how far it moved the log-odds."""

    model_config = ConfigDict(frozen=True)

    feature: str
    text: str
    effect: float
    direction: Literal["raises", "lowers", "none"]


def reasons(model: RiskModel, features: LeaseFeatures, *, top: int = 3) -> list[Reason]:
    """The `top` features that moved this lease's score most, either way, largest first (ties in
    `FEATURES` order)."""
    pushes = model.contributions(features)
    ranked = sorted(pushes.items(), key=lambda item: (-abs(item[1]), model.features.index(item[0])))
    return [
        Reason(
            feature=name,
            text=describe(name, features),
            effect=round(effect, 3),
            direction="raises" if effect > 0 else "lowers",
        )
        for name, effect in ranked[:top]
        if abs(effect) >= 0.005
    ]


def fit_model(examples: Sequence[Example], *, config: TrainingConfig) -> RiskModel:
    """Fit on `examples`. Deterministic: the same examples give the same numbers.

    A feature whose weight comes out against its expected direction (`FEATURE_DIRECTION`), or that
    never varies, is set aside (weight 0) and the rest refitted, the worst first, until every weight
    left points the way payment behaviour does: a score's reasons must make sense to the person reading
    them, and a rare event seen a few times in a small portfolio is not evidence that it lowers risk.
    """
    # Imported here: scikit-learn costs a second to import, and scoring with a stored model (the digest,
    # every `doorstep` command that imports this module) never needs it.
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    if not examples:
        raise ValueError("no examples to fit the risk model on")
    x = np.array([e.features.vector() for e in examples], dtype=float)
    y = np.array([e.late for e in examples], dtype=int)
    if y.min() == y.max():
        raise ValueError("the training months need both late and on-time payments to fit the risk model")
    scaler = StandardScaler().fit(x)
    scales = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    z = (x - scaler.mean_) / scales
    expected = np.array([FEATURE_DIRECTION[name] for name in FEATURES], dtype=float)
    kept = [j for j in range(len(FEATURES)) if scaler.scale_[j] > 0]
    weights = np.zeros(len(FEATURES))
    intercept = float(np.log(y.mean() / (1 - y.mean())))
    while kept:
        # One BLAS thread: on a shared two-core host more threads only fight (as for the intent model).
        with threadpool_limits(limits=1):
            fitted = LogisticRegression(C=config.regularization_c, solver="lbfgs", max_iter=1000)
            fitted.fit(z[:, kept], y)
        against = fitted.coef_[0] * expected[kept]
        if against.min() >= 0:
            weights[kept] = fitted.coef_[0]
            intercept = float(fitted.intercept_[0])
            break
        kept.pop(int(np.argmin(against)))
    return RiskModel(
        features=FEATURES,
        means=tuple(round(float(v), 6) for v in scaler.mean_),
        scales=tuple(round(float(v), 6) for v in scales),
        weights=tuple(round(float(v), 6) for v in weights),
        intercept=round(intercept, 6),
        base_rate=round(float(y.mean()), 6),
        examples=int(y.size),
        set_aside=tuple(name for j, name in enumerate(FEATURES) if j not in kept),
    )


def _sigmoid(logit: float) -> float:
    if logit >= 0:
        return 1.0 / (1.0 + math.exp(-logit))
    odds = math.exp(logit)
    return odds / (1.0 + odds)
