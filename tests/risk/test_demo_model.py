"""The risk model on the demo portfolio, on SQLite and PostgreSQL: trained with a time-based split, well
above chance on the held-out months, deterministic, cached, and its reasons fit the personas."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import Conflict, NotFound
from app.ledger.posting import EntryCreate, post_entry
from app.ledger.types import EntryKind
from app.risk import service
from app.risk.features import FEATURES
from app.risk.queries import read_histories
from app.risk.scoring import LeaseScore
from app.risk.service import load_or_train, score_leases
from app.risk.store import PREFIX
from app.risk.training import train_risk
from tests.support.databases import DEMO_AS_OF, Database, Templates

# Measured on the default demo portfolio (seed 7, as of 2026-11-23): held-out AUC 0.931, Brier 0.076
# against 0.160 for predicting the training late rate to everyone. The floors leave room for small
# changes to the demo, not for a model that stops telling habits apart.
AUC_FLOOR = 0.85
BRIER_SHARE_OF_REFERENCE = 0.6


def _train(db: Database, cache: Path):  # noqa: ANN202
    with db.sessions() as s:
        return load_or_train(s, cache_dir=cache, as_of=DEMO_AS_OF)


def _scores(db: Database, cache: Path) -> dict[str, LeaseScore]:
    trained = _train(db, cache)
    with db.sessions() as s:
        return {sc.resident_ref or "": sc for sc in score_leases(s, trained.model, as_of=DEMO_AS_OF)}


def test_the_demo_history_supports_a_model_well_above_chance(demo_db: Database, tmp_path: Path) -> None:
    trained = _train(demo_db, tmp_path)
    assert trained.train_months == tuple(f"2026-{m:02d}" for m in range(1, 9))
    assert trained.holdout_months == ("2026-09", "2026-10", "2026-11")
    held = trained.evaluation
    assert held.examples > 500 and held.late > 50
    assert held.auc >= AUC_FLOOR
    assert held.brier <= BRIER_SHARE_OF_REFERENCE * held.brier_reference
    assert len(held.reliability) == 10
    assert sum(b.count for b in held.reliability) == held.examples
    assert held.reliability[-1].observed_rate > 0.8 > 0.1 > held.reliability[0].observed_rate


def test_training_is_deterministic(demo_db: Database) -> None:
    with demo_db.sessions() as s:
        histories = read_histories(s, as_of=DEMO_AS_OF)
    config = service.TrainingConfig()
    first = train_risk(histories, as_of=DEMO_AS_OF, config=config)
    second = train_risk(histories, as_of=DEMO_AS_OF, config=config)
    assert first.model_dump_json() == second.model_dump_json()


def test_the_model_is_cached_under_the_data_dir_and_read_back(
    demo_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trained = _train(demo_db, tmp_path)
    files = list(tmp_path.glob(f"{PREFIX}*.json"))
    assert [f.name for f in files] == [f"{PREFIX}{trained.key}.json"]

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("trained again although the model was cached")

    monkeypatch.setattr(service, "train_risk", refuse)
    assert _train(demo_db, tmp_path) == trained


def test_a_changed_ledger_trains_a_new_model(demo_db: Database, tmp_path: Path) -> None:
    before = _train(demo_db, tmp_path)
    with demo_db.sessions() as s, s.begin():
        entry = EntryCreate(
            lease_id=1, kind=EntryKind.CHARGE, amount_cents=25_00, effective_on=DEMO_AS_OF, description="Key"
        )
        post_entry(s, entry, today=DEMO_AS_OF)
    after = _train(demo_db, tmp_path)
    assert after.key != before.key
    assert list(tmp_path.glob(f"{PREFIX}*.json")) == [tmp_path / f"{PREFIX}{after.key}.json"]


def test_a_damaged_cache_file_is_trained_over(demo_db: Database, tmp_path: Path) -> None:
    trained = _train(demo_db, tmp_path)
    path = tmp_path / f"{PREFIX}{trained.key}.json"
    path.write_text("{not json")
    assert _train(demo_db, tmp_path) == trained
    assert path.read_text().startswith("{\n")


def test_the_delinquent_household_scores_high_for_its_arrears_and_lateness(
    demo_db: Database, tmp_path: Path
) -> None:
    assert demo_db.report is not None
    scores = _scores(demo_db, tmp_path)
    delinquent = scores[demo_db.report.personas["delinquent"]]
    assert delinquent.band == "high"
    assert {r.feature for r in delinquent.reasons} >= {"arrears_months", "late_share"}
    assert all(r.direction == "raises" for r in delinquent.reasons)
    assert "past due" in delinquent.reasons[0].text


def test_the_household_always_on_time_scores_low_and_says_why(demo_db: Database, tmp_path: Path) -> None:
    assert demo_db.report is not None
    on_time = _scores(demo_db, tmp_path)[demo_db.report.personas["on_time"]]
    assert on_time.band == "low" and on_time.probability < 0.1
    assert on_time.reasons and all(r.direction == "lowers" for r in on_time.reasons)
    assert any("on time" in r.text for r in on_time.reasons)


def test_scores_cover_active_leases_riskiest_first(demo_db: Database, tmp_path: Path) -> None:
    trained = _train(demo_db, tmp_path)
    with demo_db.sessions() as s:
        scores = score_leases(s, trained.model, as_of=DEMO_AS_OF, property_code="hudson-terrace")
    assert scores and {sc.property_code for sc in scores} == {"hudson-terrace"}
    assert [sc.risk_bp for sc in scores] == sorted((sc.risk_bp for sc in scores), reverse=True)
    for sc in scores:
        assert 0 <= sc.risk_bp <= 10_000 and sc.next_due_on >= DEMO_AS_OF
        assert all(r.feature in FEATURES and r.feature not in trained.model.set_aside for r in sc.reasons)


def test_an_unknown_property_is_named(demo_db: Database, tmp_path: Path) -> None:
    trained = _train(demo_db, tmp_path)
    with demo_db.sessions() as s, pytest.raises(NotFound, match="no property 'nowhere'"):
        score_leases(s, trained.model, as_of=DEMO_AS_OF, property_code="nowhere")


def test_a_ledger_without_history_cannot_train_and_says_so(db: Database, tmp_path: Path) -> None:
    with db.sessions() as s, pytest.raises(Conflict, match="cannot train the risk model"):
        load_or_train(s, cache_dir=tmp_path, as_of=DEMO_AS_OF)
    assert not list(tmp_path.glob(f"{PREFIX}*"))


def test_sqlite_and_postgresql_train_the_same_model(templates: Templates, tmp_path: Path) -> None:
    """The model depends on the ledger alone: the same demo on either database gives the same file."""
    if templates.postgres_url is None:
        pytest.skip("PostgreSQL server not installed")
    models = []
    for backend in ("sqlite", "postgres"):
        database = templates.fresh(backend, tmp_path / backend, seeded=True)
        try:
            models.append(_train(database, tmp_path / backend / "models"))
        finally:
            database.engine.dispose()
    assert models[0].model_dump_json() == models[1].model_dump_json()
