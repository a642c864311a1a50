"""Staff JSON API: creating leases and posting ledger lines (validated, idempotent, audited)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel

from app.accounts import lease_public
from app.api.responses import AUTH, BODY, CONFLICT, NOT_FOUND
from app.api.strict_query import known_query_only
from app.collections.facts import LADDER_SOURCE
from app.deps import SessionDep, StaffActor, TodayDep
from app.errors import InvalidInput
from app.leases import LeaseCreate, create_lease
from app.ledger.posting import EntryCreate, post_entry
from app.payments.ingest import SOURCE as STRIPE_SOURCE
from app.schemas import EntryPublic, LeasePublic

router = APIRouter(
    prefix="/api", tags=["ledger"], dependencies=[Depends(known_query_only)], responses=AUTH | BODY
)


DOORSTEP_SOURCES = frozenset({STRIPE_SOURCE, LADDER_SOURCE, "cli", "demo", "processor", "office"})
"""Sources Doorstep's own writers post under. Their lines are read back by source (Stripe's postings
for a payment, the ladder's fees): a client posting under one would pass for that writer, or pre-empt
one of its postings by (source, external_id). Imports post as `import-NAME`."""


class PostedPublic(BaseModel):
    created: bool
    entry: EntryPublic


@router.post("/leases", status_code=status.HTTP_201_CREATED, responses=NOT_FOUND | CONFLICT)
def post_lease(data: LeaseCreate, session: SessionDep, actor: StaffActor, today: TodayDep) -> LeasePublic:
    """Create a lease on an existing unit for existing residents."""
    return lease_public(session, create_lease(session, data, actor=f"api:{actor}", today=today))


@router.post(
    "/ledger/entries",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": PostedPublic, "description": "A repeat: the first posting."}}
    | NOT_FOUND
    | CONFLICT,
)
def post_ledger_entry(
    data: EntryCreate, session: SessionDep, actor: StaffActor, today: TodayDep, response: Response
) -> PostedPublic:
    """Post one line, dated today. Repeating the same (source, external_id) returns the first posting
    with 200; a repeat that differs is refused with 409."""
    _check_source(data.source)
    posted = post_entry(
        session, data.model_copy(update={"created_by": f"api:{actor}:{data.created_by}"}), today=today
    )
    if not posted.created:
        response.status_code = status.HTTP_200_OK
    return PostedPublic(created=posted.created, entry=EntryPublic.model_validate(posted.entry))


def _check_source(source: str) -> None:
    if source in DOORSTEP_SOURCES or source.startswith("import-"):
        raise InvalidInput(
            f"source {source!r} is one Doorstep's own writers post under (Stripe, the collections ladder, "
            "imports, the CLI, the demo): name your own, e.g. 'manual' or your system's name"
        )
