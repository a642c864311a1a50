"""`python -m agents.offline.report` prints the held-out figures from a cached model."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.offline import IntentClassifier, report


def test_report_prints_figures_from_the_cache(
    classifier: IntentClassifier, model_cache_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report.main(["--cache-dir", str(model_cache_dir), "--latency-samples", "10", "--misses"])
    out = capsys.readouterr().out
    assert "loaded from cache" in out
    for heading in ("Held-out intents", "Confusions", "accuracy", "escalation precision", "p50", "p95"):
        assert heading in out
