"""Staff JSON API: creating leases and posting ledger lines (validated, idempotent, audited)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from app.accounts import lease_public
from app.deps import SessionDep, StaffActor, TodayDep
from app.leases import LeaseCreate, create_lease
from app.ledger.posting import EntryCreate, post_entry
from app.schemas import EntryPublic, LeasePublic

router = APIRouter(prefix="/api", tags=["ledger"])


class PostedPublic(BaseModel):
    created: bool
    entry: EntryPublic


@router.post("/leases", status_code=status.HTTP_201_CREATED)
def post_lease(data: LeaseCreate, session: SessionDep, actor: StaffActor, today: TodayDep) -> LeasePublic:
    return lease_public(session, create_lease(session, data, actor=f"api:{actor}", today=today))


@router.post("/ledger/entries", status_code=status.HTTP_201_CREATED)
def post_ledger_entry(
    data: EntryCreate, session: SessionDep, actor: StaffActor, today: TodayDep, response: Response
) -> PostedPublic:
    """Post one line. Repeating the same (source, external_id) returns the first posting with 200."""
    posted = post_entry(
        session, data.model_copy(update={"created_by": f"api:{actor}:{data.created_by}"}), today=today
    )
    if not posted.created:
        response.status_code = status.HTTP_200_OK
    return PostedPublic(created=posted.created, entry=EntryPublic.model_validate(posted.entry))
