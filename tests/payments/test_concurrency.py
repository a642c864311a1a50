"""Deliveries at the same moment, on SQLite and PostgreSQL: 8 copies of one event against a real server
(uvicorn in its own process, a connection per request) post once; different events of one payment
racing on separate connections end with the ledger that any one order gives."""

from __future__ import annotations

import http.client
import json
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app import audit
from app.models import PaymentEvent
from app.payments.stripe_events import read_delivery
from evals.servers import doorstep_server
from tests.payments.stripe_fakes import SECRET, Payment, signed
from tests.payments.support import NSF, RENT, TODAY, TZ, balance, count, ledger, make_households
from tests.support.databases import TEST_AUDIT_KEY, Database

COPIES = 8


def _post_at_once(base: str, body: bytes, headers: dict[str, str]) -> list[tuple[int, str]]:
    """COPIES requests of the same body, released together, each on its own connection."""
    start = threading.Barrier(COPIES)
    where = urlsplit(base)

    def one(_: int) -> tuple[int, str]:
        connection = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=60)
        try:
            connection.connect()
            start.wait(timeout=30)
            connection.request("POST", "/webhooks/stripe", body=body, headers=headers)
            response = connection.getresponse()
            return response.status, json.loads(response.read()).get("outcome", "")
        finally:
            connection.close()

    with ThreadPoolExecutor(COPIES) as pool:
        return list(pool.map(one, range(COPIES)))


def test_eight_concurrent_deliveries_of_one_event_post_once(db: Database, tmp_path: Path) -> None:
    (home,) = make_households(db, 1)
    p = Payment("pi_0", RENT, lease=home.lease_ref)
    env = {
        "DATABASE_URL": db.settings.database_url,
        "DOORSTEP_DATA_DIR": str(db.settings.data_dir),
        "DOORSTEP_AUDIT_KEY": TEST_AUDIT_KEY,
        "DOORSTEP_TODAY": TODAY.isoformat(),
        "ENVIRONMENT": "test",
        "STRIPE_WEBHOOK_SECRET": SECRET,
    }
    with doorstep_server(env, tmp_path / "server.log") as server:
        for evt in (p.processing(), p.succeeded(), p.returned()):
            answers = _post_at_once(server.base, *signed(evt))
            assert sorted(answers) == [(200, "duplicate")] * (COPIES - 1) + [(200, "processed")]
    assert count(db, PaymentEvent) == 3
    assert [(key, kind, cents) for key, kind, cents, *_ in ledger(db, home.lease_id)] == [
        ("nsf", "nsf_fee", NSF),
        ("payment", "payment", -RENT),
        ("return", "reversal", RENT),
    ]
    with db.sessions() as s:
        assert audit.verify_chain(s).ok


def test_different_events_of_one_payment_racing_end_with_the_same_ledger(db: Database) -> None:
    homes = make_households(db, 2)
    raced, calm = (Payment(f"pi_{n}", RENT, lease=h.lease_ref) for n, h in enumerate(homes))

    def events(p: Payment) -> list[dict[str, Any]]:
        return [p.processing(), p.succeeded(), p.dispute_created(), p.dispute_closed("won"), p.refunded()]

    for evt in events(calm):
        deliver_now(db, evt)
    racing = events(raced)
    racing += random.Random(7).sample(racing, 3)  # and some delivered twice
    start = threading.Barrier(len(racing))

    def one(evt: dict[str, Any]) -> str:
        delivery = read_delivery(json.dumps(evt).encode(), tz=TZ)
        start.wait(timeout=30)
        from app.payments.ingest import ingest

        return ingest(db.sessions, delivery, today=TODAY).outcome

    with ThreadPoolExecutor(len(racing)) as pool:
        outcomes = list(pool.map(one, racing))
    assert sorted(outcomes) == ["duplicate"] * 3 + ["processed"] * 5
    normalized = [(key.replace("_1", "_0"), *rest) for key, *rest in ledger(db, homes[1].lease_id)]
    assert normalized == ledger(db, homes[0].lease_id)
    assert balance(db, homes[1].lease_id) == balance(db, homes[0].lease_id) == RENT


def deliver_now(db: Database, evt: dict[str, Any], today: date = TODAY) -> None:
    from app.payments.ingest import ingest

    ingest(db.sessions, read_delivery(json.dumps(evt).encode(), tz=TZ), today=today)
