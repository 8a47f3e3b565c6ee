"""Crash safety on PostgreSQL: SIGKILL an import and an edit loop writing to the same server
database at seeded random moments, then check that nothing was left half-written.

After every kill: the import is all or nothing (none or all of its cases, and an import log row
exactly when they are there), the full-text index (the generated ``tsvector``) finds exactly
the stored cases, and every committed edit is in the edit log (a case's version is one plus its
logged updates; every created case has its entry). The server's own consistency is
PostgreSQL's; what is checked is disproof's use of transactions on it. The SQLite counterpart,
with backups and the saved match index, is ``tests/test_crash.py``.
"""

from __future__ import annotations

import random
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from disproof.models import CaseQuery
from disproof.service import Disproof
from disproof.settings import Settings
from tests import pg
from tests.crash_worker import IMPORT_BATCH
from tests.test_crash import IMPORT_CASES, Worker, write_cases

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgresql,
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)"),
]

BASE_CASES = 100
KILLS = 3
SEED = 20261202


@pytest.fixture(autouse=True)
def _no_worker_outlives_its_test() -> Iterator[None]:
    yield
    while Worker.started:
        worker = Worker.started.pop()
        if worker.process.poll() is None:
            worker.kill()


def check(service: Disproof, source: Path) -> tuple[int, int]:
    """The invariants after a kill; (cases of the import stored, committed edits)."""
    with service.store.engine.connect() as db:
        imported = db.scalar(sa.text("SELECT count(*) FROM cases WHERE id LIKE 'crash-%'"))
        assert imported in (0, IMPORT_CASES), "an import is all or nothing"
        logged = db.execute(
            sa.text("SELECT created FROM imports WHERE file = :f"), {"f": str(source)}
        ).all()
        assert [tuple(r) for r in logged] == ([(IMPORT_CASES,)] if imported else [])
        versions = dict(
            db.execute(sa.text("SELECT id, version FROM cases WHERE id NOT LIKE 'crash-%'")).all()
        )
        updates = Counter(
            db.scalars(sa.text("SELECT case_id FROM case_edits WHERE action = 'update'"))
        )
        created = set(db.scalars(sa.text("SELECT case_id FROM case_edits WHERE action = 'create'")))
        edits = int(db.scalar(sa.text("SELECT count(*) FROM case_edits")) or 0)
        marked = db.scalar(sa.text("SELECT count(*) FROM cases WHERE title LIKE '%editmark%'"))
    assert all(version == 1 + updates[cid] for cid, version in versions.items())
    assert created == {cid for cid in versions if cid.startswith("edit-new-")}
    assert service.search(CaseQuery(text="crashmark")).total == imported
    assert service.search(CaseQuery(text="editmark")).total == marked
    return int(imported or 0), edits


def test_sigkill_during_import_and_edits_on_postgresql(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    rng = random.Random(SEED)
    seed, source = tmp_path / "base.jsonl", tmp_path / "import.jsonl"
    write_cases(seed, "base", BASE_CASES, "basecase")
    write_cases(source, "crash", IMPORT_CASES, "crashmark")
    landed: Counter[str] = Counter()
    for _ in range(KILLS):
        db = pg.database(request, "postgresql", tmp_path / "unused")
        service = Disproof.open(Settings(db=db))
        service.import_file(seed)
        importer = Worker("import", db, source)
        editor = Worker("edits", db, BASE_CASES)
        importer.ready()
        editor.ready()
        importer.time_of(f"batch {IMPORT_BATCH}")  # the import's transaction is open
        time.sleep(rng.uniform(0.0, 6.0))  # the import takes seconds: some kills land after it
        importer.kill()
        editor.kill()
        imported, edits = check(service, source)
        landed["after commit" if imported else "inside the transaction"] += 1
        landed["edits"] += edits
        service.store.engine.dispose()
    print(f"\nPostgreSQL kills: {dict(landed)}")
