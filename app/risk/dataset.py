"""Training examples: one per lease and completed due month, and the split by time. Pure.

An example's features are read as the ledger stood `LEAD_DAYS` before its due date (when pre-due
reminders go out), so nothing of the month itself leaks in; its label is whether that month turned out
late. The split holds out the latest due months: the model is fitted on earlier months and judged on
months it has not seen, as it will be used.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from app.risk.features import LeaseFeatures, features_at
from app.risk.history import LeaseHistory, history_on

LEAD_DAYS = 7
"""Features are read this many days before the due date they predict."""
MIN_MONTHS = 1
"""An example needs at least this many completed months behind it."""


@dataclass(frozen=True, slots=True)
class Example:
    lease_id: int
    due_on: date
    features: LeaseFeatures
    late: bool

    @property
    def month(self) -> str:
        return f"{self.due_on:%Y-%m}"


def build_examples(histories: Iterable[LeaseHistory], *, as_of: date) -> list[Example]:
    """Every lease's completed due months (grace over by `as_of`) that have history behind them, in
    lease and date order."""
    out: list[Example] = []
    for history in histories:
        known = history_on(history, on=as_of, lookback=None)
        for month in known.months:
            features = features_at(history, on=month.due_on - timedelta(days=LEAD_DAYS))
            if features.months >= MIN_MONTHS:
                out.append(Example(history.lease_id, month.due_on, features, month.late))
    return out


@dataclass(frozen=True, slots=True)
class Split:
    train: list[Example]
    holdout: list[Example]
    train_months: tuple[str, ...]
    holdout_months: tuple[str, ...]


def split_by_time(examples: Sequence[Example], *, holdout_months: int) -> Split:
    """Hold out the examples of the latest `holdout_months` calendar months of due dates."""
    months = sorted({e.month for e in examples})
    held = set(months[-holdout_months:]) if holdout_months > 0 else set()
    return Split(
        train=[e for e in examples if e.month not in held],
        holdout=[e for e in examples if e.month in held],
        train_months=tuple(m for m in months if m not in held),
        holdout_months=tuple(m for m in months if m in held),
    )
