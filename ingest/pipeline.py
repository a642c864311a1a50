"""Ingest files into the documents collection: load, clean, split, chunk, embed, write.

Idempotent by content: each chunk carries the sha256 of its file's bytes (and the index version and
the property and type it was filed under), so a re-run skips files whose stored chunks match, and
replaces the chunks of files that changed. The chunks themselves are the manifest; there is no side
file to drift from the index, and a Chroma server shared by several hosts works the same way.

One run may file different paths under different scopes (`Filing`s): the demo corpus, for one,
has a lease, a policy and a handbook per property. Doing them in one run rather than one run per
scope is what keeps ingest close to the bare model's speed: the chunks of every file go through the
model in one stream (its batches fill up and sort by length across files), the collection is read
and written once instead of once per scope, and the corpus version is bumped once.

Nothing is half-written. A file is parsed, chunked and embedded completely before anything of it is
written (files are embedded in groups, and each group is written in as few calls as Chroma allows).
The new chunks are upserted first (their ids include the new content hash, so they never overwrite
the old version in place), and only after that are the old versions' chunks deleted. A crash between
the two leaves both versions, which the next run notices (the stored hashes disagree) and finishes;
so does a crash between two upsert calls of one group (a file's stored chunks then number fewer than
its `chunk_count`). A file that fails keeps its previous chunks, if it had any.

"Removed" means: a previously ingested source under one of the directory arguments, or named
exactly by a file argument, that no longer exists on disk, or that was reached through a symbolic
link (files are indexed under their real path; a link leading outside the folder given is refused,
see `ingest.sources`). Its chunks are deleted.

Every file is read and parsed within the caps in `ingest.limits`; a file over one fails with the
reason, and, like any failed file, leaves the index as it was.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from chromadb.api.models.Collection import Collection
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.config import Settings
from app.knowledge.constants import DOC_TYPES, INDEX_VERSION, PORTFOLIO_WIDE, DocType
from app.knowledge.embedding import FloatMatrix, MiniLMEncoder, get_encoder
from app.knowledge.records import PATH_SEPARATOR, ChunkMetadata, chunk_id, search_text
from app.knowledge.store import bump_corpus_version, make_client, open_collection
from app.knowledge.tokens import get_encoding
from ingest.chunking import Chunk, Chunker
from ingest.cleaning import clean_pages
from ingest.document import LoadedDocument, LoadError
from ingest.loaders import load_document, max_file_bytes
from ingest.report import UNCHANGED, FailedFile, FileRow, IngestReport
from ingest.sections import split_sections
from ingest.sources import Discovery, discover, read_source, real_path

_PROPERTY_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_MANIFEST_PAGE = 5000
#: Parsed files wait until this many chunks are pending, then are embedded in one call and written
#: together: the model's batches then fill up (and sort by length) across small files, as a bare
#: embedding run's would, and Chroma's fixed cost per write (tens of ms) is paid once per group.
EMBED_GROUP_CHUNKS = 1024


@dataclass(frozen=True, slots=True)
class Filing:
    """Files and directories (searched recursively) to ingest as documents of one type and scope.

    `property_code` files them under one property; None makes them portfolio-wide (searched with
    every property).
    """

    paths: Sequence[Path]
    doc_type: DocType
    property_code: str | None = None


@dataclass(frozen=True, slots=True)
class _Scope:
    """What a file's chunks are filed under, as stored in their metadata."""

    doc_type: DocType
    property_value: str


@dataclass(slots=True)
class _StoredSource:
    """What the collection holds for one source path."""

    ids: list[str] = field(default_factory=list)
    keys: set[tuple[str, str, str, str]] = field(default_factory=set)
    expected: set[int] = field(default_factory=set)

    def matches(self, key: tuple[str, str, str, str]) -> bool:
        """All chunks are from this exact file version and filing, and none is missing."""
        return self.keys == {key} and self.expected == {len(self.ids)}


@dataclass(slots=True)
class _Parsed:
    """One file parsed and chunked in memory, waiting for its vectors."""

    source: str
    ids: list[str]
    texts: list[str]
    embed_texts: list[str]
    metadatas: list[ChunkMetadata]
    pages: int
    tokens: int
    stale: list[str] = field(default_factory=list)
    """Ids of the file's previous version that the new version does not reuse."""
    replaces: bool = False


@dataclass(slots=True)
class _Run:
    """Shared state of one ingest run."""

    collection: Collection
    encoder: MiniLMEncoder
    chunker: Chunker
    stored: dict[str, _StoredSource]
    started_at: str
    batch: int
    """The most records Chroma takes in one call."""
    embed_seconds: float = 0.0
    changed: bool = False


def ingest_paths(
    paths: list[Path],
    *,
    doc_type: DocType,
    property_code: str | None,
    settings: Settings,
    progress: bool = False,
) -> IngestReport:
    """Ingest files and directories (recursively) as documents of `doc_type`.

    `property_code` files them under one property; None makes them portfolio-wide (searched with
    every property). Per-file failures are reported with a reason and do not stop the others.
    """
    filing = Filing(paths=paths, doc_type=doc_type, property_code=property_code)
    return ingest_filings([filing], settings=settings, progress=progress)


def ingest_filings(filings: Sequence[Filing], *, settings: Settings, progress: bool = False) -> IngestReport:
    """Ingest several filings in one run: one embedding stream, one manifest read, one version bump.

    Each file's chunks carry its own filing's type and property. A file that two filings put under
    different scopes is refused (ValueError) before any work, as is an invalid type or property code.
    Per-file failures are reported with a reason and do not stop the others.
    """
    scopes = [_scope(filing) for filing in filings]
    started = time.perf_counter()
    files, found = _discover_filings(filings, scopes)
    client = make_client(settings=settings)
    collection = open_collection(client)
    run = _Run(
        collection=collection,
        encoder=get_encoder(),
        chunker=Chunker(get_encoding(cache_dir=settings.data_dir / "cache" / "tiktoken")),
        stored=_read_manifest(collection),
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        batch=client.get_max_batch_size(),
    )
    file_rows: dict[str, FileRow] = {}
    pending: list[_Parsed] = []
    rows = [FileRow(path=str(path), status="failed", reason=reason) for path, reason in found.unusable]
    try:
        rows.extend(_remove_missing(run, found, files=set(files)))
        with _progress(enabled=progress, total=len(files)) as shown:
            for path, scope in files.values():
                shown.file(path.name)
                parsed = _parse_file(run, path, scope)
                shown.done()
                if isinstance(parsed, FileRow):
                    file_rows[parsed.path] = parsed
                    continue
                pending.append(parsed)
                if sum(len(p.ids) for p in pending) >= EMBED_GROUP_CHUNKS:
                    file_rows.update(_embed_and_write(run, pending, shown))
                    pending = []
            file_rows.update(_embed_and_write(run, pending, shown))
    finally:
        if run.changed:  # also when a write failed: groups written before it are complete and searchable
            bump_corpus_version(collection)
    rows.extend(file_rows[source] for source in files)
    return _report(rows, seconds=time.perf_counter() - started, embed_seconds=run.embed_seconds)


def _scope(filing: Filing) -> _Scope:
    """The filing's scope, or ValueError when its type or property code is not one we accept."""
    if filing.doc_type not in DOC_TYPES:
        raise ValueError(f"doc_type must be one of {', '.join(DOC_TYPES)}, not {filing.doc_type!r}")
    code = filing.property_code
    if code is not None and not _PROPERTY_CODE.match(code):
        raise ValueError(f"property code must be a lowercase slug like 'maple-court', not {code!r}")
    return _Scope(doc_type=filing.doc_type, property_value=code or PORTFOLIO_WIDE)


def _discover_filings(
    filings: Sequence[Filing], scopes: list[_Scope]
) -> tuple[dict[str, tuple[Path, _Scope]], Discovery]:
    """Every filing's files with their scope, in filing order, and what discovery refused or found
    unusable across all filings (see `ingest.sources.discover`).

    A file filed twice under one scope is ingested once; under two scopes its chunks could only
    carry one of them, so that is the caller's mistake to fix, not a choice to make silently here.
    """
    files: dict[str, tuple[Path, _Scope]] = {}
    everything = Discovery()
    for filing, scope in zip(filings, scopes, strict=True):
        found = discover(filing.paths)
        everything.refused.extend(found.refused)
        everything.unusable.extend(found.unusable)
        everything.roots.extend(found.roots)
        for path in found.files:
            first = files.setdefault(str(path), (path, scope))[1]
            if first != scope:
                raise ValueError(
                    f"{path} is filed under two scopes: {first.doc_type} of {first.property_value!r} "
                    f"and {scope.doc_type} of {scope.property_value!r}"
                )
    return files, everything


def _read_manifest(collection: Collection) -> dict[str, _StoredSource]:
    """Group the collection's chunk ids by source, with the version keys their metadata carry."""
    stored: dict[str, _StoredSource] = {}
    offset = 0
    while True:
        page = collection.get(include=["metadatas"], limit=_MANIFEST_PAGE, offset=offset)
        for id_, metadata in zip(page["ids"], page["metadatas"] or [], strict=True):
            entry = stored.setdefault(str(metadata["source"]), _StoredSource())
            entry.ids.append(id_)
            entry.keys.add(
                (
                    str(metadata["content_hash"]),
                    str(metadata["index_version"]),
                    str(metadata["property"]),
                    str(metadata["doc_type"]),
                )
            )
            entry.expected.add(int(str(metadata["chunk_count"])))
        if len(page["ids"]) < _MANIFEST_PAGE:
            return stored
        offset += _MANIFEST_PAGE


def _remove_missing(run: _Run, found: Discovery, *, files: set[str]) -> list[FileRow]:
    """Rows for refused paths, dropping the chunks an earlier run stored for them, and the deletion
    of chunks of sources that vanished from the directories (or exact files) given, or that were
    reached through a symbolic link."""
    rows: list[FileRow] = []
    dropped: set[str] = set()
    for refusal in found.refused:
        stored_as = str(refusal.stored_as)
        entry = run.stored.get(stored_as)
        if entry is None or stored_as in files or stored_as in dropped:
            rows.append(FileRow(path=str(refusal.path), status="skipped", reason=refusal.reason))
            continue
        _delete(run, entry.ids)
        dropped.add(stored_as)
        rows.append(
            FileRow(
                path=str(refusal.path),
                status="removed",
                reason=f"{refusal.reason}; its chunks from an earlier run were dropped",
            )
        )
    for source, entry in sorted(run.stored.items()):
        source_path = Path(source)
        if source in files or source in dropped:
            continue
        if not any(source_path == root or source_path.is_relative_to(root) for root in found.roots):
            continue
        if (gone := _gone(source_path)) is not None:
            _delete(run, entry.ids)
            rows.append(FileRow(path=source, status="removed", reason=gone))
    removed = [Path(row.path) for row in rows if row.status == "removed"]
    for root in found.roots:
        if not root.exists() and not any(path == root or path.is_relative_to(root) for path in removed):
            rows.append(FileRow(path=str(root), status="failed", reason="no such file or directory"))
    return rows


def _gone(source: Path) -> str | None:
    """Why a stored source that this run did not find should lose its chunks, or None to keep them."""
    if not source.exists():
        return "file no longer exists"
    if real_path(source) != source:
        return "reached through a symbolic link: files are indexed under their real path"
    return None


def _parse_file(run: _Run, path: Path, scope: _Scope) -> _Parsed | FileRow:
    """The file parsed and chunked, or its row when it is unchanged or cannot be used."""
    source = str(path)
    try:
        data = read_source(path, max_bytes=max_file_bytes(path))
    except LoadError as exc:
        return FileRow(path=source, status="failed", reason=str(exc))
    content_hash = hashlib.sha256(data).hexdigest()
    key = (content_hash, INDEX_VERSION, scope.property_value, scope.doc_type)
    previous = run.stored.get(source)
    if previous is not None and previous.matches(key):
        return FileRow(path=source, status="skipped", reason=UNCHANGED)
    try:
        parsed = _parse(run, path, scope, data, content_hash)
    except LoadError as exc:
        return FileRow(path=source, status="failed", reason=str(exc))
    if previous is not None:
        new_ids = set(parsed.ids)
        parsed.stale = [i for i in previous.ids if i not in new_ids]
        parsed.replaces = True
    return parsed


def _embed_and_write(run: _Run, group: list[_Parsed], shown: _Progress) -> dict[str, FileRow]:
    """Embed a group of files in one call (so batches fill up across small files), then write the
    group's chunks together and only then drop the old versions' chunks."""
    if not group:
        return {}
    shown.note(f"embedding {sum(len(p.ids) for p in group)} chunks of {len(group)} file(s)")
    started = time.perf_counter()
    vectors = run.encoder.embed([text for parsed in group for text in parsed.embed_texts])
    run.embed_seconds += time.perf_counter() - started
    _write(run, group, vectors)
    return {
        parsed.source: FileRow(
            path=parsed.source,
            status="replaced" if parsed.replaces else "ingested",
            pages=parsed.pages,
            chunks=len(parsed.ids),
            tokens=parsed.tokens,
        )
        for parsed in group
    }


def _load(path: Path, data: bytes) -> LoadedDocument:
    try:
        return load_document(path, data)
    except LoadError:
        raise
    except Exception as exc:  # a parser bug on a hostile file must not stop the other files
        raise LoadError(f"could not parse ({type(exc).__name__}: {exc})") from exc


def _parse(run: _Run, path: Path, scope: _Scope, data: bytes, content_hash: str) -> _Parsed:
    """Load, clean, split and chunk one file entirely in memory."""
    document = _load(path, data)
    pages = clean_pages(document.pages)
    sections = split_sections(pages, declares_headings=document.declares_headings)
    chunks = run.chunker.chunk_sections(sections)
    if not chunks:
        raise LoadError("no text found after cleaning")
    title = document.title or path.stem.replace("_", " ").replace("-", " ").strip().title()
    metadatas = [
        _metadata(run, path, scope, title, content_hash, chunk, i, len(chunks))
        for i, chunk in enumerate(chunks)
    ]
    return _Parsed(
        source=str(path),
        ids=[chunk_id(source=str(path), content_hash=content_hash, index=i) for i in range(len(chunks))],
        texts=[chunk.text for chunk in chunks],
        embed_texts=[
            search_text(title=title, section_path=meta.section_path, text=chunk.text)
            for meta, chunk in zip(metadatas, chunks, strict=True)
        ],
        metadatas=metadatas,
        pages=len(pages),
        tokens=sum(chunk.tokens for chunk in chunks),
    )


def _metadata(
    run: _Run, path: Path, scope: _Scope, title: str, content_hash: str, chunk: Chunk, index: int, count: int
) -> ChunkMetadata:
    # A Markdown or Word title heading repeats the document title; the path starts below it.
    path_below_title = [heading for heading in chunk.section_path if heading.casefold() != title.casefold()]
    return ChunkMetadata(
        property=scope.property_value,
        doc_type=scope.doc_type,
        title=title,
        source=str(path),
        page=chunk.page,
        page_end=chunk.page_end,
        section=chunk.section,
        section_path=PATH_SEPARATOR.join(path_below_title),
        content_hash=content_hash,
        index_version=INDEX_VERSION,
        chunk_index=index,
        chunk_count=count,
        tokens=chunk.tokens,
        ingested_at=run.started_at,
    )


def _write(run: _Run, group: list[_Parsed], vectors: FloatMatrix) -> None:
    """Upsert the group's new chunks (row i of `vectors` is its i-th chunk), then drop the old
    versions' (see the module docstring)."""
    ids = [id_ for parsed in group for id_ in parsed.ids]
    texts = [text for parsed in group for text in parsed.texts]
    metadatas = [meta for parsed in group for meta in parsed.metadatas]
    for start in range(0, len(ids), run.batch):
        end = start + run.batch
        run.collection.upsert(
            ids=ids[start:end],
            documents=texts[start:end],
            embeddings=vectors[start:end],
            metadatas=[meta.to_chroma() for meta in metadatas[start:end]],
        )
        run.changed = True
    _delete(run, [id_ for parsed in group for id_ in parsed.stale])


def _delete(run: _Run, ids: list[str]) -> None:
    for start in range(0, len(ids), run.batch):
        run.collection.delete(ids=ids[start : start + run.batch])
        run.changed = True


class _Progress:
    """What the run tells the operator: a rich progress bar on stderr, or nothing."""

    def __init__(self, bar: Progress | None, total: int) -> None:
        self._bar = bar
        self._task = bar.add_task("", total=total) if bar is not None else None

    def file(self, name: str) -> None:
        """A file is about to be read; the bar counts it as done once the next one starts."""
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, description=name)

    def done(self) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task)

    def note(self, text: str) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, description=text)


@contextmanager
def _progress(*, enabled: bool, total: int) -> Iterator[_Progress]:
    if not enabled:
        yield _Progress(None, total)
        return
    columns = (
        TextColumn("[bold]ingest[/] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as bar:
        yield _Progress(bar, total)


def _report(rows: list[FileRow], *, seconds: float, embed_seconds: float) -> IngestReport:
    written = [row for row in rows if row.status in {"ingested", "replaced"}]
    return IngestReport(
        files=len(written),
        pages=sum(row.pages for row in written),
        chunks=sum(row.chunks for row in written),
        tokens=sum(row.tokens for row in written),
        skipped=sum(row.status == "skipped" and row.reason == UNCHANGED for row in rows),
        refused=sum(row.status == "skipped" and row.reason != UNCHANGED for row in rows),
        removed=sum(row.status == "removed" for row in rows),
        failed=[FailedFile(path=row.path, reason=row.reason or "") for row in rows if row.status == "failed"],
        seconds=round(seconds, 3),
        embed_seconds=round(embed_seconds, 3),
        rows=rows,
    )
