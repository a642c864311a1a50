"""What `make bench` measures on one database: seeding the demo portfolio, and every lease's itemized
balance beside one plain SQL `GROUP BY` sum of the same ledger, timed in the same run."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, text

from app.db import transaction
from app.demo.seed import SeedOptions, seed_demo
from app.ledger.queries import all_summaries, balances_by_sql
from app.models import Lease, LeaseResident
from evals.benchmarks.databases import BenchDatabase


@dataclass(frozen=True)
class SeedRun:
    units: int
    months: int
    seconds: float
    """Wall time of the whole transaction, commit included."""
    entries: int
    payments: int
    leases: int
    residents: int

    @property
    def entries_per_second(self) -> float:
        return self.entries / self.seconds


@dataclass(frozen=True)
class BalanceRun:
    itemized_seconds: tuple[float, ...]
    """`all_summaries` for every lease, one figure per run."""
    itemized_cpu_seconds: tuple[float, ...]
    """The same runs' CPU time in this process: less swayed by other work on the machine, and on
    PostgreSQL without the server's share."""
    group_by_seconds: tuple[float, ...]
    """`balances_by_sql`, one plain `GROUP BY` sum of the same ledger, interleaved with the runs above."""
    balances: int
    """Leases with a balance (one itemized summary each)."""
    active_leases: int
    residents: int
    """Residents on the leases with a balance: what one itemized balance covers."""
    ledger_entries: int
    disagreements: int
    """Leases whose itemized total differs from the GROUP BY sum (or that only one of them has)."""

    @property
    def itemized_best(self) -> float:
        return min(self.itemized_seconds)

    @property
    def itemized_median(self) -> float:
        return statistics.median(self.itemized_seconds)

    @property
    def itemized_cpu_best(self) -> float:
        return min(self.itemized_cpu_seconds)

    @property
    def group_by_best(self) -> float:
        return min(self.group_by_seconds)

    @property
    def agree(self) -> bool:
        return self.disagreements == 0


def seed(database: BenchDatabase, *, units: int, months: int, as_of: date) -> SeedRun:
    started = time.perf_counter()
    with transaction(database.sessions) as session:
        report = seed_demo(session, SeedOptions(units=units, months=months, as_of=as_of))
    seconds = time.perf_counter() - started
    return SeedRun(units, months, seconds, report.entries, report.payments, report.leases, report.residents)


def analyze(database: BenchDatabase) -> None:
    """Refresh PostgreSQL's planner statistics, as autovacuum soon would after a bulk load, so that both
    queries run on the plans a settled database gets rather than racing autovacuum."""
    if database.engine.dialect.name == "postgresql":
        with database.engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def balances(database: BenchDatabase, *, as_of: date, repeats: int = 3) -> BalanceRun:
    """Time `all_summaries` and `balances_by_sql` `repeats` times each, alternating, each run in a
    session of its own, after one untimed run of each (so both read a warm cache) whose results are
    checked against each other."""
    with database.sessions() as session:
        itemized = all_summaries(session, as_of=as_of)
        summed = balances_by_sql(session, as_of=as_of)
        active = session.scalar(select(func.count()).select_from(Lease).where(Lease.status == "active"))
        residents = {
            resident_id
            for lease_id, resident_id in session.execute(
                select(LeaseResident.lease_id, LeaseResident.resident_id)
            )
            if lease_id in itemized
        }
        entries = session.scalar(text("SELECT COUNT(*) FROM ledger_entries"))
    disagreements = sum(
        1
        for lease_id in itemized.keys() | summed.keys()
        if lease_id not in itemized or itemized[lease_id].total_cents != summed.get(lease_id, 0)
    )
    count = len(itemized)
    del itemized, summed
    itemized_runs: list[tuple[float, float]] = []
    group_by_runs: list[tuple[float, float]] = []
    for _ in range(repeats):
        itemized_runs.append(_timed(database, itemized=True, as_of=as_of))
        group_by_runs.append(_timed(database, itemized=False, as_of=as_of))
    return BalanceRun(
        itemized_seconds=tuple(wall for wall, _ in itemized_runs),
        itemized_cpu_seconds=tuple(cpu for _, cpu in itemized_runs),
        group_by_seconds=tuple(wall for wall, _ in group_by_runs),
        balances=count,
        active_leases=active or 0,
        residents=len(residents),
        ledger_entries=entries or 0,
        disagreements=disagreements,
    )


def _timed(database: BenchDatabase, *, itemized: bool, as_of: date) -> tuple[float, float]:
    """(wall, CPU) seconds of one run, in a session of its own."""
    with database.sessions() as session:
        session.connection()  # check a connection out of the pool before the clock starts
        started, cpu_started = time.perf_counter(), time.process_time()
        result = all_summaries(session, as_of=as_of) if itemized else balances_by_sql(session, as_of=as_of)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    del result
    return seconds, cpu_seconds
