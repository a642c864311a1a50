"""What the risk model sees of a lease on a day, and each of those features in plain words. Pure.

Every feature is payment behaviour read from the lease's own ledger (`app.risk.history`): nothing about
who lives there. Values are bounded so that one extreme ledger cannot dominate the fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.money import format_cents
from app.risk.history import LOOKBACK_MONTHS, LeaseHistory, history_on

RECENT_MONTHS = 3
MAX_RETURNS = 3
MAX_ARREARS_MONTHS = 6.0
MAX_TENANCY_YEARS = 5.0

FEATURES: tuple[str, ...] = (
    "late_share",
    "recent_late_share",
    "mean_days_late",
    "partial_share",
    "returned_payments",
    "arrears_months",
    "tenancy_years",
)
"""The model's inputs, in the order of `LeaseFeatures.vector()`."""

FEATURE_DIRECTION: dict[str, int] = {
    "late_share": 1,
    "recent_late_share": 1,
    "mean_days_late": 1,
    "partial_share": 1,
    "returned_payments": 1,
    "arrears_months": 1,
    "tenancy_years": -1,
}
"""Which way each feature is expected to move the risk (+1 raises, -1 lowers): a fit that finds the
opposite has found noise (a rare event in a small portfolio), and the feature is set aside."""

FEATURE_LABELS: dict[str, str] = {
    "late_share": f"share of the last {LOOKBACK_MONTHS} months paid late",
    "recent_late_share": f"share of the last {RECENT_MONTHS} months paid late",
    "mean_days_late": "days late per month, on average",
    "partial_share": "share of months only partly paid by the deadline",
    "returned_payments": "payments returned by the bank in the last year",
    "arrears_months": "past-due balance carried, in months of rent",
    "tenancy_years": "years since the lease began",
}


@dataclass(frozen=True, slots=True)
class LeaseFeatures:
    """The counts behind the features, kept so that reasons can quote them."""

    months: int
    """Completed months read (at most `LOOKBACK_MONTHS`)."""
    late_months: int
    recent_months: int
    recent_late_months: int
    partial_months: int
    days_late_total: int
    returned_payments: int
    arrears_cents: int
    monthly_cents: int
    tenancy_months: int

    def vector(self) -> tuple[float, ...]:
        """The values in `FEATURES` order."""
        months = max(self.months, 1)
        return (
            self.late_months / months,
            self.recent_late_months / max(self.recent_months, 1),
            self.days_late_total / months,
            self.partial_months / months,
            float(min(self.returned_payments, MAX_RETURNS)),
            min(self.arrears_cents / max(self.monthly_cents, 1), MAX_ARREARS_MONTHS),
            min(self.tenancy_months / 12, MAX_TENANCY_YEARS),
        )


def features_at(history: LeaseHistory, *, on: date) -> LeaseFeatures:
    """The lease's features as its ledger stood on `on` (entries posted and effective by then)."""
    seen = history_on(history, on=on)
    recent = seen.months[-RECENT_MONTHS:]
    return LeaseFeatures(
        months=len(seen.months),
        late_months=sum(m.late for m in seen.months),
        recent_months=len(recent),
        recent_late_months=sum(m.late for m in recent),
        partial_months=sum(m.partial for m in seen.months),
        days_late_total=sum(m.days_late for m in seen.months),
        returned_payments=seen.returned_payments,
        arrears_cents=seen.arrears_cents,
        monthly_cents=history.monthly_cents,
        tenancy_months=months_between(history.start_on, on),
    )


def months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end` (0 when `end` is not after `start`)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(months, 0)


def describe(name: str, f: LeaseFeatures) -> str:
    """One feature of one lease in words a property manager reads at a glance."""
    if name == "late_share":
        if f.late_months == 0:
            return (
                "paid on time in its one completed month"
                if f.months == 1
                else (f"paid on time in all of the last {f.months} months")
            )
        return f"late in {_of_last(f.late_months, f.months)}"
    if name == "recent_late_share":
        if f.recent_late_months == 0:
            return (
                "on time last month"
                if f.recent_months == 1
                else (f"on time in each of the last {f.recent_months} months")
            )
        return (
            "late last month"
            if f.recent_months == 1
            else (f"late in {f.recent_late_months} of the last {f.recent_months} months")
        )
    if name == "mean_days_late":
        if f.days_late_total == 0:
            return "never paid after the due date's grace period"
        return f"averages {f.days_late_total / max(f.months, 1):.1f} days late a month"
    if name == "partial_share":
        if f.partial_months == 0:
            return "no month left part-paid at the deadline"
        return f"paid only part by the deadline in {_of_last(f.partial_months, f.months)}"
    if name == "returned_payments":
        if f.returned_payments == 0:
            return "no payment returned by the bank in the last year"
        plural = "s" if f.returned_payments != 1 else ""
        return f"{f.returned_payments} payment{plural} returned by the bank in the last year"
    if name == "arrears_months":
        if f.arrears_cents == 0:
            return "carries no past-due balance"
        share = f.arrears_cents / max(f.monthly_cents, 1)
        return f"carries {format_cents(f.arrears_cents)} past due ({share:.1f} months of rent)"
    if name == "tenancy_years":
        if f.tenancy_months < 12:
            return f"a newer tenancy ({f.tenancy_months} month{'s' if f.tenancy_months != 1 else ''})"
        return f"a tenant for {f.tenancy_months / 12:.1f} years"
    raise KeyError(name)


def _of_last(count: int, months: int) -> str:
    return "its one completed month" if months == 1 else f"{count} of the last {months} months"
