"""Staff JSON API: residents, their lease, ledger and itemized balance."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import or_, select

from app.accounts import account_balance, current_lease, entry_public, find_resident, lease_public
from app.api.responses import AUTH, NOT_FOUND
from app.api.strict_query import known_query_only
from app.bounds import LedgerDate, Limit, Offset, SearchText
from app.deps import SessionDep, StaffActor, TodayDep
from app.ledger.queries import lease_entries
from app.models import Property, Resident
from app.schemas import BalancePublic, EntryPublic, LeasePublic, PropertyPublic, ResidentPublic

router = APIRouter(
    prefix="/api", tags=["residents"], dependencies=[Depends(known_query_only)], responses=AUTH
)

ResidentRef = Annotated[
    SearchText,
    Path(
        min_length=1,
        max_length=254,
        description="A resident reference (R10013), database id, email or phone number.",
        examples=["R10013"],
    ),
]
AsOf = Annotated[
    LedgerDate | None, Query(description="The day to answer for (YYYY-MM-DD); today when left out.")
]


@router.get("/properties")
def list_properties(session: SessionDep, _actor: StaffActor) -> list[PropertyPublic]:
    return [PropertyPublic.model_validate(p) for p in session.scalars(select(Property).order_by(Property.id))]


@router.get("/residents")
def list_residents(
    session: SessionDep,
    _actor: StaffActor,
    q: Annotated[
        SearchText | None, Query(max_length=100, description="Name, email, phone or reference.")
    ] = None,
    limit: Annotated[Limit, Query()] = 50,
    offset: Annotated[Offset, Query(description="Skip this many rows (at most 1,000,000).")] = 0,
) -> list[ResidentPublic]:
    query = select(Resident).order_by(Resident.id).limit(limit).offset(offset)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(
            or_(
                Resident.first_name.ilike(like),
                Resident.last_name.ilike(like),
                Resident.email.ilike(like),
                Resident.phone.ilike(like),
                Resident.ref.ilike(like),
            )
        )
    return [ResidentPublic.model_validate(r) for r in session.scalars(query)]


@router.get("/residents/{ref}", responses=NOT_FOUND)
def get_resident(ref: ResidentRef, session: SessionDep, _actor: StaffActor) -> ResidentPublic:
    return ResidentPublic.model_validate(find_resident(session, ref))


@router.get("/residents/{ref}/lease", responses=NOT_FOUND)
def get_lease(
    ref: ResidentRef, session: SessionDep, _actor: StaffActor, today: TodayDep, as_of: AsOf = None
) -> LeasePublic:
    lease = current_lease(session, find_resident(session, ref), as_of=as_of or today)
    return lease_public(session, lease)


@router.get("/residents/{ref}/balance", responses=NOT_FOUND)
def get_balance(
    ref: ResidentRef, session: SessionDep, _actor: StaffActor, today: TodayDep, as_of: AsOf = None
) -> BalancePublic:
    """Itemized balance: open charges (oldest first), credits applied, unapplied credit, aging, next due."""
    return account_balance(session, resident=find_resident(session, ref), as_of=as_of or today)


@router.get("/residents/{ref}/ledger", responses=NOT_FOUND)
def get_ledger(
    ref: ResidentRef, session: SessionDep, _actor: StaffActor, today: TodayDep, as_of: AsOf = None
) -> list[EntryPublic]:
    """Every ledger line of the resident's current lease, in posting order."""
    day = as_of or today
    lease = current_lease(session, find_resident(session, ref), as_of=day)
    return [entry_public(e) for e in lease_entries(session, lease.id, as_of=day)]
