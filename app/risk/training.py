"""Training with a time-based split: fit on the earlier months, measure on the latest, then refit on all.

The evaluation is of `holdout_model`, fitted without the held-out months; `model`, which scores leases,
is the same recipe refitted on every labelled month (so the newest behaviour counts too). Both are
kept, with the months each saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from importlib.metadata import version

from pydantic import BaseModel, ConfigDict

from app.risk.dataset import build_examples, split_by_time
from app.risk.evaluation import Evaluation, evaluate
from app.risk.history import LeaseHistory
from app.risk.model import RiskModel, TrainingConfig, fit_model


class NotEnoughHistory(ValueError):
    """The ledger cannot support a model: too few months, or no late (or no on-time) month in a split."""


class TrainedRisk(BaseModel):
    """A fitted risk model with its held-out measurement: what the cache stores and the report prints."""

    model_config = ConfigDict(frozen=True)

    key: str
    as_of: date
    """The ledger as it stood on this day was trained on."""
    config: TrainingConfig
    model: RiskModel
    """Fitted on every labelled month: what scores leases."""
    holdout_model: RiskModel
    """Fitted on `train_months` only: what `evaluation` measured."""
    train_months: tuple[str, ...]
    holdout_months: tuple[str, ...]
    evaluation: Evaluation
    sklearn_version: str


def train_risk(
    histories: Sequence[LeaseHistory], *, as_of: date, config: TrainingConfig, key: str = ""
) -> TrainedRisk:
    """Fit and measure the model on the leases' ledgers as they stood on `as_of`."""
    examples = build_examples(histories, as_of=as_of)
    split = split_by_time(examples, holdout_months=config.holdout_months)
    if not split.train_months or not split.holdout_months:
        raise NotEnoughHistory(
            f"the ledger has {len(split.train_months) + len(split.holdout_months)} completed month(s) of "
            f"history; the risk model needs more than the {config.holdout_months} it holds out"
        )
    try:
        held = fit_model(split.train, config=config)
        evaluation = evaluate(
            held.probabilities(split.holdout), [e.late for e in split.holdout], base_rate=held.base_rate
        )
        model = fit_model(examples, config=config)
    except ValueError as exc:
        raise NotEnoughHistory(str(exc)) from exc
    return TrainedRisk(
        key=key,
        as_of=as_of,
        config=config,
        model=model,
        holdout_model=held,
        train_months=split.train_months,
        holdout_months=split.holdout_months,
        evaluation=evaluation,
        sklearn_version=version("scikit-learn"),
    )
