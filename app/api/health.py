"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from app import migrate
from app.deps import SessionDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(session: SessionDep) -> dict[str, str]:
    """Answers when the process is up and the database answers at the current schema."""
    session.execute(text("SELECT 1"))
    revision = migrate.current_revision(session.get_bind())  # type: ignore[arg-type]
    head = migrate.head_revision()
    return {
        "status": "ok" if revision == head else "migrations pending",
        "database": "ok",
        "schema": revision or "empty",
    }
