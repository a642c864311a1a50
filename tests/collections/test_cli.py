"""`doorstep collections ...`: the JSON operators script against, one-line errors, and a simulation that
never opens the instance's database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app
from tests.support.databases import Database

runner = CliRunner()
RUN_KEYS = {
    "run_on",
    "run_id",
    "already_ran",
    "accounts",
    "readiness",
    "changed",
    "advanced",
    "fees",
    "fees_cents",
    "notices",
    "legal_queue",
    "skipped",
    "skipped_counts",
    "pre_due",
    "pre_due_unscored",
}
SIMULATION_KEYS = {
    "fees_posted",
    "fees_eligible",
    "wrongful_fees",
    "notices_to_blocked",
    "outside_quiet_hours",
    "to_opted_out",
}
READINESS = {
    "ready",
    "hold",
    "review",
    "disputed",
    "recent_payment",
    "payment_plan",
    "deposit_credit_ambiguity",
    "blocked",
}


def _invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})
    return result.exit_code, result.stdout, result.stderr


def test_run_prints_the_reconciliation_and_a_second_run_that_day_does_nothing(
    cli_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOORSTEP_TODAY", "2026-11-23")
    code, out, err = _invoke("collections", "run", "--json")
    assert code == 0, err
    first = json.loads(out)
    assert set(first) == RUN_KEYS and set(first["readiness"]) == READINESS
    assert first["run_on"] == "2026-11-23" and not first["already_ran"] and first["accounts"] > 0
    assert first["notices"] and all(
        (cli_db.settings.data_dir / n["path"]).is_file() for n in first["notices"]
    )
    code, out, _ = _invoke("collections", "run", "--date", "2026-11-23", "--json")
    again = json.loads(out)
    assert code == 0 and again["already_ran"] and again["run_id"] == first["run_id"]
    code, out, _ = _invoke("collections", "run")
    assert code == 0 and "already ran for 2026-11-23" in out
    code, out, _ = _invoke("collections", "readiness", "--json")
    view = json.loads(out)
    assert code == 0 and view["run_on"] == "2026-11-23" and set(view["counts"]) == READINESS
    assert all(a["reasons"] and a["status"] in READINESS for a in view["accounts"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("collections", "run", "--date", "2026-13-01"), "is not a real date"),
        (("collections", "run", "--date", "2026-11-24"), "has not come"),
        (("collections", "hold", "L99999", "--reason", "x"), "no lease or resident"),
        (("collections", "hold", "L20001", "--reason", "x", "--kind", "forever"), "--kind must be"),
        (("collections", "config", "maple-court", "--set", "reminder_day=12"), "reminder_day <"),
        (("collections", "config", "maple-court", "--set", "colour=blue"), "NAME=VALUE"),
        (("collections", "simulate", "--month", "2026-1"), "is not a month"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    cli_db: Database, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], message: str
) -> None:
    monkeypatch.setenv("DOORSTEP_TODAY", "2026-11-23")
    code, _, err = _invoke(*args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_holds_and_settings_from_the_command_line(cli_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOORSTEP_TODAY", "2026-11-23")
    code, out, err = _invoke(
        "collections", "hold", "L20001", "--kind", "legal", "--reason", "counsel has it", "--json"
    )
    assert code == 0, err
    hold = json.loads(out)
    assert hold["kind"] == "legal" and hold["lease"] == "L20001"
    code, out, _ = _invoke("collections", "release", str(hold["hold_id"]), "--json")
    assert code == 0 and json.loads(out)["released_on"] == "2026-11-23"
    code, _, err = _invoke("collections", "release", str(hold["hold_id"]))
    assert code == 2 and "was released" in err
    code, out, _ = _invoke("collections", "config", "maple-court", "--set", "reminder_day=2", "--json")
    settings = json.loads(out)
    assert (
        code == 0
        and settings["settings"]["reminder_day"] == 2
        and settings["overrides"] == {"reminder_day": 2}
    )
    code, out, _ = _invoke("collections", "config", "maple-court", "--set", "reminder_day=", "--json")
    assert code == 0 and json.loads(out)["overrides"] == {}


@pytest.mark.slow
def test_simulate_prints_exactly_its_keys_and_never_opens_the_instance_database(tmp_path: Path) -> None:
    data = tmp_path / "instance"
    code, out, err = _invoke(
        "collections", "simulate", "--month", "2026-11", "--json", env={"DOORSTEP_DATA_DIR": str(data)}
    )
    assert code == 0, err
    figures = json.loads(out)
    assert set(figures) == SIMULATION_KEYS
    assert figures["fees_posted"] == figures["fees_eligible"] > 0
    assert figures["wrongful_fees"] == figures["notices_to_blocked"] == 0
    assert figures["outside_quiet_hours"] == figures["to_opted_out"] == 0
    assert not data.exists()  # nothing of the instance was created or opened


def test_run_shows_the_pre_due_reminders_it_fired(cli_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOORSTEP_TODAY", "2026-11-28")
    code, out, err = _invoke("collections", "run")  # three days before December 1
    assert code == 0, err
    assert "pre_due" in out
    code, out, err = _invoke("collections", "run", "--json")  # the same day: that run's reconciliation
    report = json.loads(out)
    assert code == 0 and report["already_ran"] and report["pre_due_unscored"] is None
    assert report["pre_due"] and {p["period"] for p in report["pre_due"]} == {"2026-12-01"}
    assert [p["rank"] for p in report["pre_due"]] == list(range(1, len(report["pre_due"]) + 1))
    fired = {a["lease"] for a in report["advanced"] if a["steps"] == ["pre_due"]}
    assert fired == {p["lease"] for p in report["pre_due"]}
