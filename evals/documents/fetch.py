"""Re-create the development set's documents from their provenance records (`sources.toml`).

    python -m evals.documents.fetch                  # every document, into evals/documents/corpus/
    python -m evals.documents.fetch --ci             # only the CI subset
    python -m evals.documents.fetch --dest DIR --mirrors /path/to/snapshots --offline

Each record names a public GitHub repository, a commit, a path and the file's sha256. A document is read
from a local snapshot of its repository when one is present (`<mirrors>/<owner>+<name>/repo`, a bare git
directory; `--mirrors` or DOORSTEP_DOCUMENT_MIRRORS names the folder), else downloaded from GitHub at that
exact commit. Every
file is checked against its sha256 before it is written (atomically) to `<dest>/<landlord>/<file>`; a file
already there with the right hash is left alone. Exit status 1 when any document could not be had.

The corpus folder is git-ignored: these documents are not committed (see the header of `sources.toml`).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources.toml"
DEFAULT_DEST = HERE / "corpus"
MIRRORS_ENV = "DOORSTEP_DOCUMENT_MIRRORS"
RAW_URL = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"
MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    """One document's provenance record."""

    landlord: str
    landlord_name: str
    landlord_kind: str
    file: str
    doc_type: str
    format: str
    repo: str
    commit: str
    path: str
    sha256: str
    licence: str
    committable: bool
    ci: bool
    notes: str = ""

    @property
    def relative(self) -> str:
        """Where the document sits in a corpus folder, and how QA lines name it (`doc`)."""
        return f"{self.landlord}/{self.file}"


def load_sources(path: Path = SOURCES) -> list[Source]:
    with path.open("rb") as handle:
        records = tomllib.load(handle)["document"]
    return [Source(**record) for record in records]


class FetchError(Exception):
    """A document could not be had; the message says why."""


def fetch_all(
    sources: list[Source], *, dest: Path, mirrors: Path | None, network: bool = True
) -> tuple[list[str], list[str]]:
    """Materialise `sources` under `dest`; return (written or already present, failures)."""
    done: list[str] = []
    failed: list[str] = []
    for source in sources:
        target = dest / source.relative
        if target.is_file() and _sha256(target.read_bytes()) == source.sha256:
            done.append(f"{source.relative} (present)")
            continue
        try:
            data, origin = _read(source, mirrors=mirrors, network=network)
        except FetchError as exc:
            failed.append(f"{source.relative}: {exc}")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
        done.append(f"{source.relative} (from {origin})")
    return done, failed


def _read(source: Source, *, mirrors: Path | None, network: bool) -> tuple[bytes, str]:
    reasons: list[str] = []
    git_dir = _snapshot(source.repo, mirrors)
    if git_dir is not None:
        try:
            return _checked(source, _git_show(git_dir, source.commit, source.path)), str(git_dir)
        except FetchError as exc:
            reasons.append(f"snapshot: {exc}")
    if network:
        try:
            return _checked(source, _download(source)), "github"
        except FetchError as exc:
            reasons.append(f"download: {exc}")
    else:
        reasons.append("no snapshot, and --offline")
    raise FetchError("; ".join(reasons) or "no snapshot found")


def _snapshot(repo: str, mirrors: Path | None) -> Path | None:
    if mirrors is None:
        return None
    candidate = mirrors / repo.replace("/", "+") / "repo"
    return candidate if candidate.is_dir() else None


def _git_show(git_dir: Path, commit: str, path: str) -> bytes:
    result = subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"{commit}:{path}"],
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        lines = result.stderr.decode(errors="replace").strip().splitlines()
        raise FetchError(lines[-1] if lines else "git show failed")
    return result.stdout


def _download(source: Source) -> bytes:
    import httpx

    url = RAW_URL.format(repo=source.repo, commit=source.commit, path=quote(source.path))
    try:
        response = httpx.get(url, follow_redirects=True, timeout=60.0)
    except httpx.HTTPError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code != 200:
        raise FetchError(f"HTTP {response.status_code} for {url}")
    if len(response.content) > MAX_BYTES:
        raise FetchError(f"larger than {MAX_BYTES} bytes")
    return response.content


def _checked(source: Source, data: bytes) -> bytes:
    if (digest := _sha256(data)) != source.sha256:
        raise FetchError(f"sha256 {digest[:12]}… is not the recorded {source.sha256[:12]}…")
    return data


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST, help="corpus folder (default %(default)s)")
    parser.add_argument(
        "--mirrors",
        type=Path,
        default=Path(os.environ[MIRRORS_ENV]) if os.environ.get(MIRRORS_ENV) else None,
        help=f"folder of repository snapshots, owner+name/repo (default ${MIRRORS_ENV})",
    )
    parser.add_argument("--ci", action="store_true", help="only the documents marked ci = true")
    parser.add_argument("--offline", action="store_true", help="never download; snapshots only")
    args = parser.parse_args(argv)
    sources = [s for s in load_sources() if s.ci or not args.ci]
    done, failed = fetch_all(sources, dest=args.dest, mirrors=args.mirrors, network=not args.offline)
    for line in done:
        sys.stdout.write(f"ok      {line}\n")
    for line in failed:
        sys.stderr.write(f"missing {line}\n")
    sys.stdout.write(f"{len(done)} of {len(sources)} documents in {args.dest}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
