"""The risk score at the database's edge: train (or read the cached model), score leases, report.

`load_or_train` is lazy: the first call for a ledger trains in about a second on the demo portfolio and
caches the model under the data directory (`DOORSTEP_DATA_DIR/models`); later calls on the same ledger
read it back. Nothing is downloaded.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound
from app.models import Property
from app.risk.evaluation import Evaluation
from app.risk.features import FEATURE_LABELS
from app.risk.model import RiskModel, TrainingConfig
from app.risk.queries import ledger_fingerprint, read_histories, read_leases
from app.risk.scoring import LeaseScore, score_lease
from app.risk.store import model_file, model_key, read_trained, write_trained
from app.risk.training import NotEnoughHistory, TrainedRisk, train_risk

logger = logging.getLogger(__name__)


def load_or_train(
    session: Session, *, cache_dir: Path, as_of: date, config: TrainingConfig | None = None
) -> TrainedRisk:
    """The model for the ledger as it stands on `as_of`: read from `cache_dir`, or trained and cached.

    Raises `Conflict` when the ledger has too little history to fit and measure a model.
    """
    config = config or TrainingConfig()
    key = model_key(data_fingerprint=ledger_fingerprint(session, as_of=as_of), config=config)
    path = model_file(cache_dir, key)
    cached = read_trained(path)
    if cached is not None and cached.key == key:
        return cached
    logger.info("training the risk model on the ledger as of %s (no cache at %s)", as_of, path)
    try:
        trained = train_risk(read_histories(session, as_of=as_of), as_of=as_of, config=config, key=key)
    except NotEnoughHistory as exc:
        raise Conflict(f"cannot train the risk model: {exc}") from exc
    write_trained(trained, path)
    return trained


def score_leases(
    session: Session,
    model: RiskModel,
    *,
    as_of: date,
    property_code: str | None = None,
    top_reasons: int = 3,
) -> list[LeaseScore]:
    """Every lease active on `as_of` (at one property, with a code), riskiest first (then by lease)."""
    if (
        property_code is not None
        and session.scalar(select(Property.id).where(Property.code == property_code)) is None
    ):
        raise NotFound(f"no property {property_code!r}: use a property code such as maple-court")
    leases = [row for row in read_leases(session, property_code=property_code) if row.active_on(as_of)]
    histories = read_histories(session, as_of=as_of, lease_ids=[row.lease_id for row in leases])
    by_id = {h.lease_id: h for h in histories}
    scores = [
        score_lease(model, row, by_id[row.lease_id], as_of=as_of, top_reasons=top_reasons) for row in leases
    ]
    return sorted(scores, key=lambda s: (-s.risk_bp, s.lease_ref))


class Coefficient(BaseModel):
    feature: str
    label: str
    weight: float
    """Change in log-odds per standard deviation."""
    mean: float
    scale: float


class RiskReport(BaseModel):
    """What `doorstep risk report` prints: the split, the held-out figures and the model's weights."""

    as_of: date
    model_key: str
    train_months: tuple[str, ...]
    holdout_months: tuple[str, ...]
    train_examples: int
    train_late_rate: float
    holdout: Evaluation
    scoring_examples: int
    coefficients: list[Coefficient]
    intercept: float


def risk_report(trained: TrainedRisk) -> RiskReport:
    model = trained.model
    return RiskReport(
        as_of=trained.as_of,
        model_key=trained.key,
        train_months=trained.train_months,
        holdout_months=trained.holdout_months,
        train_examples=trained.holdout_model.examples,
        train_late_rate=trained.holdout_model.base_rate,
        holdout=trained.evaluation,
        scoring_examples=model.examples,
        coefficients=_coefficients(model.features, model.weights, model.means, model.scales),
        intercept=model.intercept,
    )


def _coefficients(
    names: Sequence[str], weights: Sequence[float], means: Sequence[float], scales: Sequence[float]
) -> list[Coefficient]:
    return [
        Coefficient(feature=n, label=FEATURE_LABELS[n], weight=w, mean=m, scale=s)
        for n, w, m, s in zip(names, weights, means, scales, strict=True)
    ]
