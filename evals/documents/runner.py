"""`doorstep eval documents`: an operator's own documents, ingested into a throwaway instance and questioned.

`run_document_eval(docs_dir=..., qa_path=...)`:

1. reads the QA file and the documents folder (`evals.documents.dataset`), refusing bad input with one line
   (`DatasetError`) before anything is built;
2. makes a temporary data directory (SQLite database, embedded Chroma, audit key, checkpoints), migrates
   it and ingests every document, each landlord's sub-folder under its own property code (a file that fails
   to ingest stops the run with its reason). The instance's own data directory, database and index are
   never opened; the temporary directory is removed at the end;
3. asks every question as `doorstep ask --property <landlord>` does: through the assistant (the offline
   planner unless another is chosen), one conversation per question, and retrieves the top passages the
   same way;
4. scores each answer (`evals.documents.scoring`) and returns a `DocumentEvalReport`.

The offline planner's classifier is trained once into a cache outside the instance
(`~/.cache/doorstep/eval/models`, shared with `doorstep eval conversations`) and copied into the
temporary directory, so runs after the first start in seconds.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from evals.documents.dataset import Corpus, DatasetError, QACase, discover_corpus, load_cases
from evals.documents.report import CaseResult, DocumentEvalReport
from evals.documents.scoring import answer_matches, conflict_flagged, evidence_found

if TYPE_CHECKING:
    from agents.assistant.runner import Assistant
    from app.config import Settings
    from app.knowledge.constants import DocType
    from app.knowledge.retrieval import Passage, Retriever

K = 5
PlannerKind = Literal["offline", "chat"]


@dataclass
class EvalInstance:
    """The throwaway instance one run asks its questions of."""

    settings: Settings
    assistant: Assistant
    retriever: Retriever
    properties: set[str | None]
    chunks: int


def run_document_eval(
    *,
    docs_dir: Path,
    qa_path: Path,
    planner: PlannerKind | None = None,
    cache_dir: Path | None = None,
    progress: Callable[[CaseResult], None] | None = None,
    today: date | None = None,
) -> DocumentEvalReport:
    """Ingest `docs_dir` into a temporary instance, ask every question of `qa_path`, score the answers."""
    cases = load_cases(qa_path)
    corpus = discover_corpus(docs_dir)
    started = time.perf_counter()
    with open_eval_instance(corpus, planner=planner, cache_dir=cache_dir, today=today) as instance:
        results: list[CaseResult] = []
        for case in cases:
            result = ask_case(instance, case)
            results.append(result)
            if progress is not None:
                progress(result)
        chunks = instance.chunks
    return DocumentEvalReport.from_results(
        results,
        documents=len(corpus.files),
        chunks=chunks,
        seconds=time.perf_counter() - started,
        planner=instance.assistant.planner.name,
    )


@contextmanager
def open_eval_instance(
    corpus: Corpus,
    *,
    planner: PlannerKind | None = None,
    cache_dir: Path | None = None,
    today: date | None = None,
) -> Iterator[EvalInstance]:
    """A migrated temporary instance holding `corpus`, with an assistant on it; removed afterwards."""
    from agents.assistant.factory import open_assistant
    from app import migrate
    from app.config import Settings
    from app.db import make_engine, make_sessionmaker
    from app.knowledge.retrieval import Retriever
    from app.knowledge.tokens import prepare_tiktoken_cache

    prepare_tiktoken_cache()  # the user's cache, not one inside a directory this run deletes
    day = today or date.today()
    with tempfile.TemporaryDirectory(prefix="doorstep-eval-documents-") as tmp:
        root = Path(tmp)
        settings = Settings(
            DOORSTEP_DATA_DIR=root,
            DATABASE_URL=f"sqlite:///{root / 'eval.sqlite3'}",
            DATABASE_OWNER_URL=None,
            CHROMA_URL=None,
            REDIS_URL=None,
            ENVIRONMENT="test",
        )
        engine = make_engine(settings)
        try:
            migrate.upgrade(engine)
            chunks = _ingest(corpus, settings)
            kind = planner or ("chat" if settings.OPENAI_API_KEY is not None else "offline")
            if kind == "offline":
                _seed_classifier(root / "models", cache_dir)
            retriever = Retriever.from_settings(settings=settings, recheck_seconds=3600)
            sessions = make_sessionmaker(engine)
            with open_assistant(
                settings, sessions, today=lambda: day, planner=kind, retriever=retriever
            ) as assistant:
                yield EvalInstance(settings, assistant, retriever, corpus.properties, chunks)
        finally:
            engine.dispose()


def _ingest(corpus: Corpus, settings: Settings) -> int:
    """Ingest every document under its landlord's property code; `DatasetError` for the first that fails."""
    from ingest.pipeline import Filing, ingest_filings

    groups: dict[tuple[str | None, DocType], list[Path]] = defaultdict(list)
    for document in corpus.files:
        groups[(document.property_code, document.doc_type)].append(document.path)
    filings = [
        Filing(paths=paths, doc_type=doc_type, property_code=code)
        for (code, doc_type), paths in groups.items()
    ]
    report = ingest_filings(filings, settings=settings)
    if report.failed:
        first = report.failed[0]
        shown = _relative(Path(first.path), corpus.root)
        more = f" (and {len(report.failed) - 1} more)" if len(report.failed) > 1 else ""
        raise DatasetError(f"{shown}: cannot be ingested: {first.reason}{more}")
    return report.chunks


def _relative(path: Path, root: Path) -> str:
    try:
        return str(root.name / path.relative_to(root))
    except ValueError:
        return str(path)


def _seed_classifier(models: Path, cache_dir: Path | None) -> None:
    """The offline classifier from the eval cache (trained there on first use), copied into the instance."""
    from agents.offline import IntentClassifier
    from evals.conversations.environment import default_cache_dir

    cache = (cache_dir or default_cache_dir()) / "models"
    cache.mkdir(parents=True, exist_ok=True)
    IntentClassifier.load_or_train(cache)
    shutil.copytree(cache, models, dirs_exist_ok=True)


def ask_case(instance: EvalInstance, case: QACase) -> CaseResult:
    """Ask one question in a conversation of its own and score the reply and the retrieved passages."""
    scope = case.landlord if case.landlord in instance.properties else None
    if case.landlord is not None and scope is None:
        return CaseResult.skipped_case(case, f"no folder {case.landlord!r} in the documents")
    started = time.perf_counter()
    outcome = instance.assistant.respond(
        conversation_id=f"eval-documents-{uuid.uuid4().hex[:12]}",
        text=case.question,
        resident_id=None,
        property_code=scope,
        channel="cli",
    )
    seconds = time.perf_counter() - started
    passages = instance.retriever.retrieve(case.question, property_code=scope, k=K)
    reply = outcome.reply or ""
    rank = evidence_rank(case.evidence, passages) if case.evidence else None
    hit = None if not case.evidence else rank is not None
    return CaseResult(
        line=case.line,
        question=case.question,
        landlord=case.landlord or "*",
        kind=case.kind or "procedure",
        expected=case.answer,
        conflict_expected=case.conflict,
        reply=reply,
        retrieval_hit=hit,
        evidence_rank=rank,
        correct=answer_matches(case, reply, escalated=outcome.escalated),
        conflict_flagged=conflict_flagged(outcome),
        escalated=outcome.escalated,
        reason=outcome.reason,
        top_passage=_where(passages),
        ms=round(seconds * 1000, 1),
    )


def evidence_rank(evidence: str, passages: Sequence[Passage]) -> int | None:
    """Rank (from 1) of the first passage holding `evidence`; None when none does."""
    for rank, passage in enumerate(passages, 1):
        # A passage is its heading and its text: ingest sometimes takes a capitalised sentence for a heading.
        if evidence_found(evidence, [f"{passage.section}\n{passage.text}"]):
            return rank
    return None


def _where(passages: Sequence[object]) -> str:
    if not passages:
        return ""
    first = passages[0]
    title, section, page = (getattr(first, name, "") for name in ("title", "section", "page"))
    return f"{title}, {section or '-'}, p. {page}"
