"""Where a fitted intent model is kept between processes, keyed by everything that shaped it.

The key hashes the training data, the training configuration, the source of every module that turns
text into features or fits the model, the scikit-learn version and the embedding model id: change any
of them and the next `IntentClassifier.load_or_train` trains afresh instead of reading a stale model.
Files are written atomically (temporary file, then rename), so a reader never sees half a model and two
processes training at once both end with a whole one. Older models in the directory are removed once a
new one is written.

A model is stored as a NumPy `.npz` archive of plain arrays (vocabularies, idf weights, coefficients)
plus a JSON header, read with `allow_pickle=False`: loading one runs no code and imports no
scikit-learn, and a damaged or foreign file is simply trained over.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import zipfile
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, ValidationError

from agents.intents import Intent
from agents.offline.features import Analyzer, FeatureConfig, LinearFeatures, TfidfBlock
from agents.offline.model import FittedModel, TrainingConfig
from app.knowledge.constants import EMBEDDING_MODEL_ID

logger = logging.getLogger(__name__)

CACHE_PREFIX = "intent-model-"
#: Class name of the encoder `app.knowledge.embedding.get_encoder` returns.
DEFAULT_ENCODER = "MiniLMEncoder"
CACHE_SUFFIX = ".npz"
FORMAT = 1
"""Version of the stored layout; a file of another version is trained over."""

#: Modules whose code shapes a fitted model: their source is part of the cache key. Named, not imported:
#: `fitting` imports scikit-learn, which reading a cached model must not pay for.
_MODEL_MODULES = tuple(
    f"agents.offline.{name}"
    for name in (
        "text",
        "language",
        "gloss",
        "preprocess",
        "features",
        "model",
        "thresholds",
        "fitting",
        "safety_net",
    )
)

#: What reading a damaged or foreign file can raise; any of them means "train again".
_UNREADABLE = (OSError, EOFError, zipfile.BadZipFile, KeyError, ValueError, TypeError, ValidationError)


class _Header(BaseModel):
    """The JSON part of a stored model: everything that is not an array."""

    model_config = ConfigDict(extra="forbid")

    format: int
    features: FeatureConfig
    char_ngrams: tuple[int, int]
    word_ngrams: tuple[int, int]
    intents: tuple[Intent, ...]
    escalation_threshold: float
    ambiguity_margin: float
    out_of_fold_accuracy: float
    data_fingerprint: str
    examples: int


def model_key(*, data_fingerprint: str, config: TrainingConfig, encoder_name: str = DEFAULT_ENCODER) -> str:
    """A short hex digest naming the model these inputs produce.

    `encoder_name` is the encoder's class name: a model fitted on another encoder's vectors (a test
    double) must never be read back for the real one.
    """
    digest = hashlib.sha256()
    versions = (code_fingerprint(), _sklearn_version(), EMBEDDING_MODEL_ID, encoder_name, str(FORMAT))
    for part in (data_fingerprint, repr(config), *versions):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:24]


def code_fingerprint() -> str:
    """sha256 over the source files of the modules that shape a fitted model."""
    digest = hashlib.sha256()
    for name in _MODEL_MODULES:
        spec = find_spec(name)
        if spec is None or spec.origin is None:
            raise RuntimeError(f"cannot find the source of {name}")
        digest.update(name.encode())
        digest.update(Path(spec.origin).read_bytes())
    return digest.hexdigest()


def _sklearn_version() -> str:
    try:
        return version("scikit-learn")
    except PackageNotFoundError:
        return "absent"


def cache_file(cache_dir: Path, key: str) -> Path:
    """The file a model with this key is stored in."""
    return cache_dir / f"{CACHE_PREFIX}{key}{CACHE_SUFFIX}"


def read_model(path: Path) -> FittedModel | None:
    """The model stored at `path`, or None when it is missing, unreadable or not a model."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        header = _Header.model_validate_json(str(arrays["header"]))
        if header.format != FORMAT:
            raise ValueError(f"stored format {header.format}, expected {FORMAT}")
        return FittedModel(
            features=LinearFeatures(
                config=header.features,
                chars=_block("char_wb", header.char_ngrams, arrays["char_terms"], arrays["char_idf"]),
                words=_block("word", header.word_ngrams, arrays["word_terms"], arrays["word_idf"]),
            ),
            coef=arrays["coef"].astype(np.float64),
            intercept=arrays["intercept"].astype(np.float64),
            intents=header.intents,
            escalation_threshold=header.escalation_threshold,
            ambiguity_margin=header.ambiguity_margin,
            out_of_fold_accuracy=header.out_of_fold_accuracy,
            data_fingerprint=header.data_fingerprint,
            examples=header.examples,
        )
    except _UNREADABLE as exc:
        logger.warning("ignoring unreadable intent model cache %s: %s", path, exc)
        return None


def _block(
    analyzer: Analyzer,
    ngram_range: tuple[int, int],
    terms: npt.NDArray[np.str_],
    idf: npt.NDArray[np.float32],
) -> TfidfBlock:
    vocabulary = {str(term): column for column, term in enumerate(terms.tolist())}
    if len(vocabulary) != len(terms):
        raise ValueError("repeated terms in a stored vocabulary")
    return TfidfBlock(
        analyzer=analyzer, ngram_range=ngram_range, vocabulary=vocabulary, idf=idf.astype(np.float32)
    )


def write_model(model: FittedModel, path: Path) -> None:
    """Store `model` at `path` atomically, then remove other cached models in the same directory."""
    features = model.features
    header = _Header(
        format=FORMAT,
        features=features.config,
        char_ngrams=features.chars.ngram_range,
        word_ngrams=features.words.ngram_range,
        intents=model.intents,
        escalation_threshold=model.escalation_threshold,
        ambiguity_margin=model.ambiguity_margin,
        out_of_fold_accuracy=model.out_of_fold_accuracy,
        data_fingerprint=model.data_fingerprint,
        examples=model.examples,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(
                out,
                header=np.array(header.model_dump_json()),
                char_terms=np.array(features.chars.terms(), dtype=str),
                char_idf=features.chars.idf,
                word_terms=np.array(features.words.terms(), dtype=str),
                word_idf=features.words.idf,
                coef=model.coef,
                intercept=model.intercept,
            )
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    for stale in path.parent.glob(f"{CACHE_PREFIX}*"):
        if stale != path and stale.is_file():
            stale.unlink(missing_ok=True)
