"""The ingest pipeline: idempotent by content, replaces and removes whole files, never half-writes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from app.config import Settings
from app.knowledge.constants import CORPUS_VERSION_KEY, INDEX_VERSION, PORTFOLIO_WIDE
from app.knowledge.store import make_client, open_collection
from ingest import pipeline
from ingest.limits import MB
from ingest.pipeline import Filing, ingest_filings, ingest_paths
from tests.ingest.factories import (
    BILLION_LAUGHS,
    make_docx_bomb,
    make_docx_with_document_xml,
    make_docx_with_huge_document,
    make_pdf_with_inflating_stream,
)
from tests.knowledge.support import encrypt_pdf, make_image_only_pdf, make_pdf, make_zip, write

HANDBOOK = (
    "# Handbook\n\n## Quiet Hours\n\nQuiet hours are 10 p.m. to 8 a.m.\n\n"
    "## Trash\n\nValet trash runs nightly.\n"
)
POLICY = (
    "# Policy\n\n## Card Fees\n\nCards carry a 2.95% convenience fee.\n\n"
    "## AutoPay\n\nAutoPay drafts on the 1st.\n"
)


def _stored(settings: Settings) -> dict[str, dict[str, Any]]:
    """Every chunk in the collection: id -> metadata (with the text under "_text")."""
    collection = open_collection(make_client(settings=settings))
    got = collection.get(include=["metadatas", "documents"])
    return {
        id_: {**dict(meta), "_text": text}
        for id_, meta, text in zip(got["ids"], got["metadatas"] or [], got["documents"] or [], strict=True)
    }


def _version(settings: Settings) -> object:
    return (open_collection(make_client(settings=settings)).metadata or {}).get(CORPUS_VERSION_KEY)


def _sources(settings: Settings) -> set[str]:
    return {Path(meta["source"]).name for meta in _stored(settings).values()}


def test_ingests_a_directory_recursively_with_full_metadata(tmp_path: Path, settings: Settings) -> None:
    docs = tmp_path / "docs"
    write(docs / "handbook.md", HANDBOOK)
    write(docs / "sub" / "lease.pdf", make_pdf(["4.2 Late Charges. A fee of $75.00 applies.", "5. PETS"]))
    write(docs / ".hidden.md", "# Secret\n\nNot for the index.")

    report = ingest_paths([docs], doc_type="handbook", property_code="maple-court", settings=settings)

    assert (report.files, report.pages, report.skipped, report.failed) == (2, 3, 0, [])
    assert report.chunks == len(_stored(settings)) and report.tokens > 0
    chunks = _stored(settings).values()
    assert _sources(settings) == {"handbook.md", "lease.pdf"}
    late = next(meta for meta in chunks if meta["section"] == "4.2 Late Charges")
    assert late["_text"] == "A fee of $75.00 applies."
    assert (late["page"], late["property"], late["doc_type"], late["index_version"]) == (
        1,
        "maple-court",
        "handbook",
        INDEX_VERSION,
    )
    quiet = next(meta for meta in chunks if meta["section"] == "Quiet Hours")
    assert quiet["title"] == "Handbook" and quiet["section_path"] == "Quiet Hours"
    assert len(quiet["content_hash"]) == 64 and quiet["ingested_at"].endswith("+00:00")
    assert quiet["source"] == str((docs / "handbook.md").resolve())


def test_portfolio_wide_documents_are_stored_with_the_star_property(
    tmp_path: Path, settings: Settings
) -> None:
    write(tmp_path / "faq.md", POLICY)

    ingest_paths([tmp_path / "faq.md"], doc_type="faq", property_code=None, settings=settings)

    assert {meta["property"] for meta in _stored(settings).values()} == {PORTFOLIO_WIDE}


def test_reingesting_unchanged_files_skips_them_and_changes_nothing(
    tmp_path: Path, settings: Settings
) -> None:
    write(tmp_path / "docs" / "handbook.md", HANDBOOK)
    write(tmp_path / "docs" / "policy.md", POLICY)
    ingest_paths([tmp_path / "docs"], doc_type="policy", property_code="maple-court", settings=settings)
    before, version = _stored(settings), _version(settings)

    report = ingest_paths(
        [tmp_path / "docs"], doc_type="policy", property_code="maple-court", settings=settings
    )

    assert (report.files, report.chunks, report.skipped, report.removed) == (0, 0, 2, 0)
    assert [row.status for row in report.rows] == ["skipped", "skipped"]
    assert _stored(settings) == before
    assert _version(settings) == version


def test_a_changed_file_has_its_chunks_replaced(tmp_path: Path, settings: Settings) -> None:
    path = write(tmp_path / "docs" / "policy.md", POLICY)
    write(tmp_path / "docs" / "handbook.md", HANDBOOK)
    ingest_paths([tmp_path / "docs"], doc_type="policy", property_code="maple-court", settings=settings)
    old_ids = {i for i, meta in _stored(settings).items() if meta["source"] == str(path.resolve())}
    version = _version(settings)

    write(path, POLICY.replace("2.95%", "3.25%"))
    report = ingest_paths(
        [tmp_path / "docs"], doc_type="policy", property_code="maple-court", settings=settings
    )

    assert [(Path(r.path).name, r.status) for r in report.rows] == [
        ("handbook.md", "skipped"),
        ("policy.md", "replaced"),
    ]
    stored = _stored(settings)
    policy = {i: meta for i, meta in stored.items() if meta["source"] == str(path.resolve())}
    assert not old_ids & set(policy)
    assert any("3.25%" in meta["_text"] for meta in policy.values())
    assert not any("2.95%" in meta["_text"] for meta in stored.values())
    assert {meta["chunk_count"] for meta in policy.values()} == {len(policy)}
    assert _version(settings) != version


def test_a_removed_file_has_its_chunks_deleted(tmp_path: Path, settings: Settings) -> None:
    write(tmp_path / "docs" / "handbook.md", HANDBOOK)
    gone = write(tmp_path / "docs" / "old" / "policy.md", POLICY)
    ingest_paths([tmp_path / "docs"], doc_type="policy", property_code="maple-court", settings=settings)

    gone.unlink()
    report = ingest_paths(
        [tmp_path / "docs"], doc_type="policy", property_code="maple-court", settings=settings
    )

    assert report.removed == 1 and not report.failed
    assert [(Path(r.path).name, r.status) for r in report.rows] == [
        ("policy.md", "removed"),
        ("handbook.md", "skipped"),
    ]
    assert _sources(settings) == {"handbook.md"}


def test_removal_is_scoped_to_the_paths_given(tmp_path: Path, settings: Settings) -> None:
    other = write(tmp_path / "other" / "policy.md", POLICY)
    write(tmp_path / "docs" / "handbook.md", HANDBOOK)
    ingest_paths([other], doc_type="policy", property_code="maple-court", settings=settings)
    ingest_paths([tmp_path / "docs"], doc_type="handbook", property_code="maple-court", settings=settings)

    other.unlink()
    report = ingest_paths(
        [tmp_path / "docs"], doc_type="handbook", property_code="maple-court", settings=settings
    )

    assert report.removed == 0
    assert _sources(settings) == {"handbook.md", "policy.md"}


def test_a_deleted_file_named_explicitly_is_removed_not_failed(tmp_path: Path, settings: Settings) -> None:
    path = write(tmp_path / "policy.md", POLICY)
    ingest_paths([path], doc_type="policy", property_code="maple-court", settings=settings)

    path.unlink()
    report = ingest_paths([path], doc_type="policy", property_code="maple-court", settings=settings)

    assert (report.removed, report.failed) == (1, [])
    assert _stored(settings) == {}


def test_refiling_the_same_bytes_under_another_property_rewrites_metadata(
    tmp_path: Path, settings: Settings
) -> None:
    path = write(tmp_path / "policy.md", POLICY)
    ingest_paths([path], doc_type="policy", property_code="maple-court", settings=settings)

    report = ingest_paths([path], doc_type="policy", property_code="aspen-ridge", settings=settings)

    assert report.rows[0].status == "replaced"
    assert {meta["property"] for meta in _stored(settings).values()} == {"aspen-ridge"}


def test_failures_are_reported_and_the_rest_ingest(tmp_path: Path, settings: Settings) -> None:
    docs = tmp_path / "docs"
    write(docs / "good.md", HANDBOOK)
    write(docs / "good.pdf", make_pdf(["9. PAYMENT PLANS", "Ask the office."]))
    write(docs / "locked.pdf", encrypt_pdf(make_pdf(["Secret."])))
    write(docs / "broken.pdf", b"%PDF-1.7\n" + b"\x00\xff" * 50)
    write(docs / "empty.txt", b"")
    write(docs / "scan.pdf", make_image_only_pdf())
    write(docs / "fake.docx", make_zip({"notes.txt": "hello"}))
    write(docs / "sheet.xlsx", b"PK\x03\x04")

    report = ingest_paths(
        [docs, tmp_path / "missing.pdf"], doc_type="policy", property_code=None, settings=settings
    )

    reasons = {Path(f.path).name: f.reason for f in report.failed}
    assert set(reasons) == {
        "locked.pdf",
        "broken.pdf",
        "empty.txt",
        "scan.pdf",
        "fake.docx",
        "sheet.xlsx",
        "missing.pdf",
    }
    assert "encrypted" in reasons["locked.pdf"]
    assert "no text layer" in reasons["scan.pdf"]
    assert reasons["empty.txt"] == "empty file"
    assert "not a Word .docx" in reasons["fake.docx"]
    assert "unsupported file type" in reasons["sheet.xlsx"]
    assert reasons["missing.pdf"] == "no such file or directory"
    assert report.files == 2 and not report.ok
    assert _sources(settings) == {"good.md", "good.pdf"}


def test_a_file_that_fails_keeps_its_previous_chunks(tmp_path: Path, settings: Settings) -> None:
    path = write(tmp_path / "lease.pdf", make_pdf(["4.2 Late Charges. A fee of $75.00 applies."]))
    ingest_paths([path], doc_type="lease", property_code="maple-court", settings=settings)
    before = _stored(settings)

    write(path, make_image_only_pdf())
    report = ingest_paths([path], doc_type="lease", property_code="maple-court", settings=settings)

    assert report.rows[0].status == "failed"
    assert _stored(settings) == before


class _Counting:
    """Wraps an object and records the names of the methods called on it, in order."""

    def __init__(self, inner: Any, calls: list[str]) -> None:
        self._inner = inner
        self._calls = calls

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if not callable(attribute):
            return attribute

        def called(*args: Any, **kwargs: Any) -> Any:
            self._calls.append(name)
            return attribute(*args, **kwargs)

        return called


class _FlakyCollection:
    """Wraps a collection so that chosen calls fail, as a full disk or a lost server would."""

    def __init__(self, inner: Any, *, fail_upsert_for: str = "", fail_delete: bool = False) -> None:
        self._inner = inner
        self._fail_upsert_for = fail_upsert_for
        self._fail_delete = fail_delete

    def upsert(self, **kwargs: Any) -> None:
        if self._fail_upsert_for and any(self._fail_upsert_for in m["source"] for m in kwargs["metadatas"]):
            raise OSError("disk full")
        self._inner.upsert(**kwargs)

    def delete(self, **kwargs: Any) -> None:
        if self._fail_delete:
            raise OSError("connection lost")
        self._inner.delete(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _policy_changed_beside_a_new_handbook(
    tmp_path: Path, settings: Settings
) -> tuple[Path, dict[str, dict[str, Any]], object]:
    """A folder with a new handbook and an indexed policy changed since: (folder, the policy's stored
    chunks, the corpus version), before the folder is ingested."""
    docs = tmp_path / "docs"
    write(docs / "a-handbook.md", HANDBOOK)
    policy = write(docs / "b-policy.md", POLICY)
    ingest_paths([policy], doc_type="policy", property_code="maple-court", settings=settings)
    old_policy, version = _stored(settings), _version(settings)
    write(policy, POLICY.replace("2.95%", "3.25%"))
    return docs, old_policy, version


def _fail_writing(monkeypatch: pytest.MonkeyPatch, source: str) -> None:
    """Every upsert that carries a chunk of `source` fails."""
    real_open = pipeline.open_collection
    monkeypatch.setattr(
        pipeline, "open_collection", lambda c: _FlakyCollection(real_open(c), fail_upsert_for=source)
    )


def test_a_write_that_fails_leaves_earlier_files_whole_and_the_old_version_in_place(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs, old_policy, version = _policy_changed_beside_a_new_handbook(tmp_path, settings)
    monkeypatch.setattr(pipeline, "EMBED_GROUP_CHUNKS", 1)  # each file its own group and write
    _fail_writing(monkeypatch, "b-policy")

    with pytest.raises(OSError, match="disk full"):
        ingest_paths([docs], doc_type="policy", property_code="maple-court", settings=settings)

    assert _version(settings) != version  # the handbook written before the failure is announced

    stored = _stored(settings)
    handbook = [meta for meta in stored.values() if meta["source"].endswith("a-handbook.md")]
    assert handbook and {meta["chunk_count"] for meta in handbook} == {len(handbook)}
    assert {i: m for i, m in stored.items() if m["source"].endswith("b-policy.md")} == old_policy


def test_a_write_that_fails_leaves_every_file_of_its_group_at_its_previous_version(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs, old_policy, version = _policy_changed_beside_a_new_handbook(tmp_path, settings)
    _fail_writing(monkeypatch, "b-policy")

    with pytest.raises(OSError, match="disk full"):
        ingest_paths([docs], doc_type="policy", property_code="maple-court", settings=settings)

    assert _stored(settings) == old_policy  # the handbook was in the failed write: none of it is there
    assert _version(settings) == version


def test_a_crash_between_writing_new_chunks_and_deleting_old_ones_is_finished_next_run(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = write(tmp_path / "policy.md", POLICY)
    ingest_paths([policy], doc_type="policy", property_code="maple-court", settings=settings)
    write(policy, POLICY.replace("2.95%", "3.25%"))
    real_open = pipeline.open_collection
    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "open_collection", lambda c: _FlakyCollection(real_open(c), fail_delete=True))
        with pytest.raises(OSError, match="connection lost"):
            ingest_paths([policy], doc_type="policy", property_code="maple-court", settings=settings)
    assert (
        len({meta["content_hash"] for meta in _stored(settings).values()}) == 2
    )  # both versions, none partial

    report = ingest_paths([policy], doc_type="policy", property_code="maple-court", settings=settings)

    assert report.rows[0].status == "replaced"
    stored = _stored(settings).values()
    assert len({meta["content_hash"] for meta in stored}) == 1
    assert any("3.25%" in meta["_text"] for meta in stored)


def _filings(tmp_path: Path) -> list[Filing]:
    lease = write(tmp_path / "maple" / "lease.pdf", make_pdf(["4.2 Late Charges. A fee of $75.00 applies."]))
    handbook = write(tmp_path / "aspen" / "handbook.md", HANDBOOK)
    faq = write(tmp_path / "faq.md", POLICY)
    return [
        Filing(paths=[lease], doc_type="lease", property_code="maple-court"),
        Filing(paths=[handbook.parent], doc_type="handbook", property_code="aspen-ridge"),
        Filing(paths=[faq], doc_type="faq", property_code=None),
    ]


def test_one_run_files_each_path_under_its_own_type_and_property(tmp_path: Path, settings: Settings) -> None:
    report = ingest_filings(_filings(tmp_path), settings=settings)

    assert (report.files, report.skipped, report.failed) == (3, 0, [])
    scopes = {(Path(m["source"]).name, m["doc_type"], m["property"]) for m in _stored(settings).values()}
    assert scopes == {
        ("lease.pdf", "lease", "maple-court"),
        ("handbook.md", "handbook", "aspen-ridge"),
        ("faq.md", "faq", PORTFOLIO_WIDE),
    }


def test_a_run_of_several_filings_embeds_once_and_writes_once(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_encoder, real_open = pipeline.get_encoder(), pipeline.open_collection
    monkeypatch.setattr(pipeline, "get_encoder", lambda: _Counting(real_encoder, calls))
    monkeypatch.setattr(pipeline, "open_collection", lambda c: _Counting(real_open(c), calls))

    ingest_filings(_filings(tmp_path), settings=settings)

    assert [call for call in calls if call in {"embed", "upsert", "delete", "modify"}] == [
        "embed",
        "upsert",
        "modify",
    ]


def test_reingesting_unchanged_filings_is_a_no_op(tmp_path: Path, settings: Settings) -> None:
    filings = _filings(tmp_path)
    ingest_filings(filings, settings=settings)
    before, version = _stored(settings), _version(settings)

    report = ingest_filings(filings, settings=settings)

    assert (report.files, report.skipped, report.removed, report.failed) == (0, 3, 0, [])
    assert _stored(settings) == before and _version(settings) == version


def test_a_file_filed_under_two_scopes_is_refused_before_any_work(tmp_path: Path, settings: Settings) -> None:
    handbook = write(tmp_path / "docs" / "handbook.md", HANDBOOK)
    filings = [
        Filing(paths=[handbook.parent], doc_type="handbook", property_code="maple-court"),
        Filing(paths=[handbook], doc_type="handbook", property_code="aspen-ridge"),
    ]

    with pytest.raises(ValueError, match="two scopes"):
        ingest_filings(filings, settings=settings)
    assert _stored(settings) == {}


def test_invalid_arguments_are_refused_before_any_work(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(ValueError, match="property code"):
        ingest_paths([tmp_path], doc_type="policy", property_code="Maple Court!", settings=settings)
    with pytest.raises(ValueError, match="doc_type"):
        ingest_paths([tmp_path], doc_type="memo", property_code=None, settings=settings)  # type: ignore[arg-type]


def test_progress_bar_runs_on_stderr(
    tmp_path: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "docs" / "handbook.md", HANDBOOK)

    ingest_paths(
        [tmp_path / "docs"],
        doc_type="handbook",
        property_code="maple-court",
        settings=settings,
        progress=True,
    )

    assert capsys.readouterr().out == ""


def test_report_renders_as_json_and_as_a_table(tmp_path: Path, settings: Settings) -> None:
    write(tmp_path / "docs" / "handbook.md", HANDBOOK)
    write(tmp_path / "docs" / "empty.md", "")

    report = ingest_paths(
        [tmp_path / "docs"], doc_type="handbook", property_code="maple-court", settings=settings
    )

    data = json.loads(report.to_json())
    assert {"files", "pages", "chunks", "skipped", "failed", "seconds", "rows"} <= set(data)
    assert data["failed"] == [
        {"path": str((tmp_path / "docs" / "empty.md").resolve()), "reason": "empty file"}
    ]
    console = Console(record=True, width=200)
    console.print(report.to_table())
    text = console.export_text()
    assert "handbook.md" in text and "ingested" in text and "empty file" in text and "1 failed" in text


SECRET = "root:x:0:0:root:/root:/bin/bash\nmanager-password: hunter2\n"


def _texts(settings: Settings) -> str:
    return "\n".join(meta["_text"] for meta in _stored(settings).values())


def _outside_the_folder(tmp_path: Path) -> Path:
    """A file and a folder beside the documents folder, as /etc/passwd and /etc would be."""
    write(tmp_path / "etc" / "passwd.md", SECRET)
    return write(tmp_path / "secret.txt", SECRET)


def test_symbolic_links_leading_out_of_the_folder_are_refused_and_reported(
    tmp_path: Path, settings: Settings
) -> None:
    secret = _outside_the_folder(tmp_path)
    docs = tmp_path / "docs"
    handbook = write(docs / "handbook.md", HANDBOOK)
    write(docs / "sub" / "policy.md", POLICY)
    (docs / "passwd.txt").symlink_to(secret)
    (docs / "etc").symlink_to(tmp_path / "etc", target_is_directory=True)
    (docs / "sub" / "up.md").symlink_to("../../secret.txt")
    (docs / "alias.md").symlink_to(handbook)  # stays inside: fine, and the same source as its target
    (docs / "policies").symlink_to(docs / "sub", target_is_directory=True)

    report = ingest_paths([docs], doc_type="handbook", property_code="maple-court", settings=settings)

    assert _sources(settings) == {"handbook.md", "policy.md"}
    assert "hunter2" not in _texts(settings)
    refused = {Path(row.path).name: row for row in report.rows if row.status == "skipped"}
    assert set(refused) == {"passwd.txt", "etc", "up.md"}
    assert refused["passwd.txt"].reason == (
        f"a symbolic link to {secret.resolve()}, outside {docs.resolve()}: not followed"
    )
    assert (report.files, report.refused, report.skipped, report.failed) == (2, 3, 0, [])
    console = Console(record=True, width=300)
    console.print(report.to_table())
    assert "3 refused" in console.export_text()


def test_a_link_named_directly_must_stay_in_the_folder_it_sits_in(tmp_path: Path, settings: Settings) -> None:
    secret = _outside_the_folder(tmp_path)
    docs = tmp_path / "docs"
    handbook = write(docs / "handbook.md", HANDBOOK)
    (docs / "passwd.txt").symlink_to(secret)

    # what `doorstep ingest docs/*` passes
    report = ingest_paths(
        [handbook, docs / "passwd.txt"], doc_type="handbook", property_code=None, settings=settings
    )

    assert _sources(settings) == {"handbook.md"}
    row = next(row for row in report.rows if row.path.endswith("passwd.txt"))
    assert row.status == "skipped" and "outside" in (row.reason or "")
    assert f"name {secret.resolve()} itself to ingest it" in (row.reason or "")


def test_chunks_that_came_in_through_a_link_out_of_the_folder_are_dropped(
    tmp_path: Path, settings: Settings
) -> None:
    secret = _outside_the_folder(tmp_path)
    docs = tmp_path / "docs"
    write(docs / "handbook.md", HANDBOOK)
    leaked = write(docs / "passwd.txt", SECRET)  # in the index, as a link once got there
    ingest_paths([docs], doc_type="handbook", property_code="maple-court", settings=settings)
    assert "hunter2" in _texts(settings)

    leaked.unlink()
    leaked.symlink_to(secret)
    report = ingest_paths([docs], doc_type="handbook", property_code="maple-court", settings=settings)

    assert "hunter2" not in _texts(settings)
    assert _sources(settings) == {"handbook.md"}
    row = next(row for row in report.rows if row.path.endswith("passwd.txt"))
    assert row.status == "removed"
    assert "outside" in (row.reason or "") and "dropped" in (row.reason or "")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifos_are_refused_not_read(tmp_path: Path, settings: Settings) -> None:
    docs = tmp_path / "docs"
    write(docs / "handbook.md", HANDBOOK)
    os.mkfifo(docs / "policy.md")  # reading it would wait for a writer forever

    report = ingest_paths([docs], doc_type="handbook", property_code=None, settings=settings)
    named = ingest_paths([docs / "policy.md"], doc_type="handbook", property_code=None, settings=settings)

    row = next(row for row in report.rows if row.path.endswith("policy.md"))
    assert (row.status, row.reason) == ("skipped", "not a regular file (a FIFO)")
    assert [f.reason for f in named.failed] == ["not a regular file (a FIFO)"]
    assert _sources(settings) == {"handbook.md"}


def test_a_zip_bomb_is_refused_and_the_index_is_left_as_it_was(tmp_path: Path, settings: Settings) -> None:
    docs = tmp_path / "docs"
    write(docs / "handbook.md", HANDBOOK)
    ingest_paths([docs], doc_type="policy", property_code="maple-court", settings=settings)
    before, version = _stored(settings), _version(settings)
    write(docs / "lease.docx", make_docx_bomb(inflated_mb=60))  # 100 kB on disk

    report = ingest_paths([docs], doc_type="policy", property_code="maple-court", settings=settings)

    assert [(Path(row.path).name, row.status) for row in report.rows] == [
        ("handbook.md", "skipped"),
        ("lease.docx", "failed"),
    ]
    assert "zip bomb" in report.failed[0].reason and "over the limit of 50 MB" in report.failed[0].reason
    assert _stored(settings) == before and _version(settings) == version


def test_a_file_over_its_size_cap_is_refused_without_being_read(tmp_path: Path, settings: Settings) -> None:
    big = tmp_path / "docs" / "notes.txt"
    big.parent.mkdir()
    with big.open("wb") as file:
        file.truncate(11 * MB)  # sparse: 11 MB long, nothing on disk

    report = ingest_paths([big], doc_type="faq", property_code=None, settings=settings)

    assert [f.reason for f in report.failed] == [
        "file too large: 11.0 MB, over the 10 MB limit for this type of file"
    ]


def test_each_hostile_file_is_refused_by_name_and_the_rest_are_ingested(
    tmp_path: Path, settings: Settings
) -> None:
    docs = tmp_path / "docs"
    write(docs / "handbook.md", HANDBOOK)
    write(docs / "lease.docx", make_docx_with_huge_document(inflated_mb=1024))
    write(docs / "rules.docx", make_docx_with_document_xml(BILLION_LAUGHS))
    write(docs / "binder.pdf", make_pdf_with_inflating_stream(inflated_mb=80))
    with (docs / "policy.md").open("wb") as file:
        file.truncate(2048 * MB)  # sparse: 2 GB long, nothing on disk

    report = ingest_paths([docs], doc_type="policy", property_code="maple-court", settings=settings)

    reasons = {Path(row.path).name: row.reason for row in report.rows if row.status == "failed"}
    assert set(reasons) == {"lease.docx", "rules.docx", "binder.pdf", "policy.md"}
    assert "inflates to 1,024" in (reasons["lease.docx"] or "")
    assert "declares XML entities" in (reasons["rules.docx"] or "")
    assert "decompression bomb" in (reasons["binder.pdf"] or "")
    assert reasons["policy.md"] == "file too large: 2,048.0 MB, over the 10 MB limit for this type of file"
    assert report.files == 1 and _sources(settings) == {"handbook.md"}
    console = Console(record=True, width=300)
    console.print(report.to_table())
    assert "4 failed" in console.export_text()
