"""Pre-due reminders follow the risk score: only households at or above the threshold whose rent falls due
in the next few days, riskiest first; on the demo portfolio, through `doorstep outreach pre-due`."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import app
from app.models import Lease, LeaseResident, Resident
from app.risk.pre_due import plan_pre_due
from app.risk.scoring import LeaseScore, band_for
from tests.support.databases import Database

ON = date(2026, 11, 28)
DEC1 = date(2026, 12, 1)


def _score(lease_id: int, risk_bp: int, due: date = DEC1) -> LeaseScore:
    return LeaseScore(
        lease_id=lease_id,
        lease_ref=f"L{lease_id}",
        property_code="p",
        resident_ref=None,
        resident_name=None,
        probability=risk_bp / 10_000,
        risk_bp=risk_bp,
        band=band_for(risk_bp / 10_000),
        history_months=6,
        next_due_on=due,
        next_due_cents=1_500_00,
        reasons=[],
    )


def test_only_risky_households_due_soon_get_one_riskiest_first() -> None:
    scores = [
        _score(1, 2_500),
        _score(2, 9_000),
        _score(3, 300),  # pays on time: no reminder
        _score(4, 6_000, due=date(2026, 12, 5)),  # not due within three days
        _score(5, 9_000, due=ON),  # due today: too late for a pre-due reminder
        _score(6, 6_000, due=date(2026, 11, 30)),
    ]

    planned = plan_pre_due(scores, on=ON, lead_days=3, min_risk_bp=2_000)

    assert [(p.rank, p.lease_id) for p in planned] == [(1, 2), (2, 6), (3, 1)]
    assert [p.due_cents for p in planned] == [1_500_00] * 3
    assert [p.lease_id for p in plan_pre_due(scores, on=ON, lead_days=3, min_risk_bp=0)] == [2, 6, 1, 3]


def _lease_ref(db: Database, resident_ref: str) -> str:
    with db.sessions() as session:
        ref = session.scalar(
            select(Lease.ref)
            .join(LeaseResident, LeaseResident.lease_id == Lease.id)
            .join(Resident, Resident.id == LeaseResident.resident_id)
            .where(Resident.ref == resident_ref)
            .order_by(Lease.start_on.desc())
            .limit(1)
        )
    assert ref is not None
    return ref


def test_the_demo_portfolio_reminds_the_delinquent_household_first_and_not_the_punctual_one(
    cli_db: Database,
) -> None:
    assert cli_db.report is not None
    runner = CliRunner()
    delinquent = _lease_ref(cli_db, cli_db.report.personas["delinquent"])
    on_time = _lease_ref(cli_db, cli_db.report.personas["on_time"])

    targeted = runner.invoke(app, ["outreach", "pre-due", "--date", ON.isoformat(), "--json"])
    everyone = runner.invoke(
        app, ["outreach", "pre-due", "--date", ON.isoformat(), "--min-risk-bp", "0", "--json"]
    )

    assert targeted.exit_code == 0 and everyone.exit_code == 0, targeted.output + everyone.output
    planned, all_due = json.loads(targeted.stdout), json.loads(everyone.stdout)
    risks = [p["risk_bp"] for p in planned]
    assert planned and risks == sorted(risks, reverse=True) and min(risks) >= 2_000
    assert [p["rank"] for p in planned] == list(range(1, len(planned) + 1))
    assert all(ON < date.fromisoformat(p["due_on"]) <= date(2026, 12, 1) for p in planned)
    refs = [p["lease_ref"] for p in planned]
    assert delinquent in refs and on_time not in refs
    # Without the threshold the punctual household is due a reminder too, but after every risky one.
    all_refs = [p["lease_ref"] for p in all_due]
    assert len(all_due) > len(planned) and all_refs[: len(planned)] == refs
    assert all_refs.index(on_time) > all_refs.index(delinquent)


def test_the_default_threshold_is_the_score_s_medium_band() -> None:
    """The ladder's default (a plain number, so its config loads without the model's code) is medium."""
    from app.collections.config import DEFAULT
    from app.risk.scoring import MEDIUM

    assert DEFAULT.pre_due_min_risk_bp == round(MEDIUM * 10_000)
