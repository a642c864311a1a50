"""Training at first use, reusing the cache afterwards, and retraining when the data changes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agents.intents import Intent
from agents.offline import IntentClassifier, fitting
from agents.offline.dataset import TRAINING_FILE, load_examples
from agents.offline.model_cache import CACHE_PREFIX
from tests.agents.offline.conftest import HashEncoder

PER_INTENT = 6


@pytest.fixture
def small_training_file(tmp_path: Path) -> Path:
    """A copy of the first few training examples of each intent, so a fit takes a fraction of a second."""
    kept: dict[Intent, int] = {}
    lines = []
    for example in load_examples(TRAINING_FILE):
        if kept.get(example.intent, 0) < PER_INTENT:
            kept[example.intent] = kept.get(example.intent, 0) + 1
            lines.append(example.model_dump_json())
    path = tmp_path / "intents.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def fit_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts calls to the training routine."""
    calls: list[int] = []
    original: Callable[..., Any] = fitting.fit_model

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(fitting, "fit_model", counting)
    return calls


def _cached_files(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob(f"{CACHE_PREFIX}*"))


def test_second_load_reads_the_cache_instead_of_training(
    classifier: IntentClassifier, model_cache_dir: Path, fit_calls: list[int]
) -> None:
    [cached] = _cached_files(model_cache_dir)
    written = cached.stat().st_mtime_ns
    reloaded = IntentClassifier.load_or_train(model_cache_dir)
    assert reloaded.loaded_from_cache
    assert fit_calls == []
    assert cached.stat().st_mtime_ns == written
    text = "can i pay half now and half on the 15th"
    assert reloaded.predict(text).probabilities == classifier.predict(text).probabilities


def test_changed_training_data_retrains_and_replaces_the_cache(
    tmp_path: Path, small_training_file: Path, fit_calls: list[int]
) -> None:
    cache_dir = tmp_path / "cache"
    encoder = HashEncoder()
    first = IntentClassifier.load_or_train(cache_dir, training_file=small_training_file, encoder=encoder)
    assert not first.loaded_from_cache
    [old_file] = _cached_files(cache_dir)
    again = IntentClassifier.load_or_train(cache_dir, training_file=small_training_file, encoder=encoder)
    assert again.loaded_from_cache
    assert len(fit_calls) == 1

    with small_training_file.open("a", encoding="utf-8") as handle:
        handle.write(
            json.dumps({"text": "what's the wifi password", "intent": "out_of_scope", "lang": "en"}) + "\n"
        )
    retrained = IntentClassifier.load_or_train(cache_dir, training_file=small_training_file, encoder=encoder)
    assert not retrained.loaded_from_cache
    assert len(fit_calls) == 2
    [new_file] = _cached_files(cache_dir)
    assert new_file != old_file


def _garbage(path: Path) -> None:
    path.write_bytes(b"not a model")


def _pickled_object(path: Path) -> None:
    """An archive whose array holds a pickled object: read as plain arrays, it is refused, not run."""
    with path.open("wb") as out:
        np.savez(out, header=np.array([{"format": 1}], dtype=object))


@pytest.mark.parametrize("damage", [_garbage, _pickled_object])
def test_a_damaged_or_foreign_cache_file_is_retrained_over(
    tmp_path: Path, small_training_file: Path, fit_calls: list[int], damage: Callable[[Path], None]
) -> None:
    cache_dir = tmp_path / "cache"
    encoder = HashEncoder()
    IntentClassifier.load_or_train(cache_dir, training_file=small_training_file, encoder=encoder)
    [cached] = _cached_files(cache_dir)
    damage(cached)
    recovered = IntentClassifier.load_or_train(cache_dir, training_file=small_training_file, encoder=encoder)
    assert not recovered.loaded_from_cache
    assert len(fit_calls) == 2
    assert recovered.predict("hello").intent in Intent


def test_a_model_fitted_on_another_encoder_is_not_reused(
    tmp_path: Path, small_training_file: Path, fit_calls: list[int]
) -> None:
    class OtherEncoder(HashEncoder):
        pass

    cache_dir = tmp_path / "cache"
    IntentClassifier.load_or_train(cache_dir, training_file=small_training_file, encoder=HashEncoder())
    other = IntentClassifier.load_or_train(
        cache_dir, training_file=small_training_file, encoder=OtherEncoder()
    )
    assert not other.loaded_from_cache
    assert len(fit_calls) == 2


def test_loading_does_not_touch_the_encoder_until_a_prediction(
    tmp_path: Path, small_training_file: Path
) -> None:
    cache_dir = tmp_path / "cache"
    IntentClassifier.load_or_train(cache_dir, training_file=small_training_file, encoder=HashEncoder())
    encoder = HashEncoder()
    loaded = IntentClassifier.load_or_train(cache_dir, training_file=small_training_file, encoder=encoder)
    assert loaded.loaded_from_cache
    assert encoder.calls == 0
    loaded.predict("when is rent due")
    assert encoder.calls == 1


def test_training_on_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="no examples"):
        IntentClassifier.train([], encoder=HashEncoder())


def test_answering_from_a_cached_model_never_imports_scikit_learn(
    classifier: IntentClassifier, model_cache_dir: Path
) -> None:
    """scikit-learn costs a one-shot `doorstep ask` most of a second to import: only training needs it."""
    script = (
        "import sys; from pathlib import Path; from agents.offline import IntentClassifier; "
        "c = IntentClassifier.load_or_train(Path(sys.argv[1])); "
        "p = c.predict('can i pay half now and half on the 15th'); "
        "print(c.loaded_from_cache, p.intent, sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sklearn', 'scipy', 'joblib')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(model_cache_dir)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    expected = classifier.predict("can i pay half now and half on the 15th").intent
    assert done.stdout.split() == ["True", str(expected), "[]"]
