"""The Chroma side: a client per settings, the documents collection, and its corpus version.

Embedded Chroma (a `PersistentClient` under `settings.chroma_dir`) unless `CHROMA_URL` names a server.
Ingest writes precomputed vectors, so the collection's embedding function is only used if someone
queries Chroma by text; it is still attached so the collection records which model made its vectors.
"""

from __future__ import annotations

import contextlib
import uuid
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import NotFoundError
from filelock import FileLock

from app.config import Settings
from app.knowledge.constants import COLLECTION_NAME, CORPUS_VERSION_KEY, EMBEDDING_MODEL_ID
from app.knowledge.embedding import embedding_function
from app.knowledge.reembed import MODEL_KEY, reembed_stale


def make_client(*, settings: Settings) -> ClientAPI:
    """An HTTP client for `settings.CHROMA_URL`, else an embedded client at `settings.chroma_dir`.

    Clients are kept per address and shared: making one costs about 20 ms (chromadb checks the tenant
    and database each time), which ten small ingests in a row would otherwise pay ten times.
    """
    if settings.CHROMA_URL:
        return _client(settings.CHROMA_URL, None)
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    path = settings.chroma_dir.resolve()
    with _opening(path):
        return _client(None, str(path))


OPEN_LOCK_FILE = ".doorstep-open.lock"
OPEN_LOCK_SECONDS = 120.0


def _opening(path: Path) -> FileLock:
    """Held while a process creates or migrates the embedded store's schema and collection.

    Chroma creates its SQLite schema without a transaction guard, so two processes opening a fresh
    directory at once (two server workers, or a worker and an ingest) can race and one fails with
    "table collections already exists". The lock file lives beside the index; it is never deleted.
    """
    return FileLock(path / OPEN_LOCK_FILE, timeout=OPEN_LOCK_SECONDS)


@lru_cache(maxsize=16)
def _client(url: str | None, path: str | None) -> ClientAPI:
    # chromadb's Settings read the environment too, and its unused `environment` field picks up our
    # ENVIRONMENT variable; pinned here so two clients for one path always agree (chromadb refuses a
    # second client for a path "with different settings").
    chroma_settings = ChromaSettings(anonymized_telemetry=False, environment="")
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"CHROMA_URL must look like http://host:8000, not {url!r}")
        ssl = parts.scheme == "https"
        return chromadb.HttpClient(
            host=parts.hostname, port=parts.port or (443 if ssl else 8000), ssl=ssl, settings=chroma_settings
        )
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def open_collection(client: ClientAPI) -> Collection:
    """The documents collection, created (cosine space, our embedding function) on first use, and
    re-embedded first if an older model made its vectors (`app.knowledge.reembed`)."""
    path = _embedded_path(client)
    with _opening(path) if path is not None else contextlib.nullcontext():
        collection = client.get_or_create_collection(
            name=COLLECTION_NAME,
            embedding_function=embedding_function(),
            configuration={"hnsw": {"space": "cosine"}},
            metadata={MODEL_KEY: EMBEDDING_MODEL_ID},
        )
        if reembed_stale(collection):
            bump_corpus_version(collection)  # retrievers in other processes reload the new vectors
        return collection


def _embedded_path(client: ClientAPI) -> Path | None:
    """The directory of an embedded client; None for a Chroma server."""
    chroma_settings = client.get_settings()
    return Path(chroma_settings.persist_directory) if chroma_settings.is_persistent else None


def corpus_version(client: ClientAPI) -> str:
    """The token ingest last stored on the collection ('' before the first ingest).

    Read fresh from the client on every call (a `Collection` object caches its metadata), so a
    long-running retriever notices another process's ingest. Costs about half a millisecond embedded.
    """
    try:
        collection = client.get_collection(COLLECTION_NAME, embedding_function=embedding_function())
    except NotFoundError:
        return ""
    metadata = collection.metadata or {}
    version = metadata.get(CORPUS_VERSION_KEY)
    return str(version) if version is not None else f"count:{collection.count()}"


def bump_corpus_version(collection: Collection) -> str:
    """Record that the collection's chunks changed; retrievers reload their mirror when they see it."""
    version = uuid.uuid4().hex
    metadata = dict(collection.metadata or {})
    metadata[CORPUS_VERSION_KEY] = version
    collection.modify(metadata=metadata)
    return version
