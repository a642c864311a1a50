"""Bring a collection embedded by an older model up to the current one, in place.

A collection records the model that made its vectors (`embedding_model` in its metadata). When that is
not `EMBEDDING_MODEL_ID` (an upgrade changed the model), its query vectors and stored vectors would
come from different models. `reembed_stale` re-embeds every chunk from what the collection itself
stores: the text that ingest embedded is `search_text(title, section path, chunk)`, all kept beside
the chunk, so no source file has to be read again. A chunk's `index_version` is moved to the current
one when only the model part of it changed, so the next ingest still skips unchanged files.
"""

from __future__ import annotations

import logging

from chromadb.api.models.Collection import Collection

from app.knowledge.constants import EMBEDDING_MODEL_ID, INDEX_VERSION
from app.knowledge.embedding import MiniLMEmbeddingFunction, get_encoder
from app.knowledge.records import ChunkMetadata, search_text

logger = logging.getLogger(__name__)

MODEL_KEY = "embedding_model"
"""Collection metadata key naming the model its vectors came from."""

PAGE = 512
"""Chunks read, embedded and written back per round."""


def recorded_model(collection: Collection) -> str | None:
    """The model the collection says made its vectors (None if it never said)."""
    value = (collection.metadata or {}).get(MODEL_KEY)
    return None if value is None else str(value)


def reembed_stale(collection: Collection) -> int:
    """Re-embed every chunk if the collection's vectors came from another model; how many were redone.

    Safe to run twice or to resume: the model is recorded only after the last page is written.
    """
    recorded = recorded_model(collection)
    if recorded == EMBEDDING_MODEL_ID:
        return 0
    total = collection.count()
    if total:
        logger.warning(
            "re-embedding %d chunks made by %s with %s (once, after an upgrade)",
            total,
            recorded or "an unrecorded model",
            EMBEDDING_MODEL_ID,
        )
    encoder = get_encoder()
    done = 0
    while True:
        page = collection.get(include=["documents", "metadatas"], limit=PAGE, offset=done)
        ids = page["ids"]
        if not ids:
            break
        metadatas = [ChunkMetadata.from_chroma(meta) for meta in page["metadatas"] or []]
        texts = [
            search_text(title=meta.title, section_path=meta.section_path, text=text)
            for meta, text in zip(metadatas, page["documents"] or [], strict=True)
        ]
        collection.update(
            ids=ids,
            embeddings=encoder.embed(texts),
            metadatas=[_renewed(meta, recorded).to_chroma() for meta in metadatas],
        )
        done += len(ids)
        if len(ids) < PAGE:
            break
    metadata = dict(collection.metadata or {})
    metadata[MODEL_KEY] = EMBEDDING_MODEL_ID
    collection.modify(metadata=metadata, configuration={"embedding_function": MiniLMEmbeddingFunction()})
    return done


def _renewed(meta: ChunkMetadata, recorded: str | None) -> ChunkMetadata:
    """The chunk's metadata with the current index version, when only the model part was stale."""
    current_rest = INDEX_VERSION.removeprefix(f"{EMBEDDING_MODEL_ID}/")
    if recorded is not None and meta.index_version == f"{recorded}/{current_rest}":
        return meta.model_copy(update={"index_version": INDEX_VERSION})
    return meta
