"""The digest at the database's edge: read the facts, score the leases, build, and hand out as JSON.

`make_digest` is what `doorstep digest` prints and the email is rendered from; `digest_json` is the
same digest as plain JSON types, for the inbox page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.digest.build import Digest, RiskNote, build_digest
from app.digest.queries import read_facts, read_properties
from app.errors import Conflict, InvalidInput, NotFound
from app.risk.scoring import LeaseScore
from app.risk.service import load_or_train, score_leases

DEFAULT_PERIOD_DAYS = 7
DEFAULT_HORIZON_DAYS = 30


def make_digest(
    session: Session,
    *,
    as_of: date,
    cache_dir: Path,
    property_code: str | None = None,
    period_days: int = DEFAULT_PERIOD_DAYS,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    default_timezone: str = "America/Chicago",
    now: datetime | None = None,
) -> Digest:
    """The digest on `as_of`: fees and escalations over the `period_days` ending that day, balances and
    SLAs as they stood at its end (or at `now`, default the current time, while it is not over),
    collections expected over the `horizon_days` from it. The risk model is read from `cache_dir`, or
    trained there first."""
    if not 1 <= period_days <= 366:
        raise InvalidInput("the digest's period must be 1 to 366 days")
    if not 1 <= horizon_days <= 366:
        raise InvalidInput("the digest's horizon must be 1 to 366 days")
    if property_code is not None and not read_properties(session, property_code=property_code):
        raise NotFound(f"no property {property_code!r}: use a property code such as maple-court")
    scores, risk = _scores(session, as_of=as_of, cache_dir=cache_dir)
    facts = read_facts(
        session, as_of=as_of, period_start=as_of - timedelta(days=period_days - 1), scores=scores
    )
    return build_digest(
        facts,
        property_code=property_code,
        horizon_days=horizon_days,
        risk=risk,
        default_timezone=default_timezone,
        now=now or datetime.now(UTC),
    )


def _scores(session: Session, *, as_of: date, cache_dir: Path) -> tuple[list[LeaseScore], RiskNote]:
    try:
        trained = load_or_train(session, cache_dir=cache_dir, as_of=as_of)
    except Conflict as exc:
        return [], RiskNote(available=False, note=f"{exc}; expected rent is counted in full")
    scores = score_leases(session, trained.model, as_of=as_of)
    return scores, RiskNote(
        available=True,
        model_key=trained.key,
        holdout_auc=trained.evaluation.auc,
        holdout_brier=trained.evaluation.brier,
        note=f"held-out months {', '.join(trained.holdout_months)}",
    )


def digest_json(
    session: Session,
    *,
    as_of: date,
    cache_dir: Path,
    property_code: str | None = None,
    period_days: int = DEFAULT_PERIOD_DAYS,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    default_timezone: str = "America/Chicago",
    now: datetime | None = None,
) -> dict[str, Any]:
    """The digest as JSON types (dates as ISO strings, money in integer cents), for the inbox page.

    Synchronous and CPU-bound (it may train the risk model, about a second on the demo): an async handler
    runs it in a worker thread (`anyio.to_thread.run_sync`), never on the event loop."""
    digest = make_digest(
        session,
        as_of=as_of,
        cache_dir=cache_dir,
        property_code=property_code,
        period_days=period_days,
        horizon_days=horizon_days,
        default_timezone=default_timezone,
        now=now,
    )
    return digest.model_dump(mode="json")
