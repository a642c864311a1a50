"""The fact resolver: each key gives what the app's own functions say, formatted as answers format it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts import account_balance, current_lease, find_resident, lease_public
from app.formatting import format_date, money
from app.models import Dispute, LedgerEntry, Payment
from evals.conversations.facts import FactResolver, FactUnavailable, UnknownFact, appears, days, parse_fact
from tests.support.databases import DEMO_AS_OF, Database

sqlite_demo = pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)


def resident_id(db: Database, persona: str) -> int:
    assert db.report is not None
    with db.sessions() as s:
        return find_resident(s, db.report.personas[persona].split(",")[0]).id


def resolve(db: Database, persona: str, key: str, language: str = "en") -> str:
    resolver = FactResolver(db.sessions, as_of=DEMO_AS_OF)
    return resolver.resolve(key, resident_id=resident_id(db, persona), property_code=None, language=language)


@sqlite_demo
def test_balance_total_is_the_ledger_balance(demo_db: Database) -> None:
    with demo_db.sessions() as s:
        person = find_resident(s, demo_db.report.personas["delinquent"])  # type: ignore[union-attr]
        expected = account_balance(s, resident=person, as_of=DEMO_AS_OF).total_cents
    assert expected > 0
    assert resolve(demo_db, "delinquent", "balance.total") == money(expected)


@sqlite_demo
def test_a_credit_balance_has_no_total_owed_but_a_credit(demo_db: Database) -> None:
    with pytest.raises(FactUnavailable, match="balance.credit"):
        resolve(demo_db, "credit", "balance.total")
    with demo_db.sessions() as s:
        person = find_resident(s, demo_db.report.personas["credit"])  # type: ignore[union-attr]
        credit = account_balance(s, resident=person, as_of=DEMO_AS_OF).unapplied_credit_cents
    assert resolve(demo_db, "credit", "balance.credit") == money(credit)


@sqlite_demo
def test_dates_follow_the_scenarios_language(demo_db: Database) -> None:
    with demo_db.sessions() as s:
        person = find_resident(s, demo_db.report.personas["on_time"])  # type: ignore[union-attr]
        due = account_balance(s, resident=person, as_of=DEMO_AS_OF).next_due
    assert due is not None
    assert resolve(demo_db, "on_time", "next_due.date") == format_date(due.due_on, "en")
    assert resolve(demo_db, "on_time", "next_due.date", "es") == format_date(due.due_on, "es")
    assert resolve(demo_db, "on_time", "next_due.amount") == money(due.amount_cents)


@sqlite_demo
def test_lease_terms_come_from_the_lease(demo_db: Database) -> None:
    with demo_db.sessions() as s:
        person = find_resident(s, demo_db.report.personas["on_time:hudson-terrace"])  # type: ignore[union-attr]
        public = lease_public(s, current_lease(s, person, as_of=DEMO_AS_OF))
    assert resolve(demo_db, "on_time:hudson-terrace", "lease.rent") == money(public.rent_cents)
    assert resolve(demo_db, "on_time:hudson-terrace", "lease.nsf_fee") == money(public.nsf_fee_cents)
    assert resolve(demo_db, "on_time:hudson-terrace", "lease.grace_days") == days(public.grace_days, "en")
    assert resolve(demo_db, "on_time:hudson-terrace", "lease.grace_days", "es") == f"{public.grace_days} días"
    # 5% of rent capped at $50.00 (New York), on the first late day
    assert resolve(demo_db, "on_time:hudson-terrace", "lease.late_fee") == money(
        min(public.rent_cents * 5 // 100, 5000)
    )


@sqlite_demo
def test_the_latest_charge_of_a_kind_and_the_disputed_charge(demo_db: Database) -> None:
    with demo_db.sessions() as s:
        dispute = s.scalars(select(Dispute).where(Dispute.status == "open")).first()
        assert dispute is not None
        entry = s.get(LedgerEntry, dispute.entry_id)
        assert entry is not None
    assert resolve(demo_db, "disputed", "charge.disputed.amount") == money(entry.amount_cents)
    assert resolve(demo_db, "disputed", "charge.disputed.date") == format_date(entry.effective_on)
    assert resolve(demo_db, "changed_yesterday", "charge.latest_key.amount") == money(4500)
    assert resolve(demo_db, "changed_yesterday", "charge.latest_key.date") == format_date(
        DEMO_AS_OF.replace(day=22)
    )
    with pytest.raises(FactUnavailable):
        resolve(demo_db, "disputed", "charge.latest_nsf_fee.amount")


@sqlite_demo
def test_payments_by_status(demo_db: Database) -> None:
    with demo_db.sessions() as s:
        pending = s.scalars(select(Payment).where(Payment.status == "pending").order_by(Payment.id)).all()
    assert pending  # the demo has payments in flight
    value = resolve(demo_db, "pending_payment", "payment.pending.amount")
    assert value in {money(p.amount_cents) for p in pending}
    returned = resolve(demo_db, "nsf", "payment.returned.returned_on")
    assert returned.split()[0] in {"Sep", "Aug", "Oct", "Nov", "Jul", "Jun"}
    with pytest.raises(FactUnavailable):
        resolve(demo_db, "on_time", "payment.pending.amount")


@sqlite_demo
def test_every_other_family_resolves_for_the_persona_that_has_it(demo_db: Database) -> None:
    assert resolve(demo_db, "plan", "plan.next_installment.amount").startswith("$")
    assert resolve(demo_db, "on_time", "property.name") == "Maple Court Apartments"
    assert resolve(demo_db, "roommates", "balance.open_charge:late_fee") == money(7500)
    assert resolve(demo_db, "delinquent", "lease.card_fee") == "2.95%"


def test_unknown_keys_are_refused() -> None:
    for key in ("balance.totl", "charge.latest.amount", "payment.sent.amount", "lease", ""):
        with pytest.raises(UnknownFact):
            parse_fact(key)
    assert parse_fact("charge.latest_late_fee.date").kind == "late_fee"
    assert parse_fact("balance.open_charge:water").kind == "water"


@sqlite_demo
def test_a_visitor_has_policy_facts_but_no_account(demo_db: Database) -> None:
    resolver = FactResolver(demo_db.sessions, as_of=DEMO_AS_OF)
    with pytest.raises(FactUnavailable, match="not signed in"):
        resolver.resolve("balance.total", resident_id=None, property_code="maple-court", language="en")
    phone = resolver.resolve(
        "policy.emergency_phone", resident_id=None, property_code="maple-court", language="en"
    )
    assert phone.startswith("(512)")


@sqlite_demo
def test_fingerprints_and_households(demo_db: Database) -> None:
    resolver = FactResolver(demo_db.sessions, as_of=DEMO_AS_OF)
    rid = resident_id(demo_db, "roommates")
    assert rid in resolver.household(rid) and len(resolver.household(rid)) > 1
    print_ = resolver.fingerprint(resident_id(demo_db, "delinquent"))
    assert print_.refs[0] == demo_db.report.personas["delinquent"]  # type: ignore[union-attr]
    assert print_.balance_cents > 0 and " " in print_.name


@pytest.mark.parametrize(
    ("fact", "text", "found"),
    [
        ("Dec 1", "It is due Dec 1.", True),
        ("Dec 1", "It is due Dec 12.", False),
        ("Dec 1", "due Dec 1, 2026", True),
        ("$75.00", "a $175.00 fee", False),
        ("$75.00", "a fee of $75.00.", True),
        ("3 days", "within 13 days", False),
        ("3 días", "dentro de 3 días de la fecha", True),
        ("2.95%", "a 2.95% fee", True),
    ],
)
def test_a_fact_appears_only_as_a_whole_token(fact: str, text: str, found: bool) -> None:
    assert appears(fact, text) is found
