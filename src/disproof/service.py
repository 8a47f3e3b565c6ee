"""The use cases: what the CLI (and later the API and web pages) call. No presentation here."""

from __future__ import annotations

import os
import tempfile
from importlib import resources
from pathlib import Path
from typing import TextIO

from disproof import importing
from disproof.errors import DisproofError
from disproof.importing import ImportReport, Progress
from disproof.io import exporter
from disproof.models import Case, CaseQuery, SearchPage, Stats
from disproof.narratives import builtin_taxonomy
from disproof.settings import Settings
from disproof.store import CaseStore, database_size, open_store

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
