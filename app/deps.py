"""FastAPI dependencies, as `Annotated` aliases. Long-lived resources are built in the lifespan."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; commits if the handler returns, rolls back if it raises."""
    factory: sessionmaker[Session] = request.app.state.sessions
    with factory() as session, session.begin():
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def portfolio_today(settings: Settings) -> date:
    """Today in the portfolio's home time zone (or the date DOORSTEP_TODAY pins)."""
    if settings.DOORSTEP_TODAY is not None:
        return settings.DOORSTEP_TODAY
    return datetime.now(ZoneInfo(settings.DOORSTEP_TIMEZONE)).date()


def get_today(settings: SettingsDep) -> date:
    """The portfolio's date. Tests override this dependency for repeatable runs."""
    return portfolio_today(settings)


TodayDep = Annotated[date, Depends(get_today)]

_bearer = HTTPBearer(auto_error=False)


def require_staff_token(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The staff API needs DOORSTEP_API_TOKEN as a bearer token; with none configured, loopback only."""
    expected = settings.DOORSTEP_API_TOKEN.get_secret_value() if settings.DOORSTEP_API_TOKEN else None
    if expected:
        given = credentials.credentials if credentials else ""
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "a valid staff API token is required",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return "api-token"
    host = request.client.host if request.client else ""
    if host not in LOOPBACK:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "the staff API answers loopback clients only until DOORSTEP_API_TOKEN is set",
        )
    return "loopback"


StaffActor = Annotated[str, Depends(require_staff_token)]
