"""How one demo household's ledger unfolds month by month: charges, payments, late fees, returns.

Pure simulation: a random generator, the lease's terms and a behaviour go in; ledger lines and payment
records come out, dated. Late fees are decided from the running balance on the first late day, with the
same late-fee functions the assistant quotes, so the demo ledger obeys its own leases (and state caps).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from heapq import heappop, heappush

from app.formatting import MONTHS_EN
from app.ledger.jurisdictions import Jurisdiction
from app.ledger.late_fees import effective_rule, first_late_day, late_fee_on
from app.ledger.schedule import add_months, due_date_in
from app.ledger.types import EntryKind, LateFeeKind, LeaseTerms

MONTH_NAMES = MONTHS_EN
METHOD_LABELS = {"ach": "ACH", "card": "Card", "check": "Check", "cash": "Cash", "money_order": "Money order"}


class Behaviour(StrEnum):
    ON_TIME = "on_time"
    SOMETIMES_LATE = "sometimes_late"
    PARTIAL = "partial"
    DELINQUENT = "delinquent"
    NSF = "nsf"
    CREDIT = "credit"
    PLAN = "plan"
    DISPUTED = "disputed"
    MOVED_OUT = "moved_out"


@dataclass(slots=True)
class SimPayment:
    key: int
    payer: int
    """Index of the household member who paid."""
    method: str
    amount_cents: int
    initiated_on: date
    settled_on: date
    status: str = "succeeded"
    returned_on: date | None = None
    return_code: str | None = None


@dataclass(slots=True)
class SimEntry:
    kind: EntryKind
    amount_cents: int
    effective_on: date
    posted_on: date
    description: str
    charge_code: str | None = None
    payment_key: int | None = None
    reverses: int | None = None
    """Index (in the household's entry list) of the entry this one reverses."""
    payer: int | None = None
    source: str = "pms"


@dataclass(slots=True)
class SimPlan:
    created_on: date
    total_cents: int
    installments: list[tuple[date, int, str]]


@dataclass(slots=True)
class Household:
    entries: list[SimEntry] = field(default_factory=list)
    payments: list[SimPayment] = field(default_factory=list)
    plan: SimPlan | None = None
    disputed_entry: int | None = None

    def balance(self) -> int:
        return sum(e.amount_cents for e in self.entries if e.kind is not EntryKind.DEPOSIT)


@dataclass(frozen=True)
class HouseholdSpec:
    terms: LeaseTerms
    jurisdiction: Jurisdiction | None
    behaviour: Behaviour
    members: int
    methods: tuple[str, ...]
    first_month: date
    """The 1st of the first month simulated (the window start or the move-in month)."""
    as_of: date
    deposit_cents: int
    moved_in: bool
    """True when the lease began inside the window (a deposit and first rent are posted at move-in)."""
    moved_out_on: date | None = None


class _DatedTotal:
    """Amounts by date, for "the total dated before this day" without re-adding the whole history.

    Re-summing a household's whole ledger for every late-fee and payment decision made the simulation's
    cost grow with the square of the ledger's length. The decisions move forward through the months, so
    the amounts dated before the latest day asked about are kept as one number, and only those dated on
    or after it wait, earliest first, to be added in. Asking about an earlier day (the behaviours do not)
    still gets the exact total, from the full history.
    """

    def __init__(self) -> None:
        self.history: list[tuple[date, int]] = []
        self.cutoff = date.min
        self.folded = 0
        """The total of the amounts dated before `cutoff`."""
        self.waiting: list[tuple[date, int]] = []
        """The amounts dated on or after `cutoff`, as a heap."""

    def add(self, on: date, cents: int) -> None:
        self.history.append((on, cents))
        if on < self.cutoff:
            self.folded += cents
        else:
            heappush(self.waiting, (on, cents))

    def before(self, day: date) -> int:
        if day < self.cutoff:
            return sum(cents for on, cents in self.history if on < day)
        while self.waiting and self.waiting[0][0] < day:
            self.folded += heappop(self.waiting)[1]
        self.cutoff = day
        return self.folded


class _Sim:
    def __init__(self, spec: HouseholdSpec, rng: random.Random) -> None:
        self.spec = spec
        self.rng = rng
        self.h = Household()
        eff = effective_rule(
            spec.terms.late_fee,
            grace_days=spec.terms.grace_days,
            rent_cents=spec.terms.rent_cents,
            jurisdiction=spec.jurisdiction,
        )
        self.rule, self.grace = eff.rule, eff.grace_days
        self.monthly = spec.terms.rent_cents + sum(c for _, c in spec.terms.recurring)
        self.recurring = [
            (description, cents, description.split()[0].lower().strip(","))
            for description, cents in spec.terms.recurring
        ]
        """The lease's recurring charges, each with its charge code ("Parking, reserved space": parking)."""
        self.ach_only = "ach" in spec.methods and rng.random() < 0.55
        self.returns = 0
        self.charges = _DatedTotal()
        """Entries that add to what is owed (rent, fees, returned payments), by the day they take effect."""
        self.credits = _DatedTotal()
        """Entries that take from it (payments, credits): kept apart, as `owed_through` counts them to
        another day than the charges."""

    # -- posting helpers ------------------------------------------------------------------------
    def post(self, entry: SimEntry) -> int:
        self.h.entries.append(entry)
        if entry.kind is not EntryKind.DEPOSIT:  # held for the resident, not owed by them
            (self.charges if entry.amount_cents > 0 else self.credits).add(
                entry.effective_on, entry.amount_cents
            )
        return len(self.h.entries) - 1

    def pay(
        self, on: date, amount: int, *, payer: int | None = None, method: str | None = None
    ) -> int | None:
        """Record a payment made on `on`; ACH settles two days later, cards and checks the same day."""
        if amount <= 0 or on > self.spec.as_of:
            return None
        method = method or self.pick_method()
        settle = on + timedelta(days=2 if method == "ach" else 0)
        payer = self.rng.randrange(self.spec.members) if payer is None else payer
        payment = SimPayment(len(self.h.payments), payer, method, amount, on, settle)
        self.h.payments.append(payment)
        return self.post(
            SimEntry(
                EntryKind.PAYMENT,
                -amount,
                on,
                settle,
                f"Payment - {METHOD_LABELS[method]}",
                payment_key=payment.key,
                payer=payer,
                source="processor",
            )
        )

    def pick_method(self) -> str:
        if self.ach_only:
            return "ach"
        return self.rng.choice(self.spec.methods)

    def return_payment(self, entry_index: int, on: date, code: str) -> None:
        entry = self.h.entries[entry_index]
        payment = self.h.payments[entry.payment_key or 0]
        payment.status, payment.returned_on, payment.return_code = "returned", on, code
        reason = {"R01": "insufficient funds", "R02": "account closed", "R03": "no account"}[code]
        self.post(
            SimEntry(
                EntryKind.REVERSAL,
                -entry.amount_cents,
                on,
                on,
                f"Returned ACH payment ({code}: {reason})",
                reverses=entry_index,
                source="processor",
            )
        )
        if self.spec.terms.nsf_fee_cents:
            self.post(
                SimEntry(
                    EntryKind.NSF_FEE,
                    self.spec.terms.nsf_fee_cents,
                    on,
                    on,
                    "Returned payment (NSF) fee",
                    charge_code="nsf",
                )
            )
        self.returns += 1

    # -- one month ------------------------------------------------------------------------------
    def charge_month(self, month: date) -> date:
        terms = self.spec.terms
        due = due_date_in(month.year, month.month, terms.due_day)
        name = MONTH_NAMES[month.month - 1]
        self.post(
            SimEntry(
                EntryKind.RENT,
                terms.rent_cents,
                due,
                month,
                f"Rent - {name} {month.year}",
                charge_code="rent",
            )
        )
        for description, cents, code in self.recurring:
            self.post(
                SimEntry(EntryKind.CHARGE, cents, due, month, f"{description} - {name}", charge_code=code)
            )
        return due

    def late_fees(self, due: date, paid_on: date | None) -> None:
        """Post the month's late fee if the balance is still open on the first late day."""
        late_day = first_late_day(due, self.grace)
        if late_day > self.spec.as_of or self.balance_on(late_day) <= 0:
            return
        rent = self.spec.terms.rent_cents
        name = MONTH_NAMES[due.month - 1]
        first = late_fee_on(self.rule, rent_cents=rent, due_on=due, grace_days=self.grace, on=late_day)
        self.post(
            SimEntry(
                EntryKind.LATE_FEE,
                first,
                late_day,
                late_day,
                f"Late fee - {name} rent",
                charge_code="late_fee",
            )
        )
        if self.rule.kind is not LateFeeKind.DAILY:
            return
        # Daily fees accrue until the balance clears (or the month ends), then post as one line.
        month_end = add_months(due, 1) - timedelta(days=1)  # the day before the next rent falls due
        stop = min(paid_on or month_end, month_end, self.spec.as_of)
        accrued = (
            late_fee_on(
                self.rule, rent_cents=rent, due_on=due, grace_days=self.grace, on=stop - timedelta(days=1)
            )
            - first
        )
        if accrued > 0 and stop > late_day:
            days = -(-accrued // self.rule.daily_cents)
            capped = " (monthly cap reached)" if first + accrued == self.rule.cap_cents else ""
            self.post(
                SimEntry(
                    EntryKind.LATE_FEE,
                    accrued,
                    stop,
                    stop,
                    f"Daily late fee, {days} more day{'s' if days != 1 else ''}{capped} - {name} rent",
                    charge_code="late_fee",
                )
            )

    def balance_on(self, day: date) -> int:
        """What was owed at the start of `day` (payments count from the day they were made)."""
        return self.charges.before(day) + self.credits.before(day)

    def owed_through(self, day: date, *, paid_before: date) -> int:
        """Charges effective by the end of `day`, less payments made before `paid_before`."""
        return self.charges.before(day + timedelta(days=1)) + self.credits.before(paid_before)

    def split(self, amount: int, day: date, *, spread: int = 3) -> date:
        """Pay `amount` on `day`, shared among the household's members (roommates pay separately)."""
        members = self.spec.members
        if members == 1:
            self.pay(day, amount, payer=0)
            return day
        share, last = divmod(amount, members)
        latest = day
        for member in range(members):
            when = day + timedelta(days=self.rng.randint(0, spread))
            self.pay(when, share + (last if member == members - 1 else 0), payer=member)
            latest = max(latest, when)
        return latest


def simulate(spec: HouseholdSpec, rng: random.Random) -> Household:
    """The household's ledger from its first month up to `spec.as_of` (or its move-out)."""
    sim = _Sim(spec, rng)
    last = min(spec.as_of, spec.moved_out_on) if spec.moved_out_on else spec.as_of
    months: list[date] = []
    month = spec.first_month
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    if spec.moved_in or spec.deposit_cents:
        start = spec.first_month if spec.moved_in else add_months(spec.first_month, -rng.randint(2, 30))
        sim.post(
            SimEntry(
                EntryKind.DEPOSIT,
                spec.deposit_cents,
                start,
                start,
                "Security deposit received",
                charge_code="deposit",
            )
        )
    special = len(months) - 3  # the month a returned payment, a plan or a double payment happens
    for index, month in enumerate(months):
        due = sim.charge_month(month)
        BEHAVIOURS[spec.behaviour](sim, due, index == special, len(months) - index - 1)
    if spec.moved_out_on and spec.moved_out_on <= spec.as_of:
        _move_out(sim, spec.moved_out_on)
    sim.h.entries = [e for e in sim.h.entries if e.posted_on <= spec.as_of]
    return sim.h


def _pay_month(sim: _Sim, due: date, amount: int | None = None, *, fees: bool = True) -> None:
    """Pay around the due date: everything owed by then, or a fixed `amount` (autopay)."""
    day = due + timedelta(days=sim.rng.choice((-5, -4, -3, -2, -1, -1, 0, 0, 0, 1, 2)))
    owed = sim.owed_through(max(day, due), paid_before=day) if amount is None else amount
    if owed > 0:
        sim.split(owed, day)
    if fees:
        sim.late_fees(due, None)


def _on_time(sim: _Sim, due: date, _special: bool, _left: int) -> None:
    _pay_month(sim, due)


def _sometimes_late(sim: _Sim, due: date, _special: bool, _left: int) -> None:
    if sim.rng.random() < 0.65:
        _pay_month(sim, due)
        return
    day = first_late_day(due, sim.grace) + timedelta(days=sim.rng.randint(0, 8))
    sim.late_fees(due, day)
    sim.split(max(sim.owed_through(day, paid_before=day), 0), day, spread=1)


def _partial(sim: _Sim, due: date, _special: bool, _left: int) -> None:
    if sim.rng.random() < 0.25:
        _pay_month(sim, due)
        return
    first = due + timedelta(days=sim.rng.randint(-2, 2))
    part = (sim.monthly * sim.rng.randint(40, 70) // 100) // 5000 * 5000 or sim.monthly // 2
    sim.pay(first, part, payer=0)
    rest_day = first_late_day(due, sim.grace) + timedelta(days=sim.rng.randint(2, 12))
    sim.late_fees(due, rest_day)
    if sim.rng.random() < 0.8:
        sim.pay(
            rest_day, max(sim.owed_through(rest_day, paid_before=rest_day), 0), payer=sim.spec.members - 1
        )


def _delinquent(sim: _Sim, due: date, special: bool, left: int) -> None:
    if left >= 6:
        _sometimes_late(sim, due, special, left)
        return
    day = due + timedelta(days=sim.rng.randint(3, 20))
    sim.late_fees(due, None)
    if left >= 3 and sim.rng.random() < 0.7:
        sim.pay(day, sim.monthly * sim.rng.randint(35, 80) // 100 // 100 * 100, payer=0)
    elif left < 3 and sim.rng.random() < 0.25:
        sim.pay(day, sim.rng.choice((200_00, 300_00, 400_00)), payer=0)


def _nsf(sim: _Sim, due: date, special: bool, _left: int) -> None:
    if not special:
        _pay_month(sim, due)
        return
    day = due - timedelta(days=1)
    entry = sim.pay(day, sim.monthly, payer=0, method="ach")
    if entry is not None and day + timedelta(days=4) <= sim.spec.as_of:
        sim.return_payment(entry, day + timedelta(days=4), "R01")
    sim.late_fees(due, None)
    repay = first_late_day(due, sim.grace) + timedelta(days=3)
    sim.pay(repay, max(sim.owed_through(repay, paid_before=repay), 0), payer=0, method="card")


def _credit(sim: _Sim, due: date, special: bool, left: int) -> None:
    _pay_month(sim, due, amount=sim.monthly)  # autopay: the same amount every month
    if special:
        sim.pay(due + timedelta(days=9), sim.monthly, payer=0)  # and a manual payment on top
    if left == 0 and due - timedelta(days=2) <= sim.spec.as_of:
        sim.post(
            SimEntry(
                EntryKind.CREDIT,
                -150_00,
                due - timedelta(days=2),
                due - timedelta(days=2),
                "Concession: resident referral credit",
                charge_code="concession",
            )
        )


def _plan(sim: _Sim, due: date, _special: bool, left: int) -> None:
    if left > 2:
        _pay_month(sim, due)
    elif left == 2:  # fell behind: nothing paid this month or the next
        sim.late_fees(due, None)
    elif left == 1:
        sim.late_fees(due, None)
        created = first_late_day(due, sim.grace) + timedelta(days=2)
        if created <= sim.spec.as_of:
            owed = sim.owed_through(created, paid_before=created)
            part = owed // 3
            dates = [created + timedelta(days=1), add_months(created, 1), add_months(created, 2)]
            amounts = [part, part, owed - 2 * part]
            sim.h.plan = SimPlan(
                created, owed, [(d, a, "scheduled") for d, a in zip(dates, amounts, strict=True)]
            )
    else:  # the current month: rent paid on time, installments as they fall due; no fee on plan arrears
        _pay_month(sim, due, amount=sim.monthly, fees=False)
        if sim.h.plan:
            sim.h.plan.installments = [
                (
                    when,
                    amount,
                    "paid"
                    if when < sim.spec.as_of and sim.pay(when, amount, payer=0) is not None
                    else "scheduled",
                )
                for when, amount, _ in sim.h.plan.installments
            ]


def _disputed(sim: _Sim, due: date, _special: bool, left: int) -> None:
    _pay_month(sim, due)
    if left == 0:
        day = max(sim.spec.as_of - timedelta(days=12), due)
        sim.h.disputed_entry = sim.post(
            SimEntry(
                EntryKind.CHARGE,
                185_00,
                day,
                day,
                "Carpet cleaning - pet stain (work order 4471)",
                charge_code="cleaning",
            )
        )


def _move_out(sim: _Sim, moved_out_on: date) -> None:
    """Final charges a week after move-out, then the deposit applied and the rest owed back to them."""
    day = moved_out_on + timedelta(days=7)
    sim.post(SimEntry(EntryKind.CHARGE, 175_00, day, day, "Move-out cleaning", charge_code="cleaning"))
    sim.post(
        SimEntry(
            EntryKind.CHARGE,
            240_00,
            day,
            day,
            "Wall repair, bedroom (move-out inspection)",
            charge_code="damage",
        )
    )
    deposit = sim.spec.deposit_cents
    if deposit:
        sim.post(
            SimEntry(
                EntryKind.DEPOSIT, -deposit, day, day, "Security deposit released", charge_code="deposit"
            )
        )
        sim.post(
            SimEntry(
                EntryKind.CREDIT,
                -deposit,
                day,
                day,
                "Security deposit applied to final account",
                charge_code="deposit",
            )
        )


BEHAVIOURS = {
    Behaviour.ON_TIME: _on_time,
    Behaviour.SOMETIMES_LATE: _sometimes_late,
    Behaviour.PARTIAL: _partial,
    Behaviour.DELINQUENT: _delinquent,
    Behaviour.NSF: _nsf,
    Behaviour.CREDIT: _credit,
    Behaviour.PLAN: _plan,
    Behaviour.DISPUTED: _disputed,
    Behaviour.MOVED_OUT: _on_time,
}
