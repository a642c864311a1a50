"""The ladder's settings: one validated model with defaults, and per-property overrides.

A property stores only what differs from the defaults (`collection_settings.config`), so a default changed
in a later release reaches every property that never set it. Setting them is audited with who set them:
that record is the standing staff approval the ladder's fees and notices act under.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from app import audit
from app.errors import InvalidInput
from app.models import CollectionSettings, Lease, Property, StaffUser, Unit

Day = Annotated[int, Field(ge=0, le=27)]
"""A day counted from the due date. At most 27: every step of a period falls before the next due date."""
Window = Annotated[int, Field(ge=0, le=90)]
PRE_DUE_MIN_RISK_BP = 2_000
"""Medium risk and above (`app.risk.scoring.MEDIUM`, 0.2), as `app.risk.pre_due.MIN_RISK_BP`."""


class LadderConfig(BaseModel):
    """When each step falls, counted in days from the due date, and how readiness looks back."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(True, description="Run the ladder at this property at all.")
    pre_due_day: Day = Field(
        3,
        description=(
            "Pre-due reminder: this many days before the due date (0: none), for households whose "
            "late-payment "
            "risk is at least pre_due_min_risk_bp."
        ),
    )
    pre_due_min_risk_bp: Annotated[int, Field(ge=0, le=10_000)] = Field(
        PRE_DUE_MIN_RISK_BP,
        description="The risk score (basis points) from which a household gets a pre-due reminder.",
    )
    reminder_day: Day = Field(3, description="Friendly reminder.")
    late_fee_day: Day = Field(
        6, description="Post the lease's late fee; never before the lease's first late day (its grace)."
    )
    second_notice_day: Day = Field(8, description="Second notice with the new balance (PDF).")
    formal_notice_day: Day = Field(
        11, description="Formal notice (PDF) under the state's notice rules; starts the formal clock."
    )
    legal_queue_day: Day = Field(
        15, description="Legal/collections queue; never before the formal notice's period has run out."
    )
    post_late_fees: bool = Field(
        False,
        description=(
            "Post the lease's late fee and returned-payment (NSF) fee without asking each time: a manager's "
            "standing approval, set by a manager (or admin) and recorded with who set it. Off by default: "
            "nothing that changes money happens without a staff approval."
        ),
    )
    recent_payment_days: Window = Field(
        3, description="A payment this recent makes the account recent_payment."
    )
    recent_change_days: Window = Field(
        2, description="A charge, credit or return posted this recently puts the account in review."
    )
    credit_lookback_days: Window = Field(
        35, description="A credit or deposit applied this recently makes the balance ambiguous."
    )
    import_flag_days: Window = Field(45, description="PM-import flags from a report this recent count.")

    @model_validator(mode="after")
    def _steps_in_order(self) -> LadderConfig:
        days = (self.reminder_day, self.second_notice_day, self.formal_notice_day, self.legal_queue_day)
        if list(days) != sorted(set(days)):
            raise ValueError(
                "reminder_day < second_notice_day < formal_notice_day < legal_queue_day, each a different day"
            )
        if self.late_fee_day < 1:
            raise ValueError("late_fee_day must be at least 1: no fee on the due date itself")
        return self


DEFAULT = LadderConfig()


def merged(override: Mapping[str, Any] | None) -> LadderConfig:
    """The defaults with a property's overrides on top."""
    return LadderConfig.model_validate({**DEFAULT.model_dump(), **(override or {})})


def load_configs(session: Session) -> dict[int, LadderConfig]:
    """Every property's effective settings, by property id (the defaults where none are stored)."""
    stored = {
        p: c for p, c in session.execute(select(CollectionSettings.property_id, CollectionSettings.config))
    }
    return {pid: merged(stored.get(pid)) for pid in session.scalars(select(Property.id))}


_NSF_TERMS = (
    select(Lease.nsf_fee_cents, CollectionSettings.config)
    .join(Unit, Unit.id == Lease.unit_id)
    .outerjoin(CollectionSettings, CollectionSettings.property_id == Unit.property_id)
    .where(Lease.id == bindparam("lease_id"))
)


def approved_nsf_fee(session: Session, lease_id: int) -> int:
    """The lease's returned-payment (NSF) fee where a manager gave the property the standing approval for
    fees (`post_late_fees`), else 0: the return puts the account in review and staff decide on the fee.
    One query (a webhook that meets a returned payment reads it)."""
    fee, stored = session.connection().execute(_NSF_TERMS, {"lease_id": lease_id}).one()
    return int(fee) if merged(stored).post_late_fees else 0


APPROVER_ROLES = ("manager", "admin")


def _require_manager(session: Session, actor: str) -> None:
    """Fees are a change of money: turning them on takes an active manager or admin, named by email."""
    staff = session.scalars(
        select(StaffUser).where(func.lower(StaffUser.email) == actor.strip().lower())
    ).first()
    if staff is None or not staff.active or staff.role not in APPROVER_ROLES:
        raise InvalidInput(
            "posting fees is a standing approval: --actor must be the email of an active manager or admin "
            f"(not {actor!r})"
        )


def config_for(session: Session, property_id: int) -> tuple[LadderConfig, dict[str, Any]]:
    """A property's effective settings and the overrides it stores."""
    row = session.scalars(
        select(CollectionSettings).where(CollectionSettings.property_id == property_id)
    ).first()
    override = dict(row.config) if row else {}
    return merged(override), override


def set_config(session: Session, *, property_id: int, changes: Mapping[str, Any], actor: str) -> LadderConfig:
    """Apply `changes` (field: value; a value of None puts the default back) to a property's overrides,
    validated as a whole; audited with who set them. Refuses unknown fields and out-of-order days."""
    _, override = config_for(session, property_id)
    unknown = sorted(set(changes) - set(LadderConfig.model_fields))
    if unknown:
        raise InvalidInput(f"unknown setting {unknown[0]!r}: one of {', '.join(LadderConfig.model_fields)}")
    if changes.get("post_late_fees") in (True, "true", "True", "1", 1):
        _require_manager(session, actor)
    for name, value in changes.items():
        if value is None:
            override.pop(name, None)
        else:
            override[name] = value
    try:
        config = merged(override)
    except ValidationError as exc:
        problem = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(problem) from exc
    # Keep only what differs from the defaults, as validated values (a "6" typed becomes 6).
    override = {k: v for k, v in config.model_dump().items() if k in override and v != getattr(DEFAULT, k)}
    row = session.scalars(
        select(CollectionSettings).where(CollectionSettings.property_id == property_id)
    ).first()
    if row is None:
        row = CollectionSettings(property_id=property_id, config=override, updated_by=actor)
        session.add(row)
    else:
        row.config, row.updated_by, row.updated_at = override, actor, datetime.now(UTC)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="collections.config",
        subject=f"property:{property_id}",
        data={"changes": dict(changes), "override": override},
    )
    return config
