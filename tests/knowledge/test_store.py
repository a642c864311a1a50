"""The Chroma client factory: embedded by default, a Chroma server when CHROMA_URL is set."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from app.config import Settings
from app.knowledge.constants import (
    COLLECTION_NAME,
    EARLIER_EMBEDDING_MODEL_IDS,
    EMBEDDING_DIM,
    EMBEDDING_MODEL_ID,
    INDEX_VERSION,
)
from app.knowledge.embedding import get_encoder
from app.knowledge.records import search_text
from app.knowledge.retrieval import Retriever
from app.knowledge.store import corpus_version, make_client, open_collection
from ingest.pipeline import ingest_paths
from tests.knowledge.support import write


def test_embedded_client_keeps_the_index_under_the_data_dir(settings: Settings) -> None:
    collection = open_collection(make_client(settings=settings))

    assert collection.name == COLLECTION_NAME
    assert settings.chroma_dir.is_dir()
    assert corpus_version(make_client(settings=settings)).startswith("count:")


def test_a_malformed_chroma_url_is_refused(tmp_path: Path) -> None:
    settings = Settings(DOORSTEP_DATA_DIR=tmp_path, CHROMA_URL="chroma-box:8000", ENVIRONMENT="test")

    with pytest.raises(ValueError, match="CHROMA_URL"):
        make_client(settings=settings)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Chroma server on loopback (the `chroma` command chromadb installs)."""
    port = _free_port()
    binary = Path(sys.executable).with_name("chroma")
    path = tmp_path_factory.mktemp("chroma-server")
    process = subprocess.Popen(
        [str(binary), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("the Chroma server did not start")
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_ingest_and_retrieval_work_against_a_chroma_server(tmp_path: Path, chroma_server: str) -> None:
    settings = Settings(DOORSTEP_DATA_DIR=tmp_path / "data", CHROMA_URL=chroma_server, ENVIRONMENT="test")
    write(
        tmp_path / "docs" / "faq.md",
        "# FAQ\n\n## Receipts\n\nThe portal emails a receipt for every payment.\n",
    )

    first = ingest_paths([tmp_path / "docs"], doc_type="faq", property_code=None, settings=settings)
    again = ingest_paths([tmp_path / "docs"], doc_type="faq", property_code=None, settings=settings)

    assert (first.files, first.failed, again.skipped) == (1, [], 1)
    assert not settings.chroma_dir.exists()
    passages = Retriever.from_settings(settings=settings).retrieve(
        "do i get a receipt", property_code="maple-court"
    )
    assert [(p.section, p.property) for p in passages] == [("Receipts", None)]


_OPEN_AT_ONCE = """
import sys, time
from pathlib import Path
from app.config import Settings
from app.knowledge.store import make_client, open_collection
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.001)
settings = Settings(DOORSTEP_DATA_DIR=Path(sys.argv[1]), ENVIRONMENT="test")
print(open_collection(make_client(settings=settings)).name)
"""


@pytest.mark.parametrize("attempt", range(3))
def test_processes_opening_a_fresh_index_at_once_all_get_it(tmp_path: Path, attempt: int) -> None:
    """Two server workers (or a worker and an ingest) starting on a fresh data dir race to create
    Chroma's schema; the loser used to fail with "table collections already exists"."""
    start = time.time() + 3.0  # every process imports first, then they open together
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _OPEN_AT_ONCE, str(tmp_path), str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [process.communicate(timeout=120) for process in processes]

    failures = [err for (out, err), p in zip(results, processes, strict=True) if p.returncode != 0]
    assert failures == [], failures[0][-2000:] if failures else ""
    assert [out.strip() for out, _ in results] == [COLLECTION_NAME] * 4


def test_an_index_embedded_by_the_earlier_model_is_re_embedded_once_on_open(settings: Settings) -> None:
    docs = settings.data_dir.parent / "docs"
    write(docs / "faq.md", "# FAQ\n\n## Receipts\n\nThe portal emails a receipt for every payment.\n")
    write(docs / "pool.md", "# Amenities\n\n## Pool\n\nThe pool is open from 8am to 9pm in summer.\n")
    ingest_paths([docs], doc_type="faq", property_code=None, settings=settings)
    # What an earlier release left: its model's name, its vectors (here: noise) and its index version.
    earlier = EARLIER_EMBEDDING_MODEL_IDS[0]
    collection = open_collection(make_client(settings=settings))
    stored = collection.get(include=["metadatas"])
    noise = np.random.default_rng(0).normal(size=(len(stored["ids"]), EMBEDDING_DIM))
    collection.update(
        ids=stored["ids"],
        embeddings=noise / np.linalg.norm(noise, axis=1, keepdims=True),
        metadatas=[
            {**meta, "index_version": str(meta["index_version"]).replace(EMBEDDING_MODEL_ID, earlier)}
            for meta in stored["metadatas"] or []
        ],
    )
    collection.modify(metadata={**(collection.metadata or {}), "embedding_model": earlier})
    version_before = corpus_version(make_client(settings=settings))

    reopened = open_collection(make_client(settings=settings))

    rows = reopened.get(include=["documents", "metadatas", "embeddings"])
    expected = get_encoder().embed(
        [
            search_text(title=str(meta["title"]), section_path=str(meta["section_path"]), text=text)
            for meta, text in zip(rows["metadatas"] or [], rows["documents"] or [], strict=True)
        ]
    )
    np.testing.assert_allclose(np.asarray(rows["embeddings"]), expected, atol=1e-6)
    assert (reopened.metadata or {})["embedding_model"] == EMBEDDING_MODEL_ID
    assert {meta["index_version"] for meta in rows["metadatas"] or []} == {INDEX_VERSION}
    assert corpus_version(make_client(settings=settings)) != version_before
    passages = Retriever.from_settings(settings=settings).retrieve(
        "when is the pool open", property_code=None
    )
    assert passages[0].section == "Pool"
    # done once: the files are unchanged, so ingest has nothing to embed again
    again = ingest_paths([docs], doc_type="faq", property_code=None, settings=settings)
    assert (again.skipped, again.files) == (2, 0)
