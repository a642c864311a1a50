"""The fetch recipe re-creates documents from their records, from a local repository snapshot, offline."""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

from evals.documents.fetch import Source, fetch_all

CONTENT = b"# Lease\n\nRent is due on the first day of each month.\n"


def _snapshot(mirrors: Path) -> str:
    """A bare-ish snapshot of `acme/leases` holding docs/lease.md; returns the commit."""
    work = mirrors.parent / "work"
    (work / "docs").mkdir(parents=True)
    (work / "docs" / "lease.md").write_bytes(CONTENT)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(work)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "lease"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout
    target = mirrors / "acme+leases"
    target.mkdir(parents=True)
    (work / ".git").rename(target / "repo")
    return commit.strip()


def _source(commit: str, **changes: Any) -> Source:
    source = Source(
        landlord="acme-flats",
        landlord_name="Acme Flats",
        landlord_kind="private landlord",
        file="lease.md",
        doc_type="lease",
        format="markdown",
        repo="acme/leases",
        commit=commit,
        path="docs/lease.md",
        sha256=hashlib.sha256(CONTENT).hexdigest(),
        licence="test",
        committable=False,
        ci=True,
    )
    return replace(source, **changes)


def test_a_document_comes_from_its_snapshot_at_the_recorded_commit(tmp_path: Path) -> None:
    mirrors = tmp_path / "mirrors"
    commit = _snapshot(mirrors)
    dest = tmp_path / "corpus"

    done, failed = fetch_all([_source(commit)], dest=dest, mirrors=mirrors, network=False)

    assert failed == []
    assert (dest / "acme-flats" / "lease.md").read_bytes() == CONTENT
    again, _ = fetch_all([_source(commit)], dest=dest, mirrors=mirrors, network=False)
    assert again == ["acme-flats/lease.md (present)"] and len(done) == 1


def test_a_document_whose_hash_differs_is_not_written(tmp_path: Path) -> None:
    mirrors = tmp_path / "mirrors"
    commit = _snapshot(mirrors)
    dest = tmp_path / "corpus"

    _, failed = fetch_all([_source(commit, sha256="0" * 64)], dest=dest, mirrors=mirrors, network=False)

    assert len(failed) == 1 and "sha256" in failed[0]
    assert not (dest / "acme-flats" / "lease.md").exists()


def test_without_a_snapshot_and_offline_the_document_is_reported_missing(tmp_path: Path) -> None:
    _, failed = fetch_all([_source("a" * 40)], dest=tmp_path / "corpus", mirrors=tmp_path, network=False)

    assert failed == ["acme-flats/lease.md: no snapshot, and --offline"]
