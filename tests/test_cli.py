from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import app
from app.config import get_settings
from app.models import Lease, LedgerEntry
from tests.support.databases import DEMO_AS_OF, TEST_AUDIT_KEY, Database

runner = CliRunner()


def _counts(db: Database) -> tuple[int, int]:
    with db.sessions() as s:
        return (
            int(s.scalar(select(func.count()).select_from(LedgerEntry)) or 0),
            int(s.scalar(select(func.count()).select_from(Lease)) or 0),
        )


def test_ledger_show_json_is_the_itemized_balance(cli_db: Database) -> None:
    ref = cli_db.report.personas["partial"]  # type: ignore[union-attr]
    result = runner.invoke(app, ["ledger", "show", ref, "--as-of", DEMO_AS_OF.isoformat(), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["resident_ref"] == ref
    assert set(body) >= {
        "total_cents",
        "open_charges",
        "credits_applied",
        "unapplied_credit_cents",
        "aging",
        "next_due",
        "pending_payments",
        "recent_activity",
    }


def test_ledger_show_table_names_the_balance(cli_db: Database) -> None:
    ref = cli_db.report.personas["disputed"]  # type: ignore[union-attr]
    result = runner.invoke(
        app, ["ledger", "show", ref, "--as-of", DEMO_AS_OF.isoformat()], env={"COLUMNS": "160"}
    )
    assert result.exit_code == 0, result.output
    assert "Carpet cleaning" in result.stdout
    assert "Balance due: $185.00" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ledger", "show", "R99999"], "no resident matches 'R99999'"),
        (["ledger", "show", "R10001", "--as-of", "2026-02-30"], "not a real date"),
        (["ledger", "post", "R10001", "--kind", "charge", "--amount", "75.001", "-d", "x"], "not an amount"),
        (["ledger", "post", "R10001", "--kind", "charge", "--amount", "seventy", "-d", "x"], "not an amount"),
        (
            [
                "ledger",
                "post",
                "R10001",
                "--kind",
                "charge",
                "--amount",
                "75",
                "-d",
                "x",
                "--effective",
                "2026-11-31",
            ],
            "not a real date",
        ),
        (
            ["ledger", "post", "R99999", "--kind", "charge", "--amount", "75", "-d", "x"],
            "no resident matches",
        ),
        (
            [
                "lease",
                "create",
                "--property",
                "maple-court",
                "--unit",
                "A-101",
                "--resident",
                "R10001",
                "--start",
                "2027-06-01",
            ],
            "a lease needs its monthly rent",
        ),
        (
            [
                "lease",
                "create",
                "--property",
                "maple-court",
                "--unit",
                "A-101",
                "--resident",
                "R10001",
                "--start",
                "2027-06-01",
                "--rent",
                "0",
            ],
            "rent_cents",
        ),
        (
            [
                "lease",
                "create",
                "--property",
                "maple-court",
                "--unit",
                "A-101",
                "--resident",
                "R10001",
                "--start",
                "2027-13-01",
                "--rent",
                "1400",
            ],
            "not a real date",
        ),
    ],
)
def test_bad_input_is_a_clear_error_and_writes_nothing(
    cli_db: Database, args: list[str], message: str
) -> None:
    before = _counts(cli_db)
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert _counts(cli_db) == before


def test_post_then_repeat_is_a_no_op(cli_db: Database) -> None:
    before = _counts(cli_db)
    args = [
        "ledger",
        "post",
        "R10001",
        "--kind",
        "credit",
        "--amount",
        "25.00",
        "-d",
        "Goodwill credit",
        "--external-id",
        "gw-1",
        "--effective",
        DEMO_AS_OF.isoformat(),
        "--json",
    ]
    first = json.loads(runner.invoke(app, args).stdout)
    again = json.loads(runner.invoke(app, args).stdout)
    assert first["created"] and not again["created"]
    assert first["amount_cents"] == -2500
    assert _counts(cli_db)[0] == before[0] + 1


def test_lease_create_and_show(cli_db: Database) -> None:
    created = runner.invoke(
        app,
        [
            "lease",
            "create",
            "--property",
            "aspen-ridge",
            "--unit",
            "201",
            "--resident",
            "R10002",
            "--start",
            "2027-08-01",
            "--rent",
            "2,150.00",
            "--late-fee",
            "daily:25+10",
            "--late-fee-cap",
            "75",
            "--grace-days",
            "7",
            "--json",
        ],
    )
    assert created.exit_code == 0, created.output
    lease = json.loads(created.stdout)
    assert (lease["rent_cents"], lease["late_fee_daily_cents"], lease["late_fee_cap_cents"]) == (
        215000,
        1000,
        7500,
    )


def test_fresh_data_dir_migrates_and_seeds_once() -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    seeded = runner.invoke(
        app, ["demo", "seed", "--units", "30", "--months", "3", "--as-of", "2026-11-23", "--json"]
    )
    assert seeded.exit_code == 0, seeded.output
    report = json.loads(seeded.stdout)
    assert report["units"] == 30 and report["entries"] > 0
    again = runner.invoke(app, ["demo", "seed", "--if-empty"])
    assert again.exit_code == 0 and "not seeding" in again.stdout
    refused = runner.invoke(app, ["demo", "seed"])
    assert refused.exit_code == 2 and "already has properties" in refused.output
    shown = runner.invoke(app, ["ledger", "show", report["personas"]["on_time"], "--as-of", "2026-11-23"])
    assert shown.exit_code == 0 and "Balance due" in shown.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["ledger", "show", "R10001", "--as-of", "9999-12-31"],
        ["ledger", "show", "R10001", "--as-of", "0001-01-01", "--json"],
        ["lease", "show", "R10001", "--as-of", "9999-12-31"],
        [
            "ledger",
            "post",
            "R10001",
            "--kind",
            "charge",
            "--amount",
            "75",
            "-d",
            "x",
            "--effective",
            "9999-12-31",
        ],
        [
            "lease",
            "create",
            "--property",
            "maple-court",
            "--unit",
            "A-101",
            "--resident",
            "R10001",
            "--start",
            "0001-01-01",
            "--rent",
            "1400",
        ],
    ],
)
def test_a_date_outside_the_ledger_calendar_is_one_clear_line(cli_db: Database, args: list[str]) -> None:
    before = _counts(cli_db)

    result = runner.invoke(app, args, env={"COLUMNS": "200"})

    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0, result.output
    assert "dates must lie between 1970-01-01 and 2199-12-31" in result.output
    assert _counts(cli_db) == before


@pytest.mark.parametrize("day", ["20261123", "2026-W48-1", "2026-11-23T00:00"])
def test_a_date_is_written_yyyy_mm_dd_as_in_the_api(cli_db: Database, day: str) -> None:
    result = runner.invoke(app, ["ledger", "show", "R10001", "--as-of", day], env={"COLUMNS": "200"})

    assert result.exit_code == 2, result.output
    assert result.output.strip().count("\n") == 0, result.output
    assert f"--as-of {day!r} is not a real date: write YYYY-MM-DD" in result.output


@pytest.mark.parametrize(
    ("command", "number"),
    [
        (["collections", "release"], 2**70),
        (["collections", "release"], 2**31),
        (["collections", "steps", "--after-id"], 2**70),
        (["outreach", "approve", "--actor", "admin@doorstep.example.com"], 2**31),
    ],
)
def test_an_id_no_table_can_hold_is_one_clear_line(cli_db: Database, command: list[str], number: int) -> None:
    """PostgreSQL's ids are INTEGER and SQLite's 64-bit: a bigger id typed here crashed with a traceback."""
    result = runner.invoke(app, [*command, str(number)], env={"COLUMNS": "200"})

    assert result.exit_code == 2, (result.output, result.exception)
    assert result.output.strip().count("\n") == 0, result.output
    assert result.output.startswith("error: ")
    if number >= 2**63 or cli_db.backend == "postgres":  # else SQLite looks it up: there is simply none
        assert "larger than the database holds: ids run from 1 to 2,147,483,647" in result.output


@pytest.mark.parametrize(
    ("kind", "amount"), [("charge", "--amount=-75"), ("credit", "--amount=-25.00"), ("payment", "--amount=0")]
)
def test_post_refuses_an_amount_that_is_not_positive(cli_db: Database, kind: str, amount: str) -> None:
    before = _counts(cli_db)

    result = runner.invoke(app, ["ledger", "post", "R10001", "--kind", kind, amount, "-d", "Fee"])

    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0, result.output
    assert "must be more than zero" in result.output
    assert _counts(cli_db) == before


def _table_rows(output: str, title: str) -> list[list[str]]:
    """The body rows of the rich table titled `title` in `output`, as lists of stripped cells."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    rows: list[list[str]] = []
    for line in lines[start + 4 :]:  # title, top border, header, header rule
        if not line.startswith("│"):
            break
        rows.append([cell.strip() for cell in line.strip("│").split("│")])
    return rows


def test_recent_activity_is_ordered_by_the_posting_date_it_shows(cli_db: Database) -> None:
    ref = cli_db.report.personas["nsf"]  # type: ignore[union-attr]
    args = ["ledger", "show", ref, "--as-of", DEMO_AS_OF.isoformat()]

    table = runner.invoke(app, args, env={"COLUMNS": "200"})
    body = json.loads(runner.invoke(app, [*args, "--json"]).stdout)

    assert table.exit_code == 0, table.output
    rows = _table_rows(table.stdout, "Recent activity")
    posted = [datetime.strptime(row[0], "%b %d, %Y").date() for row in rows]
    assert posted == sorted(posted, reverse=True)
    # The returned ACH payment was made on Aug 31 and posted on Sep 2: both dates show, each labelled.
    ach = next(row for row in rows if row[2] == "Payment - ACH")
    assert ach[:2] == ["Sep 02, 2026", "Aug 31, 2026"]
    activity = body["recent_activity"]
    assert all({"posted_on", "effective_on"} <= set(entry) for entry in activity)
    assert [e["posted_on"] for e in activity] == sorted((e["posted_on"] for e in activity), reverse=True)
    assert any(e["posted_on"] != e["effective_on"] for e in activity)


@pytest.mark.parametrize(
    "args",
    [
        ["chat", "--resident", "R10028", "--planner", "chat"],
        ["ask", "what do i owe", "--resident", "R10028", "--planner", "chat"],
    ],
)
def test_chat_planner_without_a_model_is_one_clear_line(cli_db: Database, args: list[str]) -> None:
    result = runner.invoke(app, args, input="")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "OPENAI_API_KEY" in lines[0] and "--planner offline" in lines[0]


@pytest.fixture
def as_operator(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Callable[[str], None]]:
    """Point the `doorstep` command at a database by URL, as an operator's environment does."""

    def point_at(database_url: str) -> None:
        monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.setenv("DOORSTEP_DATA_DIR", str(tmp_path))
        monkeypatch.setenv("DOORSTEP_AUDIT_KEY", TEST_AUDIT_KEY)
        get_settings.cache_clear()

    yield point_at
    get_settings.cache_clear()


def test_a_database_without_tables_says_to_upgrade_it(
    as_operator: Callable[[str], None], tmp_path: Path
) -> None:
    as_operator(f"sqlite:///{tmp_path / 'fresh.db'}")

    result = runner.invoke(app, ["demo", "seed", "--no-documents"])

    assert result.exit_code == 2, result.output
    assert "run `doorstep db upgrade` first" in result.output
    assert "Traceback" not in result.output


def test_an_unreachable_database_is_one_clear_line(as_operator: Callable[[str], None]) -> None:
    as_operator("postgresql+psycopg://doorstep:pw@127.0.0.1:9/doorstep?connect_timeout=2")

    result = runner.invoke(app, ["ledger", "show", "R10001"])

    assert result.exit_code == 2, result.output
    assert "cannot reach the database" in result.output
    assert "DATABASE_URL" in result.output


_ONE_COMMAND = """
import sys
heavy = tuple(sys.argv[1].split(","))
sys.argv = ["doorstep", *sys.argv[2:]]
from app.cli import main
try:
    main()
except SystemExit:
    pass
print("loaded:" + ",".join(sorted(m for m in sys.modules if m.startswith(heavy))))
"""
_ENGINES = ("app.digest", "app.collections", "app.risk", "app.imports")


@pytest.mark.parametrize(
    ("command", "heavy"),
    [
        (["token", "--help"], (*_ENGINES, "sklearn", "chromadb", "langgraph")),
        # `ask` loads the assistant and the index with its module, but no other command's engine, not
        # the chat planner's client, and not scikit-learn (the intent model is read as plain arrays)
        (["ask", "--help"], (*_ENGINES, "agents.planners.chat", "langchain_openai", "openai", "sklearn")),
    ],
)
def test_a_command_imports_only_what_it_uses(command: list[str], heavy: tuple[str, ...]) -> None:
    """`doorstep token` does not pay for the collections engine, scikit-learn or Chroma; `doorstep ask` not
    for the collections engine, the chat model's client or scikit-learn."""
    done = subprocess.run(
        [sys.executable, "-c", _ONE_COMMAND, ",".join(heavy), *command],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "loaded:"


def test_the_ledger_is_shown_as_of_the_day_doorstep_today_pins(
    cli_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A demo of a past day reads the same in the CLI as in the API: DOORSTEP_TODAY is "today" for both."""
    ref = cli_db.report.personas["partial"]  # type: ignore[union-attr]
    pinned = runner.invoke(app, ["ledger", "show", ref, "--as-of", DEMO_AS_OF.isoformat(), "--json"])
    monkeypatch.setenv("DOORSTEP_TODAY", DEMO_AS_OF.isoformat())
    get_settings.cache_clear()

    result = runner.invoke(app, ["ledger", "show", ref, "--json"])

    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads(pinned.stdout)
