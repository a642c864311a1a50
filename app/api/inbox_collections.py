"""The inbox's collections pages: readiness with what changed since the last run (and each lease's
late-payment risk), the legal queue, and the manager digest, as JSON under /inbox/api.

Signed in like the rest of the inbox (session cookie). Everything here is read-only: agents and managers
both read it (permission `conversations`); the payment exceptions a manager acts on are in
`app.api.stripe`. The risk model and the digest are CPU-bound (the model may train on first use, about a
second on the demo): they run in a worker thread, never on the event loop, and a lease's scores are kept
per model and day, so the page does not re-score the portfolio on every visit.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from app.api.inbox import Signed
from app.bounds import Limit
from app.channels.inbox import require
from app.collections.readiness import Readiness
from app.collections.schemas import ReadinessView, StepPublic
from app.collections.views import legal_queue, readiness_view
from app.config import Settings
from app.deps import TodayDep
from app.digest.service import DEFAULT_HORIZON_DAYS, DEFAULT_PERIOD_DAYS, digest_json
from app.errors import Conflict
from app.risk.scoring import LeaseScore
from app.risk.service import load_or_train, score_leases

router = APIRouter(include_in_schema=False)

PropertyCode = Annotated[str | None, Query(max_length=64, pattern=r"^[a-z0-9\-]+$")]
Days = Annotated[int, Query(ge=1, le=366)]


class LeaseRisk(BaseModel):
    """A lease's chance of paying its next rent late, and the reasons, in words."""

    lease_id: int
    lease_ref: str
    probability: float
    risk_bp: int
    band: str
    reasons: list[str]


class RiskSummary(BaseModel):
    available: bool
    note: str
    leases: list[LeaseRisk]
    """Only the leases the readiness view shows."""


class CollectionsView(BaseModel):
    readiness: ReadinessView
    risk: RiskSummary


class _ScoreCache:
    """Scores per (model key, day): the model is cached on disk by `load_or_train`; the scoring of every
    active lease is kept here, one entry (the latest) per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[str, date] | None = None
        self._scores: list[LeaseScore] = []

    def scores(self, session: Session, *, cache_dir: Path, as_of: date) -> tuple[str, list[LeaseScore]]:
        trained = load_or_train(session, cache_dir=cache_dir, as_of=as_of)
        key = (trained.key, as_of)
        with self._lock:
            if self._key != key:
                self._scores = score_leases(session, trained.model, as_of=as_of)
                self._key = key
            note = f"model {trained.key[:12]}, held-out AUC {trained.evaluation.auc:.2f}"
            return note, self._scores


def _sessions(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _score_cache(request: Request) -> _ScoreCache:
    state = request.app.state
    cache: _ScoreCache | None = getattr(state, "inbox_risk_scores", None)
    if cache is None:
        cache = state.inbox_risk_scores = _ScoreCache()
    return cache


def read_collections(
    sessions: sessionmaker[Session],
    cache: _ScoreCache,
    *,
    cache_dir: Path,
    as_of: date,
    status: Readiness | None = None,
) -> CollectionsView:
    """The latest run's readiness and changes, with the risk of each lease it names."""
    with sessions() as session:
        view = readiness_view(session, status=status)
        shown = {a.lease_id for a in view.accounts} | {c.lease_id for c in view.changes}
        try:
            note, scores = cache.scores(session, cache_dir=cache_dir, as_of=as_of)
        except Conflict as exc:
            return CollectionsView(
                readiness=view, risk=RiskSummary(available=False, note=str(exc), leases=[])
            )
    leases = [
        LeaseRisk(
            lease_id=s.lease_id,
            lease_ref=s.lease_ref,
            probability=s.probability,
            risk_bp=s.risk_bp,
            band=s.band,
            reasons=[r.text for r in s.reasons],
        )
        for s in scores
        if s.lease_id in shown
    ]
    return CollectionsView(readiness=view, risk=RiskSummary(available=True, note=note, leases=leases))


@router.get("/inbox/api/collections/readiness")
async def collections_readiness(
    request: Request, active: Signed, today: TodayDep, status: Annotated[Readiness | None, Query()] = None
) -> CollectionsView:
    """Each account's readiness class with its reasons, what changed since the run before (entered,
    left, another class, other reasons), and each of those leases' late-payment risk."""
    require(active.staff, "conversations")
    return await run_in_threadpool(
        read_collections,
        _sessions(request),
        _score_cache(request),
        cache_dir=_settings(request).data_dir / "models",
        as_of=today,
        status=status,
    )


@router.get("/inbox/api/collections/legal-queue")
def collections_legal_queue(
    request: Request, active: Signed, limit: Annotated[Limit, Query()] = 100
) -> list[StepPublic]:
    """Accounts that entered the legal/collections queue, oldest first."""
    require(active.staff, "conversations")
    with _sessions(request)() as session:
        return legal_queue(session, limit=limit)


def read_digest(
    sessions: sessionmaker[Session],
    *,
    as_of: date,
    cache_dir: Path,
    property_code: str | None,
    period_days: int,
    horizon_days: int,
    default_timezone: str,
) -> dict[str, Any]:
    with sessions() as session:
        return digest_json(
            session,
            as_of=as_of,
            cache_dir=cache_dir,
            property_code=property_code,
            period_days=period_days,
            horizon_days=horizon_days,
            default_timezone=default_timezone,
            now=datetime.now(UTC),
        )


@router.get("/inbox/api/digest")
async def digest(
    request: Request,
    active: Signed,
    today: TodayDep,
    property: PropertyCode = None,
    period_days: Days = DEFAULT_PERIOD_DAYS,
    horizon_days: Days = DEFAULT_HORIZON_DAYS,
) -> dict[str, Any]:
    """The manager digest (every property, or one): delinquency by aging bucket, fees posted, plans
    active and broken, escalations against SLA, expected collections. Money in integer cents."""
    require(active.staff, "conversations")
    settings = _settings(request)
    return await run_in_threadpool(
        read_digest,
        _sessions(request),
        as_of=today,
        cache_dir=settings.data_dir / "models",
        property_code=property,
        period_days=period_days,
        horizon_days=horizon_days,
        default_timezone=settings.DOORSTEP_TIMEZONE,
    )
