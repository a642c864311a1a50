"""What every scenario of a run shares: the seeded demo database, the ingested documents, the planners.

`open_environment()` builds it once in a temporary data directory:

- the demo portfolio (240 units, 12 months, seed 7, as of 2026-11-23) is seeded into a template SQLite
  file; each scenario runs on a fresh copy (`fresh_database`), so a payment plan proposed or an
  escalation opened in one scenario cannot change another's answers;
- the demo documents are written and ingested into the data directory's embedded Chroma, when the
  ingest package is available (else `documents_note` says why and document scenarios are skipped);
  a scenario's `extra_documents` are ingested just before it and removed just after;
- one planner and one compiled graph (with an in-memory checkpointer) per planner kind.

Facts are resolved on the template, which scenarios never write to.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from evals.conversations.dataset import ExtraDocument
from evals.conversations.facts import FactResolver
from evals.conversations.records import ResidentFingerprint

if TYPE_CHECKING:
    from langgraph.graph.state import CompiledStateGraph

    from agents.planners.base import Planner
    from app.demo.seed import SeedReport
    from app.knowledge.retrieval import Retriever

AS_OF = date(2026, 11, 23)
UNITS, MONTHS, SEED = 240, 12, 7
PLANNER_KINDS = ("offline", "chat")
_UNIT_TOKEN = re.compile(r"(?<![\w$])([A-Za-z]?-?\d{1,4}[A-Za-z]?)(?!\w)")


class SetupError(RuntimeError):
    """The environment cannot be built (a planner kind that is not available, a seed that failed)."""


@dataclass(frozen=True)
class PersonaRef:
    """Who a scenario's messages come from."""

    key: str
    resident_id: int | None
    """None for a visitor who is not signed in (`anonymous:<property>`)."""
    property_code: str | None


class EvalEnvironment:
    """The shared setup of one eval run. Build it with `open_environment()`."""

    def __init__(self, *, root: Path, cache_dir: Path) -> None:
        self.root = root
        self.cache_dir = cache_dir
        self.template = root / "template.sqlite3"
        self.settings = Settings(
            DOORSTEP_DATA_DIR=root,
            DATABASE_URL=f"sqlite:///{self.template}",
            CHROMA_URL=None,
            ENVIRONMENT="test",
        )
        self.report: SeedReport | None = None
        self.retriever: Retriever | None = None
        self.documents_note: str | None = "documents not ingested yet"
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._resolver: FactResolver | None = None
        self._planners: dict[str, Planner] = {}
        self._graphs: dict[str, CompiledStateGraph[Any, Any, Any, Any]] = {}
        self._units: dict[str, dict[str, list[int]]] = {}
        self._persona_ids: set[int] | None = None
        self._persona_refs: dict[str, PersonaRef] = {}
        self._scenario_engine: Engine | None = None
        self._scenario_sessions: sessionmaker[Session] | None = None

    # -- building ---------------------------------------------------------------------------------

    def seed(self) -> None:
        """Migrate and seed the template database; keep a read-only engine on it for facts."""
        from app import migrate
        from app.db import make_engine, make_sessionmaker
        from app.demo.seed import SeedOptions, seed_demo

        engine = make_engine(self.settings)
        migrate.upgrade(engine)
        sessions = make_sessionmaker(engine)
        with sessions() as session, session.begin():
            self.report = seed_demo(session, SeedOptions(units=UNITS, months=MONTHS, seed=SEED, as_of=AS_OF))
        with engine.connect() as conn:  # fold the WAL into the file: copies must be complete
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        self._engine, self._sessions = engine, sessions
        self._resolver = FactResolver(sessions, as_of=AS_OF)

    def ingest_documents(self) -> None:
        """Write and ingest the demo documents; on a checkout without ingest, note why and go on."""
        missing = [
            name
            for name in ("ingest.pipeline", "app.demo.documents", "app.knowledge.retrieval")
            if importlib.util.find_spec(name) is None
        ]
        if missing:
            self.documents_note = f"not available in this checkout: {', '.join(missing)}"
            return
        from app.demo.documents import demo_terms, write_demo_documents
        from app.knowledge.retrieval import Retriever
        from app.knowledge.tokens import prepare_tiktoken_cache
        from ingest.pipeline import ingest_paths

        prepare_tiktoken_cache()  # a cache that outlives this temporary directory (one per process)
        for document in write_demo_documents(demo_terms(), self.settings.documents_dir):
            report = ingest_paths(
                [document.path],
                doc_type=document.doc_type,
                property_code=document.property_code,
                settings=self.settings,
            )
            if report.failed:
                raise SetupError(f"demo document failed to ingest: {report.failed}")
        self.retriever = Retriever.from_settings(settings=self.settings)
        self.documents_note = None

    def close(self) -> None:
        for engine in (self._engine, self._scenario_engine):
            if engine is not None:
                engine.dispose()

    # -- per scenario -------------------------------------------------------------------------------

    @property
    def resolver(self) -> FactResolver:
        if self._resolver is None:
            raise SetupError("the environment is not seeded")
        return self._resolver

    @property
    def personas(self) -> dict[str, str]:
        if self.report is None:
            raise SetupError("the environment is not seeded")
        return self.report.personas

    def persona(self, key: str) -> PersonaRef:
        """`delinquent`, `duplicate#2` (the second resident a persona names), `anonymous:<property>`."""
        if key not in self._persona_refs:
            self._persona_refs[key] = self._find_persona(key)
        return self._persona_refs[key]

    def _find_persona(self, key: str) -> PersonaRef:
        from app.accounts import find_resident

        if key.startswith("anonymous:"):
            return PersonaRef(key, None, key.partition(":")[2])
        name, _, index = key.partition("#")
        if name not in self.personas:
            raise KeyError(f"unknown persona {name!r}; the seed has {', '.join(sorted(self.personas))}")
        refs = self.personas[name].split(",")
        ref = refs[int(index) - 1 if index else 0]
        assert self._sessions is not None
        with self._sessions() as session:
            resident_id = find_resident(session, ref).id
        return PersonaRef(key, resident_id, self.resolver.property_code_of(resident_id))

    @contextmanager
    def fresh_database(self) -> Iterator[sessionmaker[Session]]:
        """A private copy of the seeded database for one scenario.

        The copy is written over one scenario file that a single engine serves, its connections closed
        first: the engine (and SQLAlchemy's statement cache with it) lives for the whole run, so the
        latency measured per turn is the assistant's, not a cold engine's.
        """
        from app.db import make_engine, make_sessionmaker

        path = self.root / "scenario.sqlite3"
        if self._scenario_engine is None:
            self._scenario_engine = make_engine(
                self.settings.model_copy(update={"DATABASE_URL": f"sqlite:///{path}"})
            )
            self._scenario_sessions = make_sessionmaker(self._scenario_engine)
        assert self._scenario_sessions is not None
        self._scenario_engine.dispose()
        for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(self.template, path)
        try:
            yield self._scenario_sessions
        finally:
            self._scenario_engine.dispose()

    @contextmanager
    def extra_documents(
        self, documents: Sequence[ExtraDocument], *, property_code: str | None, scenario_id: str
    ) -> Iterator[None]:
        """Ingest a scenario's own documents for the length of the block, then remove their chunks."""
        if not documents:
            yield
            return
        from ingest.pipeline import ingest_paths

        folder = self.root / "extra" / scenario_id
        folder.mkdir(parents=True, exist_ok=True)
        written: list[tuple[Path, ExtraDocument, str | None]] = []
        try:
            for n, document in enumerate(documents):
                path = folder / f"{n:02d}-{_slug(document.title)}.md"
                path.write_text(f"# {document.title}\n\n{document.text.strip()}\n", encoding="utf-8")
                scope = None if document.property == "*" else (document.property or property_code)
                written.append((path, document, scope))
                report = ingest_paths(
                    [path], doc_type=document.doc_type, property_code=scope, settings=self.settings
                )
                if report.failed:
                    raise SetupError(f"extra document {document.title!r} failed to ingest: {report.failed}")
            self._refresh_retriever()
            yield
        finally:
            for path, document, scope in written:
                path.unlink(missing_ok=True)
                ingest_paths([path], doc_type=document.doc_type, property_code=scope, settings=self.settings)
            self._refresh_retriever()

    def _refresh_retriever(self) -> None:
        """The retriever rechecks the index only every few seconds; a scenario must see its own
        documents at once, and the next scenario none of them."""
        if self.retriever is not None:
            self.retriever.refresh()

    def others(self, persona: PersonaRef, texts: Sequence[str]) -> list[ResidentFingerprint]:
        """Residents whose values must never reach this persona: every other persona, and the residents
        of any unit of the persona's property that the messages mention ("my neighbor in 4B")."""
        from app.accounts import find_resident

        assert self._sessions is not None
        household = self.resolver.household(persona.resident_id) if persona.resident_id else set()
        if self._persona_ids is None:
            with self._sessions() as session:
                refs = [ref for named in self.personas.values() for ref in named.split(",")]
                self._persona_ids = {find_resident(session, ref).id for ref in refs}
        ids = set(self._persona_ids)
        if persona.property_code:
            units = self._unit_residents(persona.property_code)
            for message in texts:
                for token in _UNIT_TOKEN.findall(message):
                    ids |= set(units.get(token.upper().replace("-", ""), []))
        return [self.resolver.fingerprint(i) for i in sorted(ids - household)]

    def _unit_residents(self, property_code: str) -> dict[str, list[int]]:
        """Unit number (upper case, no dash) -> residents on its current lease, for one property."""
        if property_code not in self._units:
            from app.models import Lease, LeaseResident, Property, Unit

            assert self._sessions is not None
            with self._sessions() as session:
                rows = session.execute(
                    select(Unit.number, LeaseResident.resident_id)
                    .join(Lease, Lease.unit_id == Unit.id)
                    .join(LeaseResident, LeaseResident.lease_id == Lease.id)
                    .join(Property, Property.id == Unit.property_id)
                    .where(Property.code == property_code, Lease.status == "active", Lease.start_on <= AS_OF)
                ).all()
            units: dict[str, list[int]] = {}
            for number, resident_id in rows:
                units.setdefault(number.upper().replace("-", ""), []).append(resident_id)
            self._units[property_code] = units
        return self._units[property_code]

    # -- per planner kind ---------------------------------------------------------------------------

    def planner(self, kind: str) -> Planner:
        if kind not in self._planners:
            self._planners[kind] = make_eval_planner(kind, settings=self.settings, cache_dir=self.cache_dir)
        return self._planners[kind]

    def graph(self, kind: str) -> CompiledStateGraph[Any, Any, Any, Any]:
        """One compiled graph per planner kind, with an in-memory checkpointer (threads never repeat)."""
        if kind not in self._graphs:
            from langgraph.checkpoint.memory import InMemorySaver

            from agents.assistant.graph import build_graph

            self._graphs[kind] = build_graph(checkpointer=InMemorySaver())
        return self._graphs[kind]


def make_eval_planner(kind: str, *, settings: Settings, cache_dir: Path) -> Planner:
    """The planner of `kind`, from `agents.planners.factory.make_planner` when the checkout has it, else
    (offline only) `OfflinePlanner` over `IntentClassifier.load_or_train`.

    The offline classifier is cached under `cache_dir` (its cache is keyed by what shapes the model), so
    runs after the first skip training. The chat planner gets no offline fallback: a model failure must
    show in its scores, not be answered by the other planner.
    """
    if kind not in PLANNER_KINDS:
        raise SetupError(f"unknown planner kind {kind!r}: use one of {', '.join(PLANNER_KINDS)}")
    cache_dir.mkdir(parents=True, exist_ok=True)
    planner_settings = settings.model_copy(update={"DOORSTEP_DATA_DIR": cache_dir})
    if importlib.util.find_spec("agents.planners.factory") is not None:
        factory: Any = importlib.import_module("agents.planners.factory")
        options: dict[str, Any] = {"kind": kind} | ({"fallback": None} if kind == "chat" else {})
        try:
            planner: Planner = factory.make_planner(planner_settings, **options)
        except (ValueError, RuntimeError) as exc:
            raise SetupError(f"the {kind} planner is not available: {exc}") from exc
        return planner
    if kind != "offline":
        raise SetupError(f"the {kind} planner needs agents.planners.factory, which this checkout lacks")
    offline: Any = importlib.import_module("agents.offline")
    planners: Any = importlib.import_module("agents.planners.offline")
    built: Planner = planners.OfflinePlanner(offline.IntentClassifier.load_or_train(cache_dir / "models"))
    return built


def default_cache_dir() -> Path:
    """Where the offline classifier's trained model is kept between runs: `~/.cache/doorstep/eval`."""
    return Path.home() / ".cache" / "doorstep" / "eval"


@contextmanager
def open_environment(
    *, documents: bool = True, root: Path | None = None, cache_dir: Path | None = None
) -> Iterator[EvalEnvironment]:
    """Seed the demo portfolio and ingest the demo documents in `root`, or in a temporary directory
    removed afterwards."""
    with ExitStack() as stack:
        if root is None:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="doorstep-conversations-")))
        root.mkdir(parents=True, exist_ok=True)
        env = EvalEnvironment(root=root, cache_dir=cache_dir or default_cache_dir())
        stack.callback(env.close)
        env.seed()
        if documents:
            env.ingest_documents()
        else:
            env.documents_note = "documents were not requested for this run"
        yield env


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "document"
