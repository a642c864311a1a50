"""Fitting, scoring and reasons, on synthetic examples: deterministic, and the reasons are what moved the
score."""

from __future__ import annotations

import math
import random
from datetime import date

import pytest

from app.risk.dataset import Example, split_by_time
from app.risk.evaluation import evaluate
from app.risk.features import FEATURES, LeaseFeatures
from app.risk.model import RiskModel, TrainingConfig, fit_model, reasons


def _examples(n: int = 600, *, seed: int = 3, returns_against: bool = False) -> list[Example]:
    """Households with a habit: how often they were late drives whether they are late again; arrears
    add to it. With `returns_against`, the few households with a returned payment are never late (the
    accident of a small sample the fit must not turn into a reason)."""
    rng = random.Random(seed)
    out: list[Example] = []
    for i in range(n):
        habit = rng.choice((0.0, 0.0, 0.0, 0.1, 0.4, 0.8))
        late_months = sum(rng.random() < habit for _ in range(12))
        arrears = rng.choice((0, 0, 0, 0, 50_000, 300_000)) if habit > 0.3 else 0
        returns = 1 if rng.random() < 0.02 else 0
        features = LeaseFeatures(
            months=12,
            late_months=late_months,
            recent_months=3,
            recent_late_months=min(late_months, sum(rng.random() < habit for _ in range(3))),
            partial_months=late_months // 3,
            days_late_total=late_months * rng.randint(4, 12),
            returned_payments=returns,
            arrears_cents=arrears,
            monthly_cents=150_000,
            tenancy_months=rng.randint(2, 60),
        )
        late = rng.random() < min(0.02 + habit + (0.3 if arrears else 0.0), 0.97)
        if returns_against and returns:
            late = False
        out.append(Example(i, date(2026, 1 + i % 12, 1), features, late))
    return out


def test_the_same_examples_give_the_same_model() -> None:
    first = fit_model(_examples(), config=TrainingConfig())
    second = fit_model(_examples(), config=TrainingConfig())
    assert first == second
    assert first.model_dump_json() == second.model_dump_json()


def test_the_model_separates_the_habits_it_was_shown() -> None:
    examples = _examples(1200)
    split = split_by_time(examples, holdout_months=3)
    model = fit_model(split.train, config=TrainingConfig())
    result = evaluate(model.probabilities(split.holdout), [e.late for e in split.holdout], base_rate=0.2)
    assert result.auc >= 0.8
    assert result.brier < result.brier_reference
    assert dict(zip(FEATURES, model.weights, strict=True))["late_share"] > 0


def test_the_score_is_the_average_lease_plus_each_contribution() -> None:
    model = fit_model(_examples(), config=TrainingConfig())
    for example in _examples(40, seed=9):
        pushes = model.contributions(example.features)
        logit = model.intercept + sum(pushes.values())
        assert model.probability(example.features) == pytest.approx(1 / (1 + math.exp(-logit)))


def test_reasons_are_the_largest_contributions_in_order() -> None:
    model = fit_model(_examples(), config=TrainingConfig())
    for example in _examples(40, seed=11):
        pushes = model.contributions(example.features)
        given = reasons(model, example.features, top=3)
        largest = sorted(pushes, key=lambda name: -abs(pushes[name]))[: len(given)]
        assert [r.feature for r in given] == largest
        for r in given:
            assert r.effect == pytest.approx(pushes[r.feature], abs=1e-3)
            assert r.direction == ("raises" if pushes[r.feature] > 0 else "lowers")


def test_a_riskier_habit_never_scores_lower() -> None:
    model = fit_model(_examples(), config=TrainingConfig())
    base = _examples(1, seed=5)[0].features
    scores = [
        model.probability(
            LeaseFeatures(
                12, late, 3, min(late, 3), 0, late * 5, 0, base.arrears_cents, base.monthly_cents, 24
            )
        )
        for late in range(13)
    ]
    assert scores == sorted(scores)


def test_a_weight_against_its_meaning_is_set_aside() -> None:
    """A handful of returned payments that happened to be followed by on-time months must not make a
    returned payment a reason to trust a lease more."""
    model = fit_model(_examples(returns_against=True), config=TrainingConfig())
    weights = dict(zip(FEATURES, model.weights, strict=True))
    assert "returned_payments" in model.set_aside
    assert weights["returned_payments"] == 0.0
    assert all(w >= 0 for name, w in weights.items() if name != "tenancy_years")


def test_a_model_survives_a_round_trip_through_json() -> None:
    model = fit_model(_examples(), config=TrainingConfig())
    again = RiskModel.model_validate_json(model.model_dump_json())
    example = _examples(1, seed=2)[0]
    assert again.probability(example.features) == model.probability(example.features)


def test_fitting_needs_both_outcomes() -> None:
    examples = [e for e in _examples() if not e.late]
    with pytest.raises(ValueError, match="both late and on-time"):
        fit_model(examples, config=TrainingConfig())
