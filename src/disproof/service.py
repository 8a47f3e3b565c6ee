"""The use cases: what the CLI (and later the API and web pages) call. No presentation here."""

from __future__ import annotations

import os
import tempfile
from importlib import resources
from pathlib import Path
from typing import TextIO

from disproof import importing
from disproof.embed import Embedder, EmbedderUnavailable, load_embedder
from disproof.errors import DisproofError
from disproof.importing import ImportReport, Progress
from disproof.io import exporter
from disproof.match.calibration import calibration_for
from disproof.match.index import CaseIndex, build_index
from disproof.match.matcher import Matcher
from disproof.models import Case, CaseQuery, SearchPage, Stats
from disproof.narratives import builtin_taxonomy
from disproof.settings import Settings
from disproof.store import CaseStore, database_size, open_store
from disproof.store.corpus import CorpusStore
from disproof.text import Analyzer

DEMO_DATASET = "disproof-demo"


class Disproof:
    """One database and the operations on it."""

    def __init__(self, settings: Settings, store: CaseStore) -> None:
        self.settings = settings
        self.store = store

    @classmethod
    def open(cls, settings: Settings) -> Disproof:
        return cls(settings, open_store(settings))

    # -- cases -----------------------------------------------------------------------------------

    def get(self, case_id: str) -> Case:
        return self.store.get(case_id)

    def search(self, query: CaseQuery) -> SearchPage:
        return self.store.search(query)

    def stats(self, top: int = 15) -> Stats:
        return self.store.stats(top)

    def count(self) -> int:
        return self.store.count()

    def narrative_names(self) -> dict[str, str]:
        """Narrative id → name, from the shipped taxonomy."""
        return {n.id: n.name for n in builtin_taxonomy().narratives}

    def database_size(self) -> int | None:
        return database_size(self.settings)

    # -- import / export -------------------------------------------------------------------------

    def import_file(
        self,
        path: Path,
        fmt: str = "auto",
        *,
        skip_invalid: bool = False,
        reject_report: Path | None = None,
        progress: Progress | None = None,
    ) -> ImportReport:
        return importing.import_file(
            self.store,
            path,
            fmt,
            skip_invalid=skip_invalid,
            reject_report=reject_report,
            batch_size=self.settings.import_batch_size,
            progress=progress,
        )

    def export(self, out: TextIO, fmt: str = "jsonl") -> int:
        """Write every case, ordered by id, to an open text stream."""
        return int(exporter(fmt).write(self.store.iter_cases(), out))

    def export_to_path(self, path: Path, fmt: str = "jsonl") -> int:
        """Write every case to ``path`` atomically: a failed export leaves no half-written file."""
        write = exporter(fmt).write  # fail on an unknown format before touching the disk
        target = path.expanduser()
        if target.is_dir():
            raise DisproofError(f"{target} is a directory; give a file name")
        if not target.parent.exists():
            raise DisproofError(f"folder {target.parent} does not exist")
        handle = tempfile.NamedTemporaryFile(
            "w",
            encoding="utf-8",
            newline="",
            dir=target.parent,
            prefix=f".{target.name}.",
            delete=False,
        )
        try:
            with handle:
                count = int(write(self.store.iter_cases(), handle))
            os.replace(handle.name, target)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
        return count

    # -- matching --------------------------------------------------------------------------------

    def matcher(self, backend: str | None = None, progress: Progress | None = None) -> Matcher:
        """A matcher over the current cases; the index is loaded if current, else (re)built.

        Building encodes only cases whose text has no stored vector yet (``progress`` is called
        per batch); an interrupted build resumes where it stopped.
        """
        notes: list[str] = []
        embedder: Embedder | None
        try:
            embedder, notes = load_embedder(backend or self.settings.embedder)
        except EmbedderUnavailable as exc:
            embedder = None
            notes = [f"{exc}; matching with BM25 only"]
        corpus = CorpusStore(self.store.engine)
        model_id = embedder.model_id if embedder else None
        folder = self.settings.index_dir()
        fingerprint = corpus.fingerprint()
        analyzer = Analyzer()
        index = CaseIndex.load(folder, model_id, fingerprint) if folder else None
        if index is None:
            index = build_index(corpus, embedder, analyzer, progress=progress)
            if folder is not None:
                index.save(folder)
        calibration = calibration_for(model_id) if model_id else None
        if embedder is not None and calibration is None:
            notes.append(f"no calibration for {model_id}: matches are never 'confirmed'")
        return Matcher(index, corpus, embedder, calibration, analyzer, notes=notes)

    # -- demo ------------------------------------------------------------------------------------

    def load_demo(self) -> ImportReport:
        """Import the project's own demo cases (idempotent)."""
        source = resources.files("disproof.data.demo") / "cases.jsonl"
        text = source.read_text(encoding="utf-8")
        return importing.import_text(self.store, text, Path("disproof-demo/cases.jsonl"), "jsonl")

    def non_demo_count(self) -> int:
        total = self.store.count()
        demo = self.store.search(CaseQuery(dataset=DEMO_DATASET, limit=1)).total
        return total - demo
