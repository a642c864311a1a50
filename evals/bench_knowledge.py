"""Knowledge-layer benchmark: ingest throughput, re-ingest speed-up, and query latency at 10,000 chunks.

Figures and the issue's targets:

- end-to-end ingest throughput (pages/s, chunks/s, tokens/s) for the demo corpus and for a generated
  500-page corpus, beside the bare embedding model's tokens/s on the same chunk texts in the same run;
  target: ingest >= 85% of bare embedding throughput. Throughput is steady state: process start-up
  (loading the model, the tiktoken tables, the Chroma system) happens before anything is timed. Bare
  passes run close to the ingests they are compared with, because this VM's speed drifts: see
  `DEMO_ROUNDS` and `GENERATED_ROUNDS`;
- re-ingesting the unchanged 500-page corpus: target >= 20x faster than the first ingest;
- query latency p50/p95 through `Retriever.retrieve` (query embedding included) at 10,000 chunks,
  both with all of them in one property's scope (the worst case) and spread over 20 properties;
  target p95 <= 15 ms.

The 10,000-chunk index is made from the 500-page corpus's real chunks and vectors, copied with a
little noise on each vector: embedding 10,000 chunks here would take minutes and measure nothing
the ingest figures do not already show. `python -m evals.bench_knowledge` prints the table.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api import ClientAPI
from fpdf import FPDF
from rich.console import Console
from rich.table import Table

from app.config import Settings
from app.demo.corpus import ingest_demo_documents
from app.demo.documents import DOCUMENT_DATE, demo_terms, write_demo_documents
from app.knowledge.constants import EMBEDDING_MAX_TOKENS, INDEX_VERSION
from app.knowledge.embedding import get_encoder
from app.knowledge.records import ChunkMetadata, chunk_id, search_text
from app.knowledge.retrieval import Retriever
from app.knowledge.store import bump_corpus_version, make_client, open_collection
from app.knowledge.tokens import get_encoding
from evals.retrieval import load_cases, scratch_settings
from ingest.pipeline import ingest_paths
from ingest.report import IngestReport

TARGET_INGEST_SHARE = 0.85
TARGET_REINGEST_SPEEDUP = 20.0
TARGET_P95_MS = 15.0
GENERATED_PAGES = 500
QUERY_CHUNKS = 10_000

_SUBJECTS = [
    "the monthly rent",
    "the security deposit",
    "a returned payment",
    "the late charge",
    "a payment plan",
    "the pet addendum",
    "the parking permit",
    "a maintenance request",
    "the renewal offer",
    "the move-out notice",
    "the utility bill",
    "the resident portal",
    "an AutoPay draft",
    "a partial payment",
    "the community manager",
]
_VERBS = [
    "is due",
    "must be paid",
    "will be applied",
    "may be refused",
    "is reviewed",
    "is charged",
    "will be refunded",
    "is recorded",
    "must be requested in writing",
    "is credited",
]
_TAILS = [
    "on or before the first day of each month",
    "within five business days",
    "after the grace period ends",
    "as described in the Rent Payment Policy",
    "unless state law requires otherwise",
    "through the resident portal",
    "at the leasing office during office hours",
    "before the lease term ends",
    "for each day it remains unpaid",
    "together with any other amount then due",
    "by certified funds after two returned payments",
]


def _paragraph(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(3, 6)):
        sentence = f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_TAILS)}"
        if rng.random() < 0.4:
            sentence += f", and {rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_TAILS)}"
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
    return " ".join(sentences)


def write_generated_corpus(out_dir: Path, *, pages: int = GENERATED_PAGES, pages_per_file: int = 20) -> int:
    """Lease-like PDFs with numbered clauses and running headers, `pages` pages in all; returns pages."""
    rng = random.Random(20250101)
    written = 0
    for number in range(pages // pages_per_file):
        pdf = FPDF(format="letter")
        pdf.set_creation_date(DOCUMENT_DATE)
        pdf.set_title(f"Generated Lease {number + 1:03d}")
        pdf.set_auto_page_break(auto=False)
        clause = 0
        for page in range(pages_per_file):
            pdf.add_page()
            pdf.set_font("Helvetica", "I", 8)
            pdf.cell(
                0,
                5,
                f"Generated Lease {number + 1:03d} - Residential Lease Agreement",
                new_x="LMARGIN",
                new_y="NEXT",
            )
            while pdf.get_y() < 230:
                clause += 1
                pdf.set_font("Helvetica", "B", 11)
                pdf.multi_cell(
                    0, 6, f"{clause}. {rng.choice(_SUBJECTS).upper()}", new_x="LMARGIN", new_y="NEXT"
                )
                pdf.set_font("Helvetica", "", 10)
                pdf.multi_cell(0, 5, _paragraph(rng), new_x="LMARGIN", new_y="NEXT")
            pdf.set_y(-15)
            pdf.set_font("Helvetica", "I", 8)
            pdf.cell(0, 5, f"Form GEN-{number + 1:03d} | Page {page + 1} of {pages_per_file}", align="C")
            written += 1
        (out_dir / f"lease-{number + 1:03d}.pdf").write_bytes(bytes(pdf.output()))
    return written


def _stored_texts(settings: Settings) -> tuple[list[str], list[str], list[ChunkMetadata], np.ndarray]:
    collection = open_collection(make_client(settings=settings))
    got = collection.get(include=["documents", "metadatas", "embeddings"])
    metadatas = [ChunkMetadata.from_chroma(meta) for meta in got["metadatas"] or []]
    return (
        list(got["ids"]),
        list(got["documents"] or []),
        metadatas,
        np.asarray(got["embeddings"], dtype=np.float32),
    )


def _embedding_inputs(settings: Settings, *, only_new_since: set[str] | None = None) -> list[str]:
    """Exactly the texts ingest embedded for the chunks now stored (heading line included); with
    `only_new_since`, for the chunks whose ids are not in it."""
    ids, texts, metadatas, _ = _stored_texts(settings)
    return [
        search_text(title=m.title, section_path=m.section_path, text=t)
        for id_, t, m in zip(ids, texts, metadatas, strict=True)
        if only_new_since is None or id_ not in only_new_since
    ]


def _stored_ids(settings: Settings) -> list[str]:
    return list(open_collection(make_client(settings=settings)).get(include=[])["ids"])


def _bare_embedding_seconds(inputs: list[str]) -> float:
    started = time.perf_counter()
    get_encoder().embed(inputs)
    return time.perf_counter() - started


def _throughput(
    name: str, reports: list[IngestReport], seconds: float, bare: float, inputs: list[str]
) -> dict[str, Any]:
    """The figures of one ingest that took `seconds`, beside a bare pass over its texts that took `bare`."""
    in_model = sum(r.embed_seconds for r in reports)
    cut = sum(n >= EMBEDDING_MAX_TOKENS for n in get_encoder().count_tokens(inputs))
    pages = sum(r.pages for r in reports)
    chunks = sum(r.chunks for r in reports)
    tokens = sum(r.tokens for r in reports)
    return {
        f"{name}_pages": pages,
        f"{name}_chunks": chunks,
        f"{name}_tokens": tokens,
        f"{name}_ingest_seconds": round(seconds, 3),
        f"{name}_pages_per_s": round(pages / seconds, 1),
        f"{name}_chunks_per_s": round(chunks / seconds, 1),
        f"{name}_tokens_per_s": round(tokens / seconds),
        f"{name}_model_tokens_per_s_in_run": round(tokens / in_model),
        f"{name}_ingest_vs_model_in_run": round(in_model / seconds, 3),
        f"{name}_bare_seconds": round(bare, 3),
        f"{name}_bare_tokens_per_s": round(tokens / bare),
        f"{name}_ingest_vs_bare": round(bare / seconds, 3),
        f"{name}_chunks_cut_at_256_wordpieces": cut,
    }


def _started(settings: Settings) -> ClientAPI:
    """Process start-up outside the timings, as the model load is: the tiktoken tables and the Chroma
    system for this data directory (kept alive by the returned client while the bench runs)."""
    get_encoding()
    client = make_client(settings=settings)
    open_collection(client)
    return client


DEMO_ROUNDS = 5
"""The demo corpus ingests in about 3 s, and on this shared two-core VM one bare pass over the same
texts took anywhere from 2.5 to 3.7 s within a minute: one ingest against one bare pass measures
the noise as much as the pipeline. So the demo is ingested `DEMO_ROUNDS` times, each into a fresh
index, interleaved with as many bare passes (ingest first in even rounds, the bare pass first in odd
ones, so neither side always follows the other), and the fastest ingest is compared with the fastest
bare pass: noise only ever adds time, and both sides get the same number of tries. The ratio of the
medians is reported beside it."""


def bench_demo_corpus(root: Path) -> dict[str, Any]:
    """The demo documents ingested as `doorstep demo` ingests them (written beforehand, untimed), into
    a fresh index, `DEMO_ROUNDS` times between as many bare passes; see `DEMO_ROUNDS`."""
    ingests: list[tuple[float, list[IngestReport], Settings]] = []
    bares: list[float] = []
    inputs: list[str] = []
    for round_ in range(DEMO_ROUNDS):
        settings = scratch_settings(root / f"demo-{round_}")
        documents = write_demo_documents(demo_terms(), settings.documents_dir)
        _client = _started(settings)
        if round_ % 2 == 1:
            bares.append(_bare_embedding_seconds(inputs))
        started = time.perf_counter()
        reports = [ingest_demo_documents(documents, settings=settings)]
        ingests.append((time.perf_counter() - started, reports, settings))
        inputs = inputs or _embedding_inputs(settings)
        if round_ % 2 == 0:
            bares.append(_bare_embedding_seconds(inputs))
    seconds, reports, settings = min(ingests, key=lambda run: run[0])
    if _embedding_inputs(settings) != inputs:
        raise RuntimeError("the demo ingests embedded different texts from one round to the next")
    median_ratio = statistics.median(bares) / statistics.median(run[0] for run in ingests)
    return _throughput("demo", reports, seconds, min(bares), inputs) | {
        "demo_runs": DEMO_ROUNDS,
        "demo_ingest_seconds_all": [round(run[0], 3) for run in ingests],
        "demo_bare_seconds_all": [round(b, 3) for b in bares],
        "demo_ingest_vs_bare_medians": round(median_ratio, 3),
    }


GENERATED_ROUNDS = 5
"""The 500-page corpus is ingested in this many parts (files split evenly), each followed by a bare pass
over the texts it embedded; the figures are sums over the parts. One ingest (~100 s) against bare passes
in the next three minutes compared two windows of this VM's speed, which drifted by up to 15% between
them (ingest / bare gave 0.83 and 0.97 on two idle runs of the same code); pairs ~40 s apart share their
window's speed. Each part pays the ingest's fixed costs again, which only counts against it."""


def bench_generated_corpus(root: Path, *, pages: int = GENERATED_PAGES) -> tuple[dict[str, Any], Settings]:
    settings = scratch_settings(root / "generated")
    corpus = root / "generated-docs"
    corpus.mkdir()
    write_generated_corpus(corpus, pages=pages)
    parts = _split_into_parts(corpus, GENERATED_ROUNDS)
    _client = _started(settings)
    reports: list[IngestReport] = []
    inputs: list[str] = []
    ingest_seconds: list[float] = []
    bare_seconds: list[float] = []
    for part in parts:
        before = set(_stored_ids(settings))
        started = time.perf_counter()
        reports.append(ingest_paths([part], doc_type="lease", property_code="bench", settings=settings))
        ingest_seconds.append(time.perf_counter() - started)
        part_inputs = _embedding_inputs(settings, only_new_since=before)
        bare_seconds.append(_bare_embedding_seconds(part_inputs))
        inputs += part_inputs
    figures = _throughput("generated", reports, sum(ingest_seconds), sum(bare_seconds), inputs)
    figures |= {
        "generated_parts": len(parts),
        "generated_ingest_vs_bare_by_part": [
            round(bare / ingest, 3) for ingest, bare in zip(ingest_seconds, bare_seconds, strict=True)
        ],
    }
    started = time.perf_counter()
    again = ingest_paths(parts, doc_type="lease", property_code="bench", settings=settings)
    second = time.perf_counter() - started
    if again.skipped != sum(r.files for r in reports):
        raise RuntimeError("re-ingest of an unchanged corpus did not skip every file")
    figures["reingest_seconds"] = round(second, 3)
    figures["reingest_speedup"] = round(sum(ingest_seconds) / second, 1)
    return figures, settings


def _split_into_parts(corpus: Path, count: int) -> list[Path]:
    """Move the corpus's files into `count` subdirectories, as evenly as they go; return them."""
    files = sorted(path for path in corpus.iterdir() if path.is_file())
    parts = [corpus / f"part-{n + 1}" for n in range(min(count, len(files)))]
    for part in parts:
        part.mkdir()
    for n, path in enumerate(files):
        path.rename(parts[n * len(parts) // len(files)] / path.name)
    return parts


def _build_query_index(source: Settings, root: Path, *, properties: int) -> Settings:
    """QUERY_CHUNKS chunks made from `source`'s real chunks, spread over `properties` properties."""
    settings = scratch_settings(root / f"query-{properties}")
    _, texts, metadatas, vectors = _stored_texts(source)
    rng = np.random.default_rng(7)
    client = make_client(settings=settings)
    collection = open_collection(client)
    batch = client.get_max_batch_size()
    for start in range(0, QUERY_CHUNKS, batch):
        rows = range(start, min(QUERY_CHUNKS, start + batch))
        picks = [i % len(texts) for i in rows]
        noisy = vectors[picks] + rng.normal(scale=0.02, size=(len(picks), vectors.shape[1])).astype(
            np.float32
        )
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        copies = [
            metadatas[pick].model_copy(
                update={
                    "property": f"property-{row % properties:02d}",
                    "source": f"/bench/{row // 20:04d}.pdf",
                }
            )
            for row, pick in zip(rows, picks, strict=True)
        ]
        collection.add(
            ids=[
                chunk_id(source=m.source, content_hash=f"{row:064d}", index=row)
                for row, m in zip(rows, copies, strict=True)
            ],
            documents=[texts[pick] for pick in picks],
            embeddings=noisy,
            metadatas=[m.to_chroma() for m in copies],
        )
    bump_corpus_version(collection)
    return settings


def bench_queries(source: Settings, root: Path, *, properties: int) -> dict[str, float]:
    """p50/p95 of `retrieve` (hybrid, k=5) over the eval questions, after one warm-up query. The query
    embedding is included: the encoder's cache of query vectors is emptied before every query."""
    settings = _build_query_index(source, root, properties=properties)
    retriever = Retriever.from_settings(settings=settings)
    questions = [case.question for case in load_cases()]
    retriever.retrieve("warm up", property_code="property-00")
    timings = []
    for question in questions * 2:
        retriever.encoder.forget_queries()
        started = time.perf_counter()
        retriever.retrieve(question, property_code="property-00", k=5)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "p50_ms": round(timings[len(timings) // 2], 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
    }


def run_knowledge_bench() -> dict[str, Any]:
    """Run every knowledge benchmark in a temporary directory, print the table, return the figures."""
    get_encoder().embed(["load the model before anything is timed"])
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-") as tmp:
        root = Path(tmp)
        figures: dict[str, Any] = {"index_version": INDEX_VERSION}
        figures |= bench_demo_corpus(root)
        generated, generated_settings = bench_generated_corpus(root)
        figures |= generated
        for properties, label in ((1, "query_one_scope"), (20, "query_20_properties")):
            for name, value in bench_queries(generated_settings, root, properties=properties).items():
                figures[f"{label}_{name}"] = value
    _print(figures)
    return figures


def _print(figures: dict[str, Any]) -> None:
    table = Table(title="Knowledge benchmark")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_column("vs target", justify="right")

    def row(label: str, value: float, unit: str = "", target: str = "", ratio: float | None = None) -> None:
        verdict = "" if ratio is None else f"[{'green' if ratio >= 1 else 'red'}]{ratio:.2f}x[/]"
        table.add_row(label, f"{value:,}{unit}", target, verdict)

    for name in ("demo", "generated"):
        runs, parts = figures.get(f"{name}_runs"), figures.get(f"{name}_parts")
        fastest = f" (fastest of {runs} ingests and of {runs} bare passes)" if runs else ""
        fastest += f" (in {parts} parts, each with its bare pass; sums)" if parts else ""
        row(f"{name}: pages / chunks{fastest}", figures[f"{name}_pages"], f" / {figures[f'{name}_chunks']:,}")
        row(f"{name}: ingest pages/s", figures[f"{name}_pages_per_s"])
        row(f"{name}: ingest chunks/s", figures[f"{name}_chunks_per_s"])
        row(f"{name}: ingest tokens/s", figures[f"{name}_tokens_per_s"])
        row(f"{name}: model tokens/s inside the ingest", figures[f"{name}_model_tokens_per_s_in_run"])
        for key, label in (
            ("ingest_vs_model_in_run", "ingest / model (same run)"),
            ("ingest_vs_bare", "ingest / bare pass"),
        ):
            share = figures[f"{name}_{key}"]
            row(f"{name}: {label}", share, "", f">= {TARGET_INGEST_SHARE}", share / TARGET_INGEST_SHARE)
        if f"{name}_ingest_vs_bare_medians" in figures:
            share = figures[f"{name}_ingest_vs_bare_medians"]
            row(f"{name}: ingest / bare pass, medians", share, "", "", share / TARGET_INGEST_SHARE)
            for key, label in (("ingest_seconds_all", "ingest s"), ("bare_seconds_all", "bare pass s")):
                table.add_row(
                    f"{name}: every {label}", " / ".join(f"{v:.2f}" for v in figures[f"{name}_{key}"])
                )
        if f"{name}_ingest_vs_bare_by_part" in figures:
            by_part = " / ".join(f"{v:.2f}" for v in figures[f"{name}_ingest_vs_bare_by_part"])
            table.add_row(f"{name}: ingest / bare pass, each part", by_part)
        row(f"{name}: bare pass tokens/s", figures[f"{name}_bare_tokens_per_s"])
        row(f"{name}: chunks cut at 256 wordpieces", figures[f"{name}_chunks_cut_at_256_wordpieces"])
    speedup = figures["reingest_speedup"]
    row(
        "re-ingest unchanged: speed-up",
        speedup,
        "x",
        f">= {TARGET_REINGEST_SPEEDUP:g}x",
        speedup / TARGET_REINGEST_SPEEDUP,
    )
    for label in ("query_one_scope", "query_20_properties"):
        row(f"{label} p50 (10k chunks)", figures[f"{label}_p50_ms"], " ms")
        p95 = figures[f"{label}_p95_ms"]
        row(f"{label} p95 (10k chunks)", p95, " ms", f"<= {TARGET_P95_MS:g} ms", TARGET_P95_MS / p95)
    Console().print(table)


if __name__ == "__main__":
    run_knowledge_bench()
