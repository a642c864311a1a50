"""The database tables. Money columns are integer cents; the ledger and audit tables are append-only.

Alembic migrations in `app/migrations` create these tables; keep the two in step.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Cents = BigInteger().with_variant(Integer(), "sqlite")
"""Cents as 64-bit integers on PostgreSQL; SQLite's INTEGER is 64-bit already (and keeps rowid aliasing)."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _now() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)


class Property(Base):
    __tablename__ = "properties"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(2))
    postal_code: Mapped[str] = mapped_column(String(10))
    timezone: Mapped[str] = mapped_column(String(64))
    office_phone: Mapped[str] = mapped_column(String(20), default="")
    office_email: Mapped[str] = mapped_column(String(200), default="")
    manager_name: Mapped[str] = mapped_column(String(200), default="")
    card_fee_bp: Mapped[int] = mapped_column(Integer, default=0)
    plan_max_installments: Mapped[int] = mapped_column(Integer, default=3)
    plan_min_down_bp: Mapped[int] = mapped_column(Integer, default=0)
    plan_min_balance_cents: Mapped[int] = mapped_column(Cents, default=0)
    escalation_sla_minutes: Mapped[int] = mapped_column(Integer, default=120, server_default="120")
    """How soon staff must first answer an escalation from this property."""

    units: Mapped[list[Unit]] = relationship(back_populates="property")


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("property_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"), index=True)
    number: Mapped[str] = mapped_column(String(20))
    bedrooms: Mapped[int] = mapped_column(Integer, default=1)
    market_rent_cents: Mapped[int] = mapped_column(Cents)

    property: Mapped[Property] = relationship(back_populates="units")
    leases: Mapped[list[Lease]] = relationship(back_populates="unit")


def checked_time_zone(value: str | None) -> str | None:
    """`value` stripped when zoneinfo knows it as an IANA zone (None and "" mean none); else InvalidInput."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from app.errors import InvalidInput

    name = (value or "").strip()
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown time zone {value!r}: use an IANA name such as America/Chicago") from exc
    return name


class Resident(Base):
    __tablename__ = "residents"
    __table_args__ = (
        CheckConstraint("preferred_channel IN ('sms', 'email', 'portal')", name="channel"),
        CheckConstraint("language IN ('en', 'es')", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200), index=True)
    phone: Mapped[str | None] = mapped_column(String(16), index=True)
    preferred_channel: Mapped[str] = mapped_column(String(10), default="portal")
    language: Mapped[str] = mapped_column(String(5), default="en")
    sms_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    email_consent: Mapped[bool] = mapped_column(Boolean, default=True)
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    """The resident's own IANA time zone (America/Chicago), when it differs from the property's: quiet
    hours are counted in it. None: the property's."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    leases: Mapped[list[LeaseResident]] = relationship(back_populates="resident")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @validates("time_zone")
    def _known_zone(self, _key: str, value: str | None) -> str | None:
        """Every write of `time_zone` names a zone zoneinfo knows (or none): a typo would move quiet hours."""
        return checked_time_zone(value)


class Lease(Base):
    __tablename__ = "leases"
    __table_args__ = (
        CheckConstraint("rent_cents > 0", name="rent_positive"),
        CheckConstraint("due_day BETWEEN 1 AND 28", name="due_day"),
        CheckConstraint("grace_days BETWEEN 0 AND 31", name="grace_days"),
        CheckConstraint("late_fee_kind IN ('flat', 'percent', 'daily')", name="late_fee_kind"),
        CheckConstraint("end_on IS NULL OR end_on > start_on", name="dates"),
        CheckConstraint("status IN ('active', 'ended', 'future')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="active")
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    moved_out_on: Mapped[date | None] = mapped_column(Date)
    rent_cents: Mapped[int] = mapped_column(Cents)
    due_day: Mapped[int] = mapped_column(Integer, default=1)
    grace_days: Mapped[int] = mapped_column(Integer, default=3)
    late_fee_kind: Mapped[str] = mapped_column(String(10), default="flat")
    late_fee_amount_cents: Mapped[int] = mapped_column(Cents, default=0)
    late_fee_percent_bp: Mapped[int] = mapped_column(Integer, default=0)
    late_fee_daily_cents: Mapped[int] = mapped_column(Cents, default=0)
    late_fee_cap_cents: Mapped[int | None] = mapped_column(Cents)
    nsf_fee_cents: Mapped[int] = mapped_column(Cents, default=0)
    deposit_cents: Mapped[int] = mapped_column(Cents, default=0)
    accepted_methods: Mapped[str] = mapped_column(String(100), default="ach,card,check")
    certified_funds_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    unit: Mapped[Unit] = relationship(back_populates="leases")
    residents: Mapped[list[LeaseResident]] = relationship(back_populates="lease")
    recurring_charges: Mapped[list[RecurringCharge]] = relationship(back_populates="lease")


class LeaseResident(Base):
    __tablename__ = "lease_residents"

    lease_id: Mapped[int] = mapped_column(ForeignKey("leases.id"), primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(12), default="primary")

    lease: Mapped[Lease] = relationship(back_populates="residents")
    resident: Mapped[Resident] = relationship(back_populates="leases")


class RecurringCharge(Base):
    __tablename__ = "recurring_charges"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lease_id: Mapped[int] = mapped_column(ForeignKey("leases.id"), index=True)
    code: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(String(200))
    amount_cents: Mapped[int] = mapped_column(Cents)

    lease: Mapped[Lease] = relationship(back_populates="recurring_charges")


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("processor", "processor_ref"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'returned')", name="status"),
        CheckConstraint("method IN ('ach', 'card', 'check', 'cash', 'money_order')", name="method"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lease_id: Mapped[int] = mapped_column(ForeignKey("leases.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    processor: Mapped[str] = mapped_column(String(20))
    processor_ref: Mapped[str] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(12))
    amount_cents: Mapped[int] = mapped_column(Cents)
    status: Mapped[str] = mapped_column(String(10))
    initiated_on: Mapped[date] = mapped_column(Date)
    settled_on: Mapped[date | None] = mapped_column(Date)
    returned_on: Mapped[date | None] = mapped_column(Date)
    return_code: Mapped[str | None] = mapped_column(String(4))
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


class LedgerEntry(Base):
    """One line of a lease's ledger. Never updated or deleted: database triggers refuse both."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        UniqueConstraint("reverses_id"),
        CheckConstraint("amount_cents <> 0", name="amount_nonzero"),
        CheckConstraint(
            "kind IN ('rent', 'late_fee', 'nsf_fee', 'charge', 'payment', 'credit', 'reversal', 'deposit')",
            name="kind",
        ),
        # Covers a balance's sums (see app/ledger/queries.py, migration 0004).
        Index(
            "ix_ledger_entries_lease_balance", "lease_id", "effective_on", "posted_on", "kind", "amount_cents"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lease_id: Mapped[int] = mapped_column(ForeignKey("leases.id"))
    kind: Mapped[str] = mapped_column(String(10))
    amount_cents: Mapped[int] = mapped_column(Cents)
    effective_on: Mapped[date] = mapped_column(Date)
    posted_on: Mapped[date] = mapped_column(Date, index=True)
    description: Mapped[str] = mapped_column(String(300))
    charge_code: Mapped[str | None] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str | None] = mapped_column(String(120))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    created_by: Mapped[str] = mapped_column(String(100), default="system")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Dispute(Base):
    __tablename__ = "disputes"
    __table_args__ = (CheckConstraint("status IN ('open', 'resolved')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lease_id: Mapped[int] = mapped_column(ForeignKey("leases.id"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    opened_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")
    resolved_on: Mapped[date | None] = mapped_column(Date)
    resolution: Mapped[str | None] = mapped_column(Text)


class PaymentPlan(Base):
    __tablename__ = "payment_plans"
    __table_args__ = (
        CheckConstraint(
            "status IN ('proposed', 'offered', 'active', 'completed', 'rejected', 'defaulted', 'cancelled')",
            name="status",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lease_id: Mapped[int] = mapped_column(ForeignKey("leases.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="proposed")
    total_cents: Mapped[int] = mapped_column(Cents)
    created_on: Mapped[date] = mapped_column(Date)
    proposed_by: Mapped[str] = mapped_column(String(100))
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="")

    installments: Mapped[list[PlanInstallment]] = relationship(
        back_populates="plan", order_by="PlanInstallment.seq"
    )


class PlanInstallment(Base):
    __tablename__ = "plan_installments"
    __table_args__ = (
        UniqueConstraint("plan_id", "seq"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("payment_plans.id"))
    seq: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Cents)
    status: Mapped[str] = mapped_column(String(10), default="scheduled")

    plan: Mapped[PaymentPlan] = relationship(back_populates="installments")


class StaffUser(Base):
    """A person who works the inbox. Roles: agent (conversations, escalations), manager (also approvals
    and digests), admin (also staff accounts)."""

    __tablename__ = "staff_users"
    __table_args__ = (CheckConstraint("role IN ('admin', 'manager', 'agent')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(12))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class AuditRecord(Base):
    """One audit log line, chained to the one before it by `prev_hash`. Append-only, like the ledger."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict[str, object]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """Unique: two writers racing for the same predecessor cannot fork the chain; one retries."""
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Conversation(Base):
    """One resident's thread with Doorstep on one channel; the LangGraph thread id is `id`."""

    __tablename__ = "conversations"
    __table_args__ = (
        CheckConstraint("owner IN ('assistant', 'staff')", name="owner"),
        CheckConstraint("status IN ('open', 'waiting_staff', 'closed')", name="status"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    owner: Mapped[str] = mapped_column(String(10), default="assistant")
    status: Mapped[str] = mapped_column(String(14), default="open")
    language: Mapped[str] = mapped_column(String(5), default="en")
    last_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """The seq of the newest event (message) in the thread; the next one takes `last_seq + 1`, allocated
    by one UPDATE ... RETURNING, so events are numbered without gaps whatever process writes them."""
    owner_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    """The staff member who took the conversation over, while `owner` is staff."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


class Message(Base):
    """Every message in or out, as sent (card and bank numbers already scrubbed)."""

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint("role IN ('resident', 'assistant', 'staff', 'system')", name="role"),
        UniqueConstraint("conversation_id", "seq"),
        UniqueConstraint("conversation_id", "client_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    seq: Mapped[int | None] = mapped_column(Integer)
    """The event's place in its conversation: 1, 2, 3, ... with no gaps (what a client resumes from)."""
    client_id: Mapped[str | None] = mapped_column(String(64))
    """The id a client gave a resident message: a resent id is the same message, never a second turn."""


class Escalation(Base):
    """A conversation handed to staff: why, how urgent, and a summary written for them."""

    __tablename__ = "escalations"
    __table_args__ = (
        CheckConstraint("priority IN ('low', 'normal', 'high', 'urgent')", name="priority"),
        CheckConstraint("status IN ('open', 'claimed', 'resolved')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    lease_id: Mapped[int | None] = mapped_column(ForeignKey("leases.id"))
    reason: Mapped[str] = mapped_column(String(40))
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="open")
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    sla_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When a first staff response is due, from the property's `escalation_sla_minutes`."""
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolution_note: Mapped[str | None] = mapped_column(Text)


class StaffSession(Base):
    """A signed-in staff browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class CannedReply(Base):
    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ContactOptOut(Base):
    """The opt-out registry every outbound path reads: an address that said STOP (or was marked do not
    contact) gets nothing proactive until it opts back in."""

    __tablename__ = "contact_optouts"
    __table_args__ = (
        UniqueConstraint("channel", "address"),
        CheckConstraint("channel IN ('sms', 'email')", name="channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(200))
    """E.164 phone number or lower-cased email address."""
    opted_out: Mapped[bool] = mapped_column(Boolean, default=True)
    keyword: Mapped[str] = mapped_column(String(20))
    """What did it: STOP, START, ... or `staff` for a manual change."""
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


class SmsVerification(Base):
    """A phone number's identity check: a balance goes by SMS only to a number verified for that
    resident (by a one-time code, stored hashed)."""

    __tablename__ = "sms_verifications"

    phone: Mapped[str] = mapped_column(String(16), primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    code_hash: Mapped[str | None] = mapped_column(String(128))
    code_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class SmsMessage(Base):
    """Every text in or out. Inbound ones are unique by Twilio's MessageSid (a redelivery is the same
    message); outbound ones wait here as the outbox when no Twilio credentials are set."""

    __tablename__ = "sms_messages"
    __table_args__ = (CheckConstraint("direction IN ('inbound', 'outbound')", name="direction"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    direction: Mapped[str] = mapped_column(String(8))
    phone: Mapped[str] = mapped_column(String(16), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    """inbound: received, processed, held (waiting on the identity check), expired, opted_out,
    unknown_sender, ignored, failed; outbound: queued (the outbox), sending, sent, delivered, read,
    undelivered, failed."""
    segments: Mapped[int] = mapped_column(Integer, default=1)
    error_code: Mapped[str | None] = mapped_column(String(10))
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


# --- imports ---
# PM-system exports read by `doorstep import` (app/imports): one batch per file imported, the rows it
# brought (by natural key, so importing the same rows again changes nothing), and what it flagged.

IMPORT_KINDS = "kind IN ('rent-roll', 'ledger', 'aged-receivables')"


class ImportBatch(Base):
    """One file imported: which source and report, its SHA-256, and what it did."""

    __tablename__ = "import_batches"
    __table_args__ = (
        CheckConstraint(IMPORT_KINDS, name="kind"),
        Index("ix_import_batches_source_kind", "source", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    """The column mapping the file was read with (`appfolio`, `yardi`, ...)."""
    kind: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    """The report's date: what its balances and leases are compared on."""
    rows: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    not_applied: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[int] = mapped_column(Integer)
    entries_posted: Mapped[int] = mapped_column(Integer)
    flag_counts: Mapped[dict[str, int]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ImportRow(Base):
    """A row an import brought, by natural key and content: a row seen before is not imported again."""

    __tablename__ = "import_rows"
    __table_args__ = (
        UniqueConstraint("source", "kind", "natural_key", "content_hash"),
        Index("ix_import_rows_batch_id", "batch_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"))
    source: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    row_number: Mapped[int] = mapped_column(Integer)
    """The row as a spreadsheet numbers it (the header is row 1)."""
    natural_key: Mapped[str] = mapped_column(String(64))
    """SHA-256 of what identifies the row (a ledger line's transaction, a report row's lease and date)."""
    identity_key: Mapped[str] = mapped_column(String(64))
    """SHA-256 of who and where, without the report's date: a row's counterpart in an earlier report."""
    content_hash: Mapped[str] = mapped_column(String(64))
    lease_id: Mapped[int | None] = mapped_column(ForeignKey("leases.id"), index=True)
    ledger_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    data: Mapped[dict[str, object]] = mapped_column(JSON)


class ImportFlag(Base):
    """Dirty data an import found and left for staff: flagged, never fixed silently."""

    __tablename__ = "import_flags"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('duplicate_resident', 'balance_mismatch', 'changed', 'credit', 'deposit', "
            "'no_lease', 'lease_mismatch')",
            name="kind",
        ),
        Index("ix_import_flags_batch_id", "batch_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"))
    row_number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text)
    lease_id: Mapped[int | None] = mapped_column(ForeignKey("leases.id"), index=True)


class ProcessorCustomer(Base):
    """A payment processor's customer (Stripe `cus_...`) known to belong to a resident, and optionally to
    one lease: how a payment that carries no lease in its metadata still finds its ledger."""

    __tablename__ = "processor_customers"
    __table_args__ = (UniqueConstraint("processor", "customer_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    processor: Mapped[str] = mapped_column(String(20))
    customer_ref: Mapped[str] = mapped_column(String(255))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    lease_id: Mapped[int | None] = mapped_column(ForeignKey("leases.id"), index=True)
    """The lease its payments go to; unset: the resident's lease on the day they paid."""
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ProcessorIntent(Base):
    """One processor payment (a Stripe PaymentIntent) as a state machine: everything its events have told
    us so far, merged so that the order they arrive in does not matter (`app.payments.state`), and the
    lease it was matched to. Its ledger lines are derived from `facts`; `status` is the latest state."""

    __tablename__ = "processor_intents"
    __table_args__ = (
        UniqueConstraint("processor", "intent_ref"),
        CheckConstraint(
            "status IN ('created', 'failed', 'processing', 'succeeded', 'partially_refunded', 'refunded', "
            "'disputed', 'dispute_lost', 'returned')",
            name="status",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    processor: Mapped[str] = mapped_column(String(20))
    intent_ref: Mapped[str] = mapped_column(String(255))
    """`pi_...` (a bare charge's `ch_...` when it has no PaymentIntent)."""
    charge_ref: Mapped[str | None] = mapped_column(String(255), index=True)
    """The charge that succeeded (or the latest one seen)."""
    customer_ref: Mapped[str | None] = mapped_column(String(255), index=True)
    status: Mapped[str] = mapped_column(String(20), default="created")
    amount_cents: Mapped[int | None] = mapped_column(Cents)
    lease_id: Mapped[int | None] = mapped_column(ForeignKey("leases.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    matched_by: Mapped[str | None] = mapped_column(String(20))
    """metadata, customer or staff:<id>; unset while unmatched."""
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    facts: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


class PaymentEvent(Base):
    """Every processor event accepted (signature checked), once: the unique event id is what makes a
    redelivery a no-op, and the row is written in the same transaction as what the event posted."""

    __tablename__ = "payment_events"
    __table_args__ = (
        UniqueConstraint("processor", "event_id"),
        CheckConstraint("outcome IN ('processed', 'ignored', 'invalid')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    processor: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(100))
    intent_ref: Mapped[str | None] = mapped_column(String(255), index=True)
    outcome: Mapped[str] = mapped_column(String(10))
    """processed (applied to its payment's state), ignored (a type Doorstep does not act on), invalid
    (signed, but not an object Doorstep can read: kept, and queued for staff)."""
    note: Mapped[str] = mapped_column(String(300), default="")
    occurred_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    payload: Mapped[dict[str, object]] = mapped_column(JSON)


class PaymentException(Base):
    """A payment staff must look at: no lease found for it, metadata that contradicts itself, an open
    chargeback, an event Doorstep could not read. One row per `key`; open until resolved or dismissed."""

    __tablename__ = "payment_exceptions"
    __table_args__ = (
        UniqueConstraint("processor", "key"),
        CheckConstraint(
            "kind IN ('unmatched', 'mismatch', 'dispute', 'conflict', 'currency', 'invalid')", name="kind"
        ),
        CheckConstraint("status IN ('open', 'resolved', 'dismissed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    processor: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    intent_id: Mapped[int | None] = mapped_column(ForeignKey("processor_intents.id"), index=True)
    event_id: Mapped[str | None] = mapped_column(String(255))
    amount_cents: Mapped[int | None] = mapped_column(Cents)
    customer_ref: Mapped[str | None] = mapped_column(String(255))
    summary: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolution_note: Mapped[str | None] = mapped_column(Text)


# --- collections ---
# The delinquency ladder (`doorstep collections run`, app/collections): settings per property, staff holds
# and blocks, each day's run with the readiness of every account that owes, and every step fired, unique
# per (lease, period, step): what makes a run idempotent, and what outreach drafts its messages from.

READINESS_STATUSES = (
    "ready",
    "hold",
    "review",
    "disputed",
    "recent_payment",
    "payment_plan",
    "deposit_credit_ambiguity",
    "blocked",
)
LADDER_STEPS = ("pre_due", "reminder", "late_fee", "second_notice", "formal_notice", "legal_queue")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class CollectionSettings(Base):
    """A property's ladder settings: only what differs from the defaults (`app.collections.config`)."""

    __tablename__ = "collection_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"), unique=True)
    config: Mapped[dict[str, object]] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(100))
    """Who set them: the standing approval the ladder's fees and notices act under."""
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class CollectionHold(Base):
    """Staff stopping the ladder on one lease: a hold (until a date or released), or a legal or bankruptcy
    block (nothing automatic at all until released)."""

    __tablename__ = "collection_holds"
    __table_args__ = (CheckConstraint("kind IN ('hold', 'legal', 'bankruptcy')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lease_id: Mapped[int] = mapped_column(ForeignKey("leases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text)
    placed_by: Mapped[str] = mapped_column(String(100))
    placed_on: Mapped[date] = mapped_column(Date)
    until_on: Mapped[date | None] = mapped_column(Date)
    """The last day it holds; unset: until released."""
    released_on: Mapped[date | None] = mapped_column(Date)
    released_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class CollectionRun(Base):
    """One day's run of the ladder: at most one per day, its reconciliation kept as printed."""

    __tablename__ = "collection_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_on: Mapped[date] = mapped_column(Date, unique=True)
    actor: Mapped[str] = mapped_column(String(100))
    accounts: Mapped[int] = mapped_column(Integer, default=0)
    """Accounts with a balance, classified."""
    report: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ReadinessRecord(Base):
    """One account's readiness in one run, with its reasons: what staff compare run to run."""

    __tablename__ = "collection_readiness"
    __table_args__ = (
        UniqueConstraint("run_id", "lease_id"),
        CheckConstraint(_one_of("status", READINESS_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("collection_runs.id"))
    lease_id: Mapped[int] = mapped_column(ForeignKey("leases.id"), index=True)
    status: Mapped[str] = mapped_column(String(30))
    reasons: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    period_on: Mapped[date | None] = mapped_column(Date)
    """The due date whose rent the ladder is collecting."""
    balance_cents: Mapped[int] = mapped_column(Cents)
    short_cents: Mapped[int] = mapped_column(Cents)
    """What is owed through the due date less every cleared dollar (0 when covered)."""
    pending_cents: Mapped[int] = mapped_column(Cents, default=0)


class CollectionStep(Base):
    """A ladder step that fired: a reminder, a late fee (its ledger line), a notice (its PDF), or the legal
    queue. Unique per (lease, period, step); outreach drafts its messages from these rows."""

    __tablename__ = "collection_steps"
    __table_args__ = (
        UniqueConstraint("lease_id", "period_on", "step"),
        CheckConstraint(_one_of("step", LADDER_STEPS), name="step"),
        CheckConstraint("clock IN ('friendly', 'formal')", name="clock"),
        Index("ix_collection_steps_run_id", "run_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("collection_runs.id"))
    lease_id: Mapped[int] = mapped_column(ForeignKey("leases.id"))
    period_on: Mapped[date] = mapped_column(Date)
    step: Mapped[str] = mapped_column(String(20))
    clock: Mapped[str] = mapped_column(String(10))
    fired_on: Mapped[date] = mapped_column(Date, index=True)
    readiness: Mapped[str] = mapped_column(String(30))
    owed_cents: Mapped[int] = mapped_column(Cents)
    cleared_cents: Mapped[int] = mapped_column(Cents)
    short_cents: Mapped[int] = mapped_column(Cents)
    pending_cents: Mapped[int] = mapped_column(Cents, default=0)
    amount_cents: Mapped[int | None] = mapped_column(Cents)
    """The fee posted, or the amount a notice demands."""
    ledger_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    document_path: Mapped[str | None] = mapped_column(String(300))
    """A notice's PDF, relative to the data directory."""
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    template: Mapped[str | None] = mapped_column(String(100))
    """The template's name and the SHA-256 of its text: `second_notice.en.txt@ab12...`."""
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


# --- outreach ---
# Messages drafted from the ladder's steps (app/outreach): a property's rollout mode and quiet hours, one
# draft per message step (reminder, second notice, formal notice), and every send attempt recorded.

OUTREACH_MODES = ("shadow", "assist", "auto")
OUTREACH_STATUSES = (
    "awaiting_approval",
    "ready",
    "sending",
    "sent",
    "rejected",
    "refused",
    "failed",
    "superseded",
)


class OutreachSettings(Base):
    """A property's outreach rollout mode and quiet hours (local time, the property's time zone)."""

    __tablename__ = "outreach_settings"
    __table_args__ = (
        CheckConstraint(_one_of("mode", OUTREACH_MODES), name="mode"),
        CheckConstraint(
            "quiet_start_hour BETWEEN 0 AND 23 AND quiet_end_hour BETWEEN 1 AND 24", name="hours"
        ),
        CheckConstraint("quiet_start_hour < quiet_end_hour", name="window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"), unique=True)
    mode: Mapped[str] = mapped_column(String(10), default="shadow")
    quiet_start_hour: Mapped[int] = mapped_column(Integer, default=8)
    """Messages may go from this hour..."""
    quiet_end_hour: Mapped[int] = mapped_column(Integer, default=21)
    """...until this hour (exclusive), local time."""
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class OutreachDraft(Base):
    """One message drafted from one fired ladder step (unique by step: drafting twice drafts nothing)."""

    __tablename__ = "outreach_drafts"
    __table_args__ = (
        CheckConstraint(_one_of("status", OUTREACH_STATUSES), name="status"),
        CheckConstraint("channel IN ('sms', 'email', 'none')", name="channel"),
        Index("ix_outreach_drafts_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("collection_steps.id"), unique=True)
    lease_id: Mapped[int] = mapped_column(ForeignKey("leases.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    period_on: Mapped[date] = mapped_column(Date)
    step: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(5), default="en")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(String(120))
    """The template's name and the SHA-256 of its text."""
    mode: Mapped[str] = mapped_column(String(10))
    """The rollout mode the draft was made under."""
    needs_approval: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(300))
    """Why it was refused, rejected or superseded."""
    decided_by: Mapped[str | None] = mapped_column(String(200))
    """The staff member who approved, edited or rejected it."""
    decision: Mapped[str | None] = mapped_column(String(10))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    not_before: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """Queued outside quiet hours: when the window opens again."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class OutreachSend(Base):
    """Every attempt to send a draft: where, when, and what became of it (sent, outbox, refused, failed)."""

    __tablename__ = "outreach_sends"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("outreach_drafts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    timezone: Mapped[str] = mapped_column(String(64))
    """The time zone quiet hours were read in."""
    status: Mapped[str] = mapped_column(String(20))
    """sent, outbox (a text waiting in sms_messages for Twilio), refused, failed."""
    detail: Mapped[str | None] = mapped_column(String(300))
    sms_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
