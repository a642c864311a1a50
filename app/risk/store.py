"""Where a trained risk model is kept between processes: a JSON file under the data directory.

The file is named by a key that hashes the ledger it was trained on (as of its day), the training
configuration, the source of every module that shapes the model and the scikit-learn version: change
any of them and the next `load_or_train` trains afresh instead of reading a stale model. JSON, not a
pickle: the model is a handful of numbers anyone can read, and loading it runs no code. Files are
written atomically (temporary file, then rename), and older models in the directory are removed once a
new one is written, as `agents/offline/model_cache.py` does for the intent model.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from importlib.metadata import version
from pathlib import Path

from pydantic import ValidationError

from app.risk import dataset, evaluation, features, history, model, training
from app.risk.model import TrainingConfig
from app.risk.training import TrainedRisk

logger = logging.getLogger(__name__)

PREFIX = "risk-model-"
SUFFIX = ".json"
_MODEL_MODULES = (history, features, dataset, model, evaluation, training)


def model_key(*, data_fingerprint: str, config: TrainingConfig) -> str:
    """A short hex digest naming the model these inputs produce."""
    digest = hashlib.sha256()
    for part in (data_fingerprint, config.model_dump_json(), code_fingerprint(), version("scikit-learn")):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:24]


def code_fingerprint() -> str:
    digest = hashlib.sha256()
    for module in _MODEL_MODULES:
        digest.update(module.__name__.encode())
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()


def model_file(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"{PREFIX}{key}{SUFFIX}"


def read_trained(path: Path) -> TrainedRisk | None:
    """The model stored at `path`, or None when it is missing or unreadable."""
    if not path.is_file():
        return None
    try:
        return TrainedRisk.model_validate_json(path.read_bytes())
    except (OSError, ValidationError, ValueError) as exc:
        logger.warning("ignoring unreadable risk model %s: %s", path, exc)
        return None


def write_trained(trained: TrainedRisk, path: Path) -> None:
    """Store `trained` at `path` atomically, then remove other risk models in the same directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(trained.model_dump_json(indent=2))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    for stale in path.parent.glob(f"{PREFIX}*{SUFFIX}"):
        if stale != path:
            stale.unlink(missing_ok=True)
