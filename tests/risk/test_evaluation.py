"""The held-out figures: AUC, Brier score, reliability by decile; and the split by time."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from app.risk.dataset import Example, split_by_time
from app.risk.evaluation import evaluate, reliability_by_decile
from app.risk.features import LeaseFeatures

NO_FEATURES = LeaseFeatures(0, 0, 0, 0, 0, 0, 0, 0, 1, 0)


def test_a_perfect_ranking_has_auc_one_and_a_coin_has_one_half() -> None:
    assert evaluate([0.1, 0.2, 0.8, 0.9], [False, False, True, True], base_rate=0.5).auc == 1.0
    assert evaluate([0.5, 0.5, 0.5, 0.5], [False, True, False, True], base_rate=0.5).auc == 0.5


def test_brier_is_the_mean_squared_error_beside_the_base_rate_reference() -> None:
    result = evaluate([0.0, 1.0, 0.5, 0.5], [False, True, True, False], base_rate=0.25)
    assert result.brier == pytest.approx(0.125)
    assert result.brier_reference == pytest.approx((0.25**2 * 2 + 0.75**2 * 2) / 4)


def test_reliability_cuts_the_ranked_months_into_ten_groups() -> None:
    p = np.linspace(0.01, 0.99, 95)
    y = (p > 0.5).astype(int)
    bins = reliability_by_decile(p, y)
    assert [b.decile for b in bins] == list(range(1, 11))
    assert sum(b.count for b in bins) == 95
    assert bins[0].observed_rate == 0.0 and bins[-1].observed_rate == 1.0
    assert all(a.high <= b.low for a, b in zip(bins, bins[1:], strict=False))


def test_evaluation_needs_both_outcomes() -> None:
    with pytest.raises(ValueError, match="both late and on-time"):
        evaluate([0.1, 0.2], [False, False], base_rate=0.1)


def test_the_split_holds_out_the_latest_months() -> None:
    examples = [Example(i, date(2026, m, 1), NO_FEATURES, i % 2 == 0) for i, m in enumerate(range(1, 13))]
    split = split_by_time(examples, holdout_months=3)
    assert split.holdout_months == ("2026-10", "2026-11", "2026-12")
    assert split.train_months[-1] == "2026-09"
    assert max(e.due_on for e in split.train) < min(e.due_on for e in split.holdout)
