"""Expected facts, as keys resolved at eval time from the persona's ledger and lease.

The dataset never writes a number: it writes `balance.total` or `next_due.date`, and this module
computes the string the assistant should say, with the app's own functions (`account_balance`,
`lease_public`, the late-fee rules) and formatted the way answers format (`money()`,
`format_date(day, language)`). A fact passes when that string appears in a reply.

Keys (`<kind>` is a ledger kind or charge code: rent, late_fee, nsf_fee, water, key, cleaning, ...):

- `balance.total` (owed, >= 0), `balance.credit` (unapplied credit, > 0), `balance.as_of`;
  `balance.open_charge:<kind>`: the amount of the latest open charge of that kind;
- `next_due.date`, `next_due.amount`, `next_due.late_after`, `next_due.late_fee`;
- `lease.rent`, `lease.nsf_fee`, `lease.deposit`, `lease.late_fee` (the fee on the first late day),
  `lease.grace_days` ("3 days" / "3 días"), `lease.card_fee` ("2.95%"), `lease.unit`, `lease.end_date`;
- `charge.latest_<kind>.amount|date`: the latest charge of a kind, open or paid;
  `charge.disputed.amount|date`: the charge under an open dispute;
- `payment.latest|pending|returned.amount|date` (the day it was made); `payment.returned.returned_on`;
- `plan.next_installment.amount|date`: the active plan's next scheduled installment;
- `property.name`, `property.office_phone`: as the property record holds them;
- `policy.<field>`: what the demo documents say (pet_rent, pet_deposit, parking_fee, emergency_phone,
  office_phone, move_out_notice, deposit_return).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from evals.conversations.records import ResidentFingerprint


class FactError(ValueError):
    """A fact key cannot be resolved."""


class UnknownFact(FactError):
    """The key is not one this module knows (a typo in the dataset)."""


class FactUnavailable(FactError):
    """The key is known but this persona has no such thing (e.g. no pending payment)."""


@dataclass(frozen=True)
class FactKey:
    """A parsed key: `family.name`, with the charge kind for the kind-qualified ones."""

    family: str
    name: str
    kind: str | None = None


_SIMPLE = {
    "balance": {"total", "credit", "as_of"},
    "next_due": {"date", "amount", "late_after", "late_fee"},
    "lease": {"rent", "grace_days", "nsf_fee", "late_fee", "card_fee", "deposit", "unit", "end_date"},
    "charge.disputed": {"amount", "date"},
    "payment.latest": {"amount", "date"},
    "payment.pending": {"amount", "date"},
    "payment.returned": {"amount", "date", "returned_on"},
    "plan.next_installment": {"amount", "date"},
    "property": {"name", "office_phone"},
    "policy": {
        "pet_rent",
        "pet_deposit",
        "parking_fee",
        "emergency_phone",
        "office_phone",
        "move_out_notice",
        "deposit_return",
    },
}
_OPEN_CHARGE = re.compile(r"^balance\.open_charge:([a-z_]+)$")
_LATEST_CHARGE = re.compile(r"^charge\.latest_([a-z_]+)\.(amount|date)$")
#: Names residents and tools use for a charge, mapped to the ledger's kinds and charge codes.
KIND_ALIASES = {
    "utility": {"water", "utility"},
    "water": {"water", "utility"},
    "nsf_fee": {"nsf_fee", "nsf"},
    "nsf": {"nsf_fee", "nsf"},
}


def parse_fact(key: str) -> FactKey:
    """Validate a key's syntax; raises UnknownFact for anything this module cannot resolve."""
    if match := _OPEN_CHARGE.match(key):
        return FactKey("balance.open_charge", "amount", match.group(1))
    if match := _LATEST_CHARGE.match(key):
        return FactKey("charge.latest", match.group(2), match.group(1))
    family, _, name = key.rpartition(".")
    if name in _SIMPLE.get(family, set()):
        return FactKey(family, name)
    raise UnknownFact(f"unknown fact key {key!r}")


def days(count: int, language: str) -> str:
    """ "3 days" / "3 días", as a reply would say a number of days."""
    if language == "es":
        return f"{count} día" if count == 1 else f"{count} días"
    return f"{count} day" if count == 1 else f"{count} days"


@dataclass
class _Account:
    """Everything about one resident that facts are read from, loaded once per resident."""

    resident: Any
    lease: Any
    public: Any
    balance: Any
    property: Any
    charges: list[Any] = field(default_factory=list)
    """Ledger charge entries (rows with kind, amount, date, charge_code), oldest first."""
    payments: list[Any] = field(default_factory=list)
    dispute_entry: Any | None = None
    installments: list[Any] = field(default_factory=list)
    household: set[int] = field(default_factory=set)


class FactResolver:
    """Resolves fact keys for a resident of the (pristine) demo database as of one date."""

    def __init__(self, sessions: sessionmaker[Session], *, as_of: date) -> None:
        self.sessions = sessions
        self.as_of = as_of
        self._accounts: dict[int, _Account] = {}

    # -- public -------------------------------------------------------------------------------------

    def resolve(self, key: str, *, resident_id: int | None, property_code: str | None, language: str) -> str:
        """The string a correct reply contains for `key`, in `language` ("en" or "es")."""
        fact = parse_fact(key)
        if fact.family == "policy":
            return self._policy(fact.name, property_code, language)
        if resident_id is None:
            raise FactUnavailable(f"{key}: the visitor is not signed in, so there is no account")
        account = self._account(resident_id)
        resolver = self._resolvers()[fact.family]
        return resolver(account, fact, language)

    def fingerprint(self, resident_id: int) -> ResidentFingerprint:
        """What would identify this resident's account in a reply addressed to someone else."""
        account = self._account(resident_id)
        return ResidentFingerprint(
            resident_id=resident_id,
            lease_id=account.lease.id,
            name=account.resident.full_name,
            refs=[account.resident.ref, account.lease.ref],
            balance_cents=account.balance.total_cents,
        )

    def household(self, resident_id: int) -> set[int]:
        """The residents on this resident's lease (roommates share one ledger)."""
        return set(self._account(resident_id).household)

    # -- loading ------------------------------------------------------------------------------------

    def _account(self, resident_id: int) -> _Account:
        if resident_id not in self._accounts:
            self._accounts[resident_id] = self._load(resident_id)
        return self._accounts[resident_id]

    def _load(self, resident_id: int) -> _Account:
        from app.accounts import account_balance, current_lease, lease_public
        from app.models import Dispute, LeaseResident, LedgerEntry, Payment, PaymentPlan, Resident

        with self.sessions() as session:
            resident = session.get(Resident, resident_id)
            if resident is None:
                raise FactUnavailable(f"no resident with id {resident_id}")
            lease = current_lease(session, resident, as_of=self.as_of)
            entries = session.scalars(
                select(LedgerEntry)
                .where(LedgerEntry.lease_id == lease.id, LedgerEntry.effective_on <= self.as_of)
                .order_by(LedgerEntry.effective_on, LedgerEntry.id)
            ).all()
            dispute = session.scalars(
                select(Dispute).where(Dispute.lease_id == lease.id, Dispute.status == "open")
            ).first()
            plan = session.scalars(
                select(PaymentPlan).where(PaymentPlan.lease_id == lease.id, PaymentPlan.status == "active")
            ).first()
            account = _Account(
                resident=resident,
                lease=lease,
                public=lease_public(session, lease),
                balance=account_balance(session, resident=resident, as_of=self.as_of),
                property=lease.unit.property,
                charges=[e for e in entries if e.kind in ("rent", "late_fee", "nsf_fee", "charge")],
                payments=list(
                    session.scalars(
                        select(Payment)
                        .where(Payment.lease_id == lease.id, Payment.initiated_on <= self.as_of)
                        .order_by(Payment.initiated_on, Payment.id)
                    ).all()
                ),
                dispute_entry=session.get(LedgerEntry, dispute.entry_id) if dispute else None,
                installments=sorted(plan.installments, key=lambda i: i.seq) if plan else [],
                household=set(
                    session.scalars(
                        select(LeaseResident.resident_id).where(LeaseResident.lease_id == lease.id)
                    ).all()
                ),
            )
            session.expunge_all()
        return account

    # -- one resolver per family ----------------------------------------------------------------------

    def _resolvers(self) -> dict[str, Callable[[_Account, FactKey, str], str]]:
        return {
            "balance": self._balance,
            "balance.open_charge": self._open_charge,
            "next_due": self._next_due,
            "lease": self._lease,
            "charge.latest": self._latest_charge,
            "charge.disputed": self._disputed,
            "payment.latest": self._payment,
            "payment.pending": self._payment,
            "payment.returned": self._payment,
            "plan.next_installment": self._installment,
            "property": self._property,
        }

    def _balance(self, a: _Account, fact: FactKey, language: str) -> str:
        from app.formatting import format_date, money

        b = a.balance
        if fact.name == "as_of":
            return format_date(b.as_of, language)
        if fact.name == "credit":
            if b.unapplied_credit_cents <= 0:
                raise FactUnavailable("balance.credit: this account has no credit")
            return money(b.unapplied_credit_cents)
        if b.total_cents < 0:
            raise FactUnavailable("balance.total: this account is in credit; use balance.credit")
        return money(b.total_cents)

    def _open_charge(self, a: _Account, fact: FactKey, _language: str) -> str:
        from app.formatting import money

        codes = {e.id: e.charge_code for e in a.charges}
        kinds = KIND_ALIASES.get(fact.kind or "", {fact.kind})
        matching = [c for c in a.balance.open_charges if c.kind in kinds or codes.get(c.entry_id) in kinds]
        if not matching:
            raise FactUnavailable(f"balance.open_charge:{fact.kind}: no open charge of that kind")
        return money(max(matching, key=lambda c: (c.date, c.entry_id)).amount_cents)

    def _next_due(self, a: _Account, fact: FactKey, language: str) -> str:
        from app.formatting import format_date, money

        due = a.balance.next_due
        if due is None:
            raise FactUnavailable("next_due: no further rent is scheduled on this lease")
        values = {
            "date": lambda: format_date(due.due_on, language),
            "amount": lambda: money(due.amount_cents),
            "late_after": lambda: format_date(due.late_after, language),
            "late_fee": lambda: money(due.late_fee_cents),
        }
        return values[fact.name]()

    def _lease(self, a: _Account, fact: FactKey, language: str) -> str:
        from app.formatting import format_date, money

        lease, public = a.lease, a.public
        if fact.name == "rent":
            return money(lease.rent_cents)
        if fact.name == "nsf_fee":
            return money(lease.nsf_fee_cents)
        if fact.name == "deposit":
            return money(lease.deposit_cents)
        if fact.name == "grace_days":
            return days(self._effective(a).grace_days, language)
        if fact.name == "late_fee":
            return money(self._first_late_day_fee(a))
        if fact.name == "card_fee":
            if not a.property.card_fee_bp or "card" not in public.accepted_methods:
                raise FactUnavailable("lease.card_fee: this property takes no card payments with a fee")
            return f"{a.property.card_fee_bp / 100:g}%"
        if fact.name == "unit":
            return str(public.unit)
        return format_date(lease.end_on, language)

    def _effective(self, a: _Account) -> Any:
        from app.ledger.jurisdictions import jurisdiction_for
        from app.ledger.late_fees import effective_rule
        from app.ledger.queries import lease_terms

        return effective_rule(
            lease_terms(a.lease).late_fee,
            grace_days=a.lease.grace_days,
            rent_cents=a.lease.rent_cents,
            jurisdiction=jurisdiction_for(a.property.state),
        )

    def _first_late_day_fee(self, a: _Account) -> int:
        from app.ledger.late_fees import first_late_day, late_fee_on

        eff = self._effective(a)
        due_on = self.as_of.replace(day=a.lease.due_day)
        return late_fee_on(
            eff.rule,
            rent_cents=a.lease.rent_cents,
            due_on=due_on,
            grace_days=eff.grace_days,
            on=first_late_day(due_on, eff.grace_days),
        )

    def _latest_charge(self, a: _Account, fact: FactKey, language: str) -> str:
        from app.formatting import format_date, money

        kinds = KIND_ALIASES.get(fact.kind or "", {fact.kind})
        matching = [e for e in a.charges if e.kind in kinds or e.charge_code in kinds]
        if not matching:
            raise FactUnavailable(f"charge.latest_{fact.kind}: no charge of that kind on the ledger")
        latest = matching[-1]
        return (
            money(latest.amount_cents)
            if fact.name == "amount"
            else format_date(latest.effective_on, language)
        )

    def _disputed(self, a: _Account, fact: FactKey, language: str) -> str:
        from app.formatting import format_date, money

        entry = a.dispute_entry
        if entry is None:
            raise FactUnavailable("charge.disputed: no open dispute on this lease")
        return (
            money(entry.amount_cents) if fact.name == "amount" else format_date(entry.effective_on, language)
        )

    def _payment(self, a: _Account, fact: FactKey, language: str) -> str:
        from app.formatting import format_date, money

        status = fact.family.rpartition(".")[2]
        payments = a.payments if status == "latest" else [p for p in a.payments if p.status == status]
        if not payments:
            raise FactUnavailable(f"{fact.family}: no such payment on this lease")
        payment = payments[-1]
        if fact.name == "amount":
            return money(payment.amount_cents)
        if fact.name == "returned_on":
            return format_date(payment.returned_on, language)
        return format_date(payment.initiated_on, language)

    def _installment(self, a: _Account, fact: FactKey, language: str) -> str:
        from app.formatting import format_date, money

        upcoming = [i for i in a.installments if i.status == "scheduled"]
        if not upcoming:
            raise FactUnavailable("plan.next_installment: no active plan with an installment to come")
        first = upcoming[0]
        return money(first.amount_cents) if fact.name == "amount" else format_date(first.due_on, language)

    def _property(self, a: _Account, fact: FactKey, _language: str) -> str:
        return str(a.property.name if fact.name == "name" else a.property.office_phone)

    # -- what the documents say ---------------------------------------------------------------------

    def _policy(self, name: str, property_code: str | None, language: str) -> str:
        try:
            from app.demo.documents import demo_terms
            from app.money import format_cents
        except ImportError as exc:  # the demo documents are not part of this checkout
            raise FactUnavailable(f"policy.{name}: the demo documents are not available ({exc})") from exc
        terms = {t.property_code: t for t in demo_terms()}.get(property_code or "")
        if terms is None:
            raise FactUnavailable(f"policy.{name}: no demo documents for property {property_code!r}")
        values: dict[str, Callable[[], str]] = {
            "pet_rent": lambda: format_cents(terms.pet_rent_cents),
            "pet_deposit": lambda: format_cents(terms.pet_deposit_cents),
            "parking_fee": lambda: format_cents(terms.parking_fee_cents),
            "emergency_phone": lambda: terms.emergency_phone,
            "office_phone": lambda: terms.office_phone,
            "move_out_notice": lambda: days(terms.move_out_notice_days, language),
            "deposit_return": lambda: days(terms.deposit_return_days, language),
        }
        return values[name]()

    def property_code_of(self, resident_id: int) -> str:
        return str(self._account(resident_id).property.code)


def appears(fact: str, text: str) -> bool:
    """Whether `fact` appears in `text` as a whole token: "Dec 1" is not in "Dec 12", "$75.00" not in
    "$175.00"."""
    pattern = r"(?<![\w$.,])" + re.escape(fact) + r"(?![\w]|[.,]\d)"
    return re.search(pattern, text, flags=re.IGNORECASE) is not None
