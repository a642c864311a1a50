"""Stripe webhook ingestion over HTTP on SQLite, events/s, beside a signed no-op endpoint measured in the
same run (issue #12: >= 500 events/s).

`python -m evals.benchmarks.webhooks` seeds a small demo portfolio in a temporary directory, starts
Doorstep under uvicorn (one worker, SQLite, STRIPE_WEBHOOK_SECRET set) and a no-op FastAPI app that
checks the same signature and reads the same event but stores nothing, and sends both the same signed
deliveries from a few keep-alive connections: ACH payments (processing, then succeeded), card payments
(succeeded), a few refunds and returned debits, events of types Doorstep ignores, and redeliveries of
events already sent (as Stripe retries). Each server gets at most EVENTS deliveries or SECONDS seconds,
whichever ends first; every server listens on 127.0.0.1 only; client and server share the machine's cores.
Afterwards the database is read back: every event is recorded once and every payment posted once.
"""

from __future__ import annotations

import http.client
import itertools
import json
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import stripe
from fastapi import FastAPI, HTTPException, Request
from rich.console import Console
from rich.table import Table

from evals.servers import Served, doorstep_server, uvicorn_server

AS_OF = date(2026, 11, 23)
UNITS = 240
PAYMENTS = 2_400
"""About 10 payments per lease, split among roommates: enough events that none repeats by accident."""
EVENTS = 6_000
"""At most this many deliveries per server."""
SECONDS = 30.0
"""At most this long per server (after a short warm-up)."""
CONNECTIONS = 4
"""Stripe delivers to an endpoint concurrently; four keep-alive connections."""
WARM_UP = 200
SECRET = "whsec_bench_0123456789abcdefghijklmnopqrstuvwxyz"
AUDIT_KEY = "bench-audit-key-0123456789abcdefghijklm"
TARGET_PER_SECOND = 500.0
TZ_NAME = "America/Chicago"


# --- the floor: a signed no-op endpoint ------------------------------------------------------------------


def noop_app() -> FastAPI:
    """The same route on the same stack, checking the same signature and reading the same event, storing
    nothing (`uvicorn --factory evals.benchmarks.webhooks:noop_app`)."""
    from zoneinfo import ZoneInfo

    from app.payments.stripe_events import (
        MalformedDelivery,
        SignatureRefused,
        read_delivery,
        verify_signature,
    )

    app = FastAPI()
    tz = ZoneInfo(TZ_NAME)

    @app.post("/webhooks/stripe")
    async def webhook(request: Request) -> dict[str, Any]:
        body = await request.body()
        try:
            verify_signature(body, request.headers.get("Stripe-Signature"), SECRET, tolerance=300)
            delivery = read_delivery(body, tz=tz)
        except SignatureRefused as exc:
            raise HTTPException(403, "the request is not signed by Stripe") from exc
        except MalformedDelivery as exc:
            raise HTTPException(400, str(exc)) from exc
        return {"received": True, "outcome": delivery.outcome, "payment_status": None}

    return app


# --- the deliveries -----------------------------------------------------------------------------------


def _ts(day: int, hour: int) -> int:
    from zoneinfo import ZoneInfo

    return int(datetime(AS_OF.year, AS_OF.month, day, hour, tzinfo=ZoneInfo(TZ_NAME)).timestamp())


@dataclass
class Mix:
    events: list[dict[str, Any]] = field(default_factory=list)
    payments: int = 0
    posted_payments: int = 0
    redeliveries: int = 0


def _deliveries(leases: list[str], rng: random.Random) -> Mix:
    """Events for PAYMENTS payments, interleaved as they would arrive, with redeliveries mixed in."""
    mix = Mix()
    counter = itertools.count(1)
    lives: list[list[dict[str, Any]]] = []
    for n in range(PAYMENTS):
        pi, ch, lease = f"pi_bench{n:06d}", f"ch_bench{n:06d}", leases[n % len(leases)]
        ach = rng.random() < 0.6
        amount = rng.choice((45_000, 60_000, 72_500, 90_000, 120_000))
        day = 1 + n % 20
        intent = {
            "id": pi,
            "object": "payment_intent",
            "amount": amount,
            "currency": "usd",
            "created": _ts(day, 9),
            "customer": f"cus_bench{n % 500:04d}",
            "metadata": {"lease_id": lease},
            "latest_charge": ch,
            "payment_method_types": ["us_bank_account" if ach else "card"],
            "last_payment_error": None,
        }
        charge = {
            "id": ch,
            "object": "charge",
            "amount": amount,
            "amount_refunded": 0,
            "currency": "usd",
            "created": _ts(day, 9),
            "payment_intent": pi,
            "status": "succeeded",
            "payment_method_details": {"type": "us_bank_account" if ach else "card"},
        }

        def event(kind: str, obj: dict[str, Any], created: int) -> dict[str, Any]:
            return {
                "id": f"evt_bench{next(counter):07d}",
                "object": "event",
                "api_version": "2024-06-20",
                "created": created,
                "livemode": False,
                "type": kind,
                "data": {"object": obj},
            }

        life = []
        if ach:
            life.append(event("payment_intent.processing", {**intent, "status": "processing"}, _ts(day, 9)))
        life.append(event("payment_intent.succeeded", {**intent, "status": "succeeded"}, _ts(day, 10)))
        life.append(event("charge.succeeded", charge, _ts(day, 10)))  # a type Doorstep ignores
        roll = rng.random()
        if roll < 0.05:
            refunded = {**charge, "amount_refunded": amount, "refunded": True}
            life.append(event("charge.refunded", refunded, _ts(day, 15)))
        elif roll < 0.07 and ach:
            failed = {**charge, "status": "failed", "failure_code": "insufficient_funds"}
            life.append(event("charge.failed", failed, _ts(day, 16)))
        lives.append(life)
        mix.payments += 1
    # Arrival: payments overlap (each one's events in order, others' in between), some are sent twice.
    queue = [list(life) for life in lives]
    window: list[list[dict[str, Any]]] = []
    while queue or window:
        while queue and len(window) < 50:
            window.append(queue.pop(0))
        life = window[rng.randrange(len(window))]
        mix.events.append(life.pop(0))
        if not life:
            window.remove(life)
        if rng.random() < 0.08 and mix.events:
            mix.events.append(rng.choice(mix.events[-200:]))
            mix.redeliveries += 1
    return mix


def _sign(events: list[dict[str, Any]]) -> list[tuple[bytes, dict[str, str]]]:
    """Signed as Stripe signs them, with the time of signing (the run must start within 300 s)."""
    now = int(time.time())
    signed = []
    for evt in events:
        body = json.dumps(evt, separators=(",", ":"))
        header = stripe.WebhookSignature.generate_signature_header(body, SECRET, now)
        signed.append((body.encode(), {"Stripe-Signature": header, "Content-Type": "application/json"}))
    return signed


# --- the load ---------------------------------------------------------------------------------------


@dataclass
class Run:
    sent: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.sent / self.elapsed if self.elapsed else 0.0

    def p(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, int(len(ordered) * share) - 1)] * 1000 if ordered else float("nan")


def _send(server: Served, deliveries: list[tuple[bytes, dict[str, str]]], *, seconds: float) -> Run:
    """Every delivery in order, from CONNECTIONS keep-alive connections, until all are sent or time is up."""
    run, lock, position = Run(), threading.Lock(), itertools.count()
    where = urlsplit(server.base)
    deadline = time.monotonic() + seconds

    def connection_loop(_: int) -> None:
        connection = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=30)
        try:
            while time.monotonic() < deadline:
                with lock:
                    index = next(position)
                if index >= len(deliveries):
                    return
                body, headers = deliveries[index]
                started = time.perf_counter()
                connection.request("POST", "/webhooks/stripe", body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read()
                took = time.perf_counter() - started
                outcome = json.loads(answer).get("outcome", "?") if response.status == 200 else "-"
                with lock:
                    run.sent += 1
                    run.latencies.append(took)
                    run.statuses[response.status] += 1
                    run.outcomes[outcome] += 1
        finally:
            connection.close()

    started = time.monotonic()
    with ThreadPoolExecutor(CONNECTIONS) as pool:
        list(pool.map(connection_loop, range(CONNECTIONS)))
    run.elapsed = time.monotonic() - started
    return run


# --- setup, check and report ------------------------------------------------------------------------


@contextmanager
def _portfolio() -> Iterator[tuple[Path, list[str]]]:
    """A data dir holding a seeded demo portfolio; the leases' references."""
    from sqlalchemy import select

    from app import migrate
    from app.config import Settings
    from app.db import make_engine, make_sessionmaker
    from app.demo.seed import SeedOptions, seed_demo
    from app.models import Lease

    root = Path(tempfile.mkdtemp(prefix="doorstep-webhook-bench-"))
    try:
        data = root / "data"
        settings = Settings(DOORSTEP_DATA_DIR=data, DOORSTEP_AUDIT_KEY=AUDIT_KEY, ENVIRONMENT="test")
        engine = make_engine(settings)
        migrate.upgrade(engine)
        with make_sessionmaker(engine).begin() as session:
            seed_demo(session, SeedOptions(units=UNITS, months=2, as_of=AS_OF))
            refs = list(
                session.scalars(select(Lease.ref).where(Lease.moved_out_on.is_(None)).order_by(Lease.id))
            )
        engine.dispose()
        yield data, refs
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _check(data: Path, sent: list[dict[str, Any]]) -> dict[str, Any]:
    """What the database holds after the run: each event once, each succeeded payment posted once."""
    from sqlalchemy import func, select

    from app import audit
    from app.config import Settings
    from app.db import make_engine, make_sessionmaker
    from app.models import LedgerEntry, PaymentEvent

    unique = {e["id"]: e for e in sent}
    succeeded = {
        e["data"]["object"]["id"] for e in unique.values() if e["type"] == "payment_intent.succeeded"
    }
    settings = Settings(DOORSTEP_DATA_DIR=data, DOORSTEP_AUDIT_KEY=AUDIT_KEY, ENVIRONMENT="test")
    engine = make_engine(settings)
    try:
        with make_sessionmaker(engine)() as session:
            events = session.scalar(select(func.count()).select_from(PaymentEvent)) or 0
            payments = (
                session.scalar(
                    select(func.count())
                    .select_from(LedgerEntry)
                    .where(LedgerEntry.source == "stripe", LedgerEntry.kind == "payment")
                )
                or 0
            )
            chain_ok = audit.verify_chain(session).ok
    finally:
        engine.dispose()
    return {
        "events_sent_unique": len(unique),
        "events_recorded": int(events),
        "payments_succeeded": len(succeeded),
        "payment_lines": int(payments),
        "audit_chain_ok": chain_ok,
    }


def run_webhook_bench(console: Console | None = None) -> dict[str, Any]:
    console = console or Console()
    rng = random.Random(20261123)
    with _portfolio() as (data, leases):
        mix = _deliveries(leases, rng)
        warm, measured = mix.events[:WARM_UP], mix.events[WARM_UP : WARM_UP + EVENTS]
        env = {
            "DOORSTEP_DATA_DIR": str(data),
            "DOORSTEP_AUDIT_KEY": AUDIT_KEY,
            "DOORSTEP_TODAY": AS_OF.isoformat(),
            "DOORSTEP_TIMEZONE": TZ_NAME,
            "ENVIRONMENT": "test",
            "STRIPE_WEBHOOK_SECRET": SECRET,
        }
        logs = data.parent
        with uvicorn_server(
            "evals.benchmarks.webhooks:noop_app", {}, logs / "noop.log", factory=True
        ) as noop:
            _send(noop, _sign(warm), seconds=SECONDS)
            floor = _send(noop, _sign(measured), seconds=SECONDS)
        with doorstep_server(env, logs / "doorstep.log") as server:
            _send(server, _sign(warm), seconds=SECONDS)
            load = _send(server, _sign(measured), seconds=SECONDS)
        delivered = warm + measured[: load.sent]
        check = _check(data, delivered)
    report = {
        "events_per_second": round(load.rate, 1),
        "p50_ms": round(load.p(0.5), 2),
        "p95_ms": round(load.p(0.95), 2),
        "sent": load.sent,
        "seconds": round(load.elapsed, 2),
        "statuses": dict(load.statuses),
        "outcomes": dict(load.outcomes),
        "noop_events_per_second": round(floor.rate, 1),
        "noop_p50_ms": round(floor.p(0.5), 2),
        "noop_p95_ms": round(floor.p(0.95), 2),
        "share_of_noop": round(load.rate / floor.rate, 3) if floor.rate else None,
        "target_per_second": TARGET_PER_SECOND,
        "met": load.rate >= TARGET_PER_SECOND and set(load.statuses) == {200},
        "connections": CONNECTIONS,
        "redeliveries_in_mix": mix.redeliveries,
        "check": check,
    }
    console.print(_table(report))
    return report


def _table(r: dict[str, Any]) -> Table:
    table = Table(
        title="Stripe webhooks over HTTP on SQLite (client and server share the cores)", title_justify="left"
    )
    for column in ("figure", "measured", "target", "floor / ratio"):
        table.add_column(column)
    table.add_row(
        f"ingestion, {r['connections']} connections",
        f"{r['events_per_second']} events/s ({r['sent']} in {r['seconds']} s)",
        f">= {TARGET_PER_SECOND:.0f}/s",
        f"no-op {r['noop_events_per_second']}/s; share {r['share_of_noop']}",
    )
    table.add_row(
        "latency p50 / p95",
        f"{r['p50_ms']} / {r['p95_ms']} ms",
        "",
        f"no-op {r['noop_p50_ms']} / {r['noop_p95_ms']} ms",
    )
    table.add_row("statuses / outcomes", f"{r['statuses']} / {r['outcomes']}", "all 200", "")
    c = r["check"]
    table.add_row(
        "read back",
        f"{c['events_recorded']} of {c['events_sent_unique']} events recorded; "
        f"{c['payment_lines']} of {c['payments_succeeded']} payments posted; audit chain "
        f"{'ok' if c['audit_chain_ok'] else 'BROKEN'}",
        "all, once",
        "",
    )
    return table


def main() -> int:
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
    report = run_webhook_bench(console)
    print(json.dumps({"webhooks": report, "at": datetime.now(UTC).isoformat(timespec="seconds")}))  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
