"""Where a fitted intent model is kept between processes, keyed by everything that shaped it.

The key hashes the training data, the training configuration, the source of every module that turns
text into features or fits the model, the scikit-learn version and the embedding model id: change any
of them and the next `IntentClassifier.load_or_train` trains afresh instead of reading a stale model.
Files are written atomically (temporary file, then rename), so a reader never sees half a model and two
processes training at once both end with a whole one. Older models in the directory are removed once a
new one is written.

The cache holds pickles: point it only at a directory this service owns (by default the data directory).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from pathlib import Path

import joblib
import sklearn

from agents.offline import features, fitting, gloss, language, preprocess, safety_net, text, thresholds
from agents.offline.fitting import FittedModel, TrainingConfig
from app.knowledge.constants import EMBEDDING_MODEL_ID

logger = logging.getLogger(__name__)

CACHE_PREFIX = "intent-model-"
#: Class name of the encoder `app.knowledge.embedding.get_encoder` returns.
DEFAULT_ENCODER = "MiniLMEncoder"
CACHE_SUFFIX = ".joblib"

#: Modules whose code shapes a fitted model: their source is part of the cache key.
_MODEL_MODULES = (text, language, gloss, preprocess, features, thresholds, fitting, safety_net)

#: What unpickling a damaged or foreign file can raise; any of them means "train again".
_UNREADABLE = (
    OSError,
    EOFError,
    pickle.UnpicklingError,
    AttributeError,
    ImportError,
    IndexError,
    KeyError,
    TypeError,
    ValueError,
)


def model_key(*, data_fingerprint: str, config: TrainingConfig, encoder_name: str = DEFAULT_ENCODER) -> str:
    """A short hex digest naming the model these inputs produce.

    `encoder_name` is the encoder's class name: a model fitted on another encoder's vectors (a test
    double) must never be read back for the real one.
    """
    digest = hashlib.sha256()
    versions = (code_fingerprint(), sklearn.__version__, EMBEDDING_MODEL_ID, encoder_name)
    for part in (data_fingerprint, repr(config), *versions):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:24]


def code_fingerprint() -> str:
    """sha256 over the source files of the modules that shape a fitted model."""
    digest = hashlib.sha256()
    for module in _MODEL_MODULES:
        source = Path(module.__file__ or "")
        digest.update(module.__name__.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def cache_file(cache_dir: Path, key: str) -> Path:
    """The file a model with this key is stored in."""
    return cache_dir / f"{CACHE_PREFIX}{key}{CACHE_SUFFIX}"


def read_model(path: Path) -> FittedModel | None:
    """The model stored at `path`, or None when it is missing, unreadable or not a model."""
    if not path.is_file():
        return None
    try:
        loaded = joblib.load(path)
    except _UNREADABLE as exc:
        logger.warning("ignoring unreadable intent model cache %s: %s", path, exc)
        return None
    if not isinstance(loaded, FittedModel):
        logger.warning("ignoring intent model cache %s: holds a %s", path, type(loaded).__name__)
        return None
    return loaded


def write_model(model: FittedModel, path: Path) -> None:
    """Store `model` at `path` atomically, then remove other cached models in the same directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        joblib.dump(model, temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    for stale in path.parent.glob(f"{CACHE_PREFIX}*{CACHE_SUFFIX}"):
        if stale != path:
            stale.unlink(missing_ok=True)
