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

from disproof.copying import backup_to_file
from disproof.models import CaseQuery
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.store.backup import check_database
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
#: Kills of a backup, and of a copy back, per run (each costs a whole backup or copy).
BACKUP_KILLS = 2
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


def test_sigkill_during_backup_and_copy_back_on_postgresql(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A backup of a PostgreSQL database killed at random moments leaves its target complete
    and verified or absent (what it staged is cleared by the next backup to that name); a
    copy back into an empty PostgreSQL database (how such a backup is restored) killed at
    random moments leaves that database empty, never half-filled, and can simply be re-run."""
    rng = random.Random(SEED + 2)
    seed = tmp_path / "base.jsonl"
    write_cases(seed, "base", BASE_CASES + IMPORT_CASES, "basecase")
    db = pg.database(request, "postgresql", tmp_path / "unused")
    Disproof.open(Settings(db=db)).import_file(seed)
    total = BASE_CASES + IMPORT_CASES
    figures: Counter[str] = Counter()

    control = tmp_path / "control.db"
    worker = Worker("server-backup", db, control)
    worker.ready()
    started = time.monotonic()
    worker.finish()
    backup_seconds = time.monotonic() - started
    assert check_database(control, control).cases == total
    for round_ in range(BACKUP_KILLS):
        target = tmp_path / f"backup-{round_}.db"
        worker = Worker("server-backup", db, target)
        worker.ready()
        time.sleep(rng.uniform(0.0, 1.2) * backup_seconds)
        worker.kill()
        if target.exists():
            assert check_database(target, target).cases == total
            figures["backup complete"] += 1
        else:
            figures["backup absent"] += 1
        leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(f".{target.name}")]
        figures["staging files left"] += len(leftovers)
        if leftovers:
            backup_to_file(Settings(db=db), target, force=True)
            assert check_database(target, target).cases == total
            assert not any(path.exists() for path in leftovers)

    copy_seconds = 0.0
    for round_ in range(BACKUP_KILLS + 1):
        empty = pg.database(request, "postgresql", tmp_path / "unused")
        worker = Worker("copy", str(control), empty)
        worker.ready()
        started = worker.time_of("copying")  # rows are being written
        if round_ == 0:  # a whole copy first: how long its writing takes
            worker.finish()
            copy_seconds = time.monotonic() - started
        else:
            time.sleep(rng.uniform(0.0, 1.2) * copy_seconds)
            worker.kill()
        restored = Disproof.open(Settings(db=empty))
        count = restored.count()
        assert count in (0, total), "a copy is all or nothing"
        figures["copy " + ("complete" if count == total else "left nothing")] += 1
        if count == 0 and round_:  # re-run: the empty target takes the whole copy
            rerun = Worker("copy", str(control), empty)
            rerun.ready()
            rerun.finish()
            assert restored.count() == total
        assert restored.search(CaseQuery(text="basecase")).total == total
        restored.store.engine.dispose()
    print(
        f"\nPostgreSQL backup/copy kills (backup {backup_seconds:.1f} s, copy "
        f"{copy_seconds:.1f} s): {dict(figures)}"
    )
