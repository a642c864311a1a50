from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.ledger.balance import bucket_for, changes_since, recent_credits, summarize_balance
from app.ledger.types import AgingBucket, Entry, EntryKind
from tests.factories import make_entry

NOV = date(2026, 11, 1)


def test_payment_pays_oldest_charge_first() -> None:
    entries = [
        make_entry(EntryKind.RENT, 1_850_00, date(2026, 10, 1)),
        make_entry(EntryKind.RENT, 1_850_00, NOV),
        make_entry(EntryKind.LATE_FEE, 75_00, date(2026, 11, 6)),
        make_entry(EntryKind.PAYMENT, -2_000_00, date(2026, 11, 4)),
    ]
    summary = summarize_balance(entries, date(2026, 11, 20))
    assert summary.total_cents == 1_775_00
    assert [(c.entry.effective_on, c.open_cents) for c in summary.open_charges] == [
        (NOV, 1_700_00),
        (date(2026, 11, 6), 75_00),
    ]


def test_same_day_payment_covers_rent_before_fees() -> None:
    entries = [
        make_entry(EntryKind.LATE_FEE, 75_00, NOV),
        make_entry(EntryKind.RENT, 1_000_00, NOV),
        make_entry(EntryKind.PAYMENT, -1_000_00, NOV),
    ]
    summary = summarize_balance(entries, NOV)
    assert [c.entry.kind for c in summary.open_charges] == [EntryKind.LATE_FEE]


def test_returned_payment_reopens_what_it_paid() -> None:
    rent = make_entry(EntryKind.RENT, 1_500_00, NOV)
    payment = make_entry(EntryKind.PAYMENT, -1_500_00, date(2026, 10, 31))
    returned = make_entry(EntryKind.REVERSAL, 1_500_00, date(2026, 11, 4), reverses=payment.id)
    nsf = make_entry(EntryKind.NSF_FEE, 35_00, date(2026, 11, 4))
    summary = summarize_balance([rent, payment, returned, nsf], date(2026, 11, 10))
    assert summary.total_cents == 1_535_00
    assert {c.entry.id for c in summary.open_charges} == {rent.id, nsf.id}
    assert recent_credits([rent, payment, returned, nsf], date(2026, 11, 10), limit=5) == ()


def test_overpayment_is_unapplied_credit_not_a_negative_charge() -> None:
    entries = [make_entry(EntryKind.RENT, 1_000_00, NOV), make_entry(EntryKind.PAYMENT, -1_250_00, NOV)]
    summary = summarize_balance(entries, NOV)
    assert summary.total_cents == -250_00
    assert summary.open_charges == ()
    assert summary.unapplied_credit_cents == 250_00


def test_deposit_is_held_not_owed() -> None:
    entries = [make_entry(EntryKind.DEPOSIT, 500_00, NOV), make_entry(EntryKind.RENT, 1_000_00, NOV)]
    summary = summarize_balance(entries, NOV)
    assert summary.total_cents == 1_000_00
    assert summary.deposit_held_cents == 500_00


def test_balance_as_of_ignores_later_and_future_dated_lines() -> None:
    entries = [
        make_entry(EntryKind.RENT, 1_000_00, NOV),
        make_entry(EntryKind.RENT, 1_000_00, date(2026, 12, 1), posted=NOV),  # posted early, not yet due
        make_entry(EntryKind.PAYMENT, -1_000_00, date(2026, 11, 2), posted=date(2026, 11, 4)),  # ACH clearing
    ]
    assert summarize_balance(entries, date(2026, 11, 3)).total_cents == 1_000_00
    assert summarize_balance(entries, date(2026, 11, 4)).total_cents == 0


def test_aging_buckets_by_days_past_due() -> None:
    assert [bucket_for(d) for d in (-3, 0, 1, 30, 31, 60, 61, 90, 91)] == [
        AgingBucket.CURRENT,
        AgingBucket.CURRENT,
        AgingBucket.DAYS_1_30,
        AgingBucket.DAYS_1_30,
        AgingBucket.DAYS_31_60,
        AgingBucket.DAYS_31_60,
        AgingBucket.DAYS_61_90,
        AgingBucket.DAYS_61_90,
        AgingBucket.DAYS_90_PLUS,
    ]
    entries = [make_entry(EntryKind.RENT, 100_00, date(2026, 7, 1)), make_entry(EntryKind.RENT, 100_00, NOV)]
    aging = summarize_balance(entries, date(2026, 11, 5)).aging
    assert aging[AgingBucket.DAYS_90_PLUS] == 100_00
    assert aging[AgingBucket.DAYS_1_30] == 100_00


def test_changes_since_lists_lines_posted_in_the_window() -> None:
    old = make_entry(EntryKind.RENT, 1_000_00, date(2026, 10, 1))
    fee = make_entry(EntryKind.LATE_FEE, 75_00, date(2026, 11, 22))
    changed, delta = changes_since([old, fee], date(2026, 11, 22), date(2026, 11, 23))
    assert changed == [fee]
    assert delta == 75_00


# -- properties --------------------------------------------------------------------------------------

_kinds = st.sampled_from(
    [
        EntryKind.RENT,
        EntryKind.LATE_FEE,
        EntryKind.NSF_FEE,
        EntryKind.CHARGE,
        EntryKind.PAYMENT,
        EntryKind.CREDIT,
        EntryKind.DEPOSIT,
    ]
)


@st.composite
def ledgers(draw: st.DrawFn) -> list[Entry]:
    count = draw(st.integers(0, 40))
    entries: list[Entry] = []
    for n in range(count):
        kind = draw(_kinds)
        cents = draw(st.integers(1, 500_000))
        sign = -1 if kind in (EntryKind.PAYMENT, EntryKind.CREDIT) else 1
        if kind is EntryKind.DEPOSIT:
            sign = draw(st.sampled_from([1, -1]))
        day = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 330)))
        entries.append(Entry(n + 1, kind, sign * cents, day, day, f"line {n}"))
    # reverse a few of them
    for target in (
        draw(st.lists(st.sampled_from(entries), max_size=3, unique_by=lambda e: e.id)) if entries else []
    ):
        if target.kind is not EntryKind.DEPOSIT:
            entries.append(
                Entry(
                    len(entries) + 1,
                    EntryKind.REVERSAL,
                    -target.amount_cents,
                    target.effective_on + timedelta(days=3),
                    target.effective_on + timedelta(days=3),
                    "reversal",
                    target.id,
                )
            )
    return entries


AS_OF = date(2026, 12, 31)


@given(ledgers())
def test_balance_equals_the_sum_of_its_entries(entries: list[Entry]) -> None:
    summary = summarize_balance(entries, AS_OF)
    assert summary.total_cents == sum(e.amount_cents for e in entries if e.kind is not EntryKind.DEPOSIT)
    assert summary.total_cents == summary.charged_cents - summary.unapplied_credit_cents
    assert sum(summary.aging.values()) == summary.charged_cents


@given(ledgers())
def test_allocation_never_leaves_a_negative_or_overfull_open_charge(entries: list[Entry]) -> None:
    summary = summarize_balance(entries, AS_OF)
    for charge in summary.open_charges:
        assert 0 < charge.open_cents <= charge.entry.amount_cents
    assert summary.unapplied_credit_cents >= 0
    assert not (summary.open_charges and summary.unapplied_credit_cents), "credit left while charges open"


@given(ledgers(), st.randoms(use_true_random=False))
def test_balance_does_not_depend_on_insertion_order(entries: list[Entry], rnd: random.Random) -> None:
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    a, b = summarize_balance(entries, AS_OF), summarize_balance(shuffled, AS_OF)
    assert a.total_cents == b.total_cents
    assert a.aging == b.aging
    assert sorted(c.open_cents for c in a.open_charges) == sorted(c.open_cents for c in b.open_charges)
    assert a.unapplied_credit_cents == b.unapplied_credit_cents


@given(ledgers(), st.integers(0, 365))
def test_balance_as_of_a_day_counts_only_lines_visible_that_day(entries: list[Entry], offset: int) -> None:
    day = date(2026, 1, 1) + timedelta(days=offset)
    visible = [e for e in entries if e.posted_on <= day and e.effective_on <= day]
    assert summarize_balance(entries, day).total_cents == summarize_balance(visible, day).total_cents
