"""Crash safety: SIGKILL an import, an edit loop, a backup and a restore at seeded random moments,
then check that nothing was left half-written.

After every kill: ``PRAGMA integrity_check`` is ok, no foreign key dangles, the FTS5 index agrees
with the cases, the import is all-or-nothing (none or all of its cases, and an import log row
exactly when they are there), every committed edit is in the edit log (a case's version is one
plus its logged updates), the saved match index is refused exactly when the cases changed, and a
rebuild re-encodes exactly the new and changed case texts. A killed backup leaves its target
absent or complete and valid; a killed restore leaves the old or the restored database.

The figures (kill points, where they landed) are printed; run with ``-s`` to see them.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from disproof.match.index import CaseIndex, build_index
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.store.backup import backup_database, check_database
from disproof.store.corpus import CorpusStore
from disproof.store.engine import create_db_engine
from disproof.text import Analyzer
from tests.crash_worker import IMPORT_BATCH
from tests.fakes import FakeEmbedder

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)"),
]

ROOT = Path(__file__).resolve().parents[1]
BASE_CASES = 200
IMPORT_CASES = 2000
IMPORT_KILLS = 4
BACKUP_KILLS = 3
RESTORE_KILLS = 2
SEED = 20241127


def _child_env() -> dict[str, str]:
    """This environment, with the repository root (for ``tests``) and absolute PYTHONPATH."""
    inherited = [
        str(Path(p).absolute()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
    ]
    return os.environ | {"PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, inherited)])}


class Worker:
    """A ``tests.crash_worker`` process; ``ready`` blocks until its setup is done."""

    started: list[Worker] = []

    def __init__(self, kind: str, *args: object) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.crash_worker", kind, *map(str, args)],
            cwd=ROOT,
            env=_child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.seen: list[str] = []  # lines read so far
        Worker.started.append(self)

    def ready(self) -> None:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            self.process.wait()
            pytest.fail(f"worker did not start: {self._rest()[1]}")

    def _rest(self) -> tuple[str, str]:
        assert self.process.stdout is not None and self.process.stderr is not None
        return self.process.stdout.read(), self.process.stderr.read()

    def time_of(self, wanted: str) -> float:
        """Read output until the line ``wanted``; when it came (monotonic clock)."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.seen.append(line)
            if line.strip() == wanted:
                return time.monotonic()
        pytest.fail(f"the worker never printed {wanted!r}")

    def finish(self, timeout: float = 120) -> str:
        code = self.process.wait(timeout)
        out, err = self._rest()
        assert code == 0, err
        return out

    def kill(self) -> str:
        """SIGKILL the worker; everything it printed."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        return "".join(self.seen) + self._rest()[0]


def write_cases(path: Path, prefix: str, count: int, marker: str) -> None:
    """``count`` realistic cases (the demo cases, renamed), each title carrying ``marker``."""
    demo = resources.files("disproof.data.demo") / "cases.jsonl"
    records = [json.loads(line) for line in demo.read_text(encoding="utf-8").splitlines() if line]
    with path.open("w", encoding="utf-8") as out:
        for number in range(count):
            record = dict(records[number % len(records)])
            record["id"] = f"{prefix}-{number:04d}"
            record["title"] = f"{record['title']} {marker} {number}"
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


@pytest.fixture(autouse=True)
def _no_worker_outlives_its_test() -> Iterator[None]:
    yield
    while Worker.started:
        worker = Worker.started.pop()
        if worker.process.poll() is None:
            worker.kill()


@dataclass(frozen=True)
class Base:
    db: Path  # BASE_CASES cases and their saved match index
    source: Path  # IMPORT_CASES new cases to import
    big: Path  # the base with the import done


def copy_db(source: Path, target: Path, *, index: bool = True) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    saved = Settings(db=str(source)).index_dir()
    if index and saved is not None and saved.exists():
        shutil.copytree(saved, Path(f"{target}.index"))
    return target


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    folder = tmp_path_factory.mktemp("crash-base")
    db, seed, source = folder / "base.db", folder / "base.jsonl", folder / "import.jsonl"
    write_cases(seed, "base", BASE_CASES, "basecase")
    write_cases(source, "crash", IMPORT_CASES, "crashmark")
    service = Disproof.open(Settings(db=str(db)))
    service.import_file(seed)
    index = build_index(CorpusStore(service.store.engine), FakeEmbedder(), Analyzer())
    index.save(Path(f"{db}.index"))
    service.store.engine.dispose()  # the last connection folds the WAL back into the file
    big = copy_db(db, folder / "big.db", index=False)
    bigger = Disproof.open(Settings(db=str(big)))
    bigger.import_file(source)
    bigger.store.engine.dispose()
    assert not Path(f"{db}-wal").exists() and not Path(f"{big}-wal").exists()
    return Base(db, source, big)


# -- what must hold after a kill ----------------------------------------------------------------


@dataclass(frozen=True)
class Observed:
    imported: int  # cases of the import file present
    edits: int  # committed edits (case_edits rows)
    created: int  # cases the edit loop created
    retitled: int  # base cases the edit loop changed


def scalar(db: sqlite3.Connection, sql: str) -> Any:
    return db.execute(sql).fetchone()[0]


def check_database_file(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        db.execute("INSERT INTO cases_fts(cases_fts, rank) VALUES ('integrity-check', 1)")


def check_store(path: Path, source: Path) -> Observed:
    check_database_file(path)
    with closing(sqlite3.connect(path)) as db:
        imported = scalar(db, "SELECT count(*) FROM cases WHERE id LIKE 'crash-%'")
        assert imported in (0, IMPORT_CASES), "an import is all or nothing"
        logged = db.execute("SELECT created FROM imports WHERE file = ?", (str(source),)).fetchall()
        assert logged == ([(IMPORT_CASES,)] if imported else [])
        found = "SELECT count(*) FROM cases_fts WHERE cases_fts MATCH '{}'"
        assert scalar(db, found.format("crashmark")) == imported
        versions = dict(db.execute("SELECT id, version FROM cases WHERE id NOT LIKE 'crash-%'"))
        updates = Counter(
            row[0] for row in db.execute("SELECT case_id FROM case_edits WHERE action = 'update'")
        )
        assert all(version == 1 + updates[cid] for cid, version in versions.items())
        created = {
            row[0] for row in db.execute("SELECT case_id FROM case_edits WHERE action = 'create'")
        }
        assert created == {cid for cid in versions if cid.startswith("edit-new-")}
        marked = scalar(db, "SELECT count(*) FROM cases WHERE title LIKE '%editmark%'")
        assert scalar(db, found.format("editmark")) == marked
        edits = scalar(db, "SELECT count(*) FROM case_edits")
    assert Disproof.open(Settings(db=str(path))).count() == BASE_CASES + imported + len(created)
    return Observed(imported, edits, len(created), sum(1 for c in updates if c.startswith("base-")))


def check_index(path: Path, observed: Observed, *, rebuild: bool) -> None:
    """The saved index is refused exactly when the cases changed; a rebuild encodes exactly the
    new and changed texts (vectors of unchanged cases are reused) and is then accepted."""
    settings = Settings(db=str(path))
    folder = settings.index_dir()
    assert folder is not None
    engine = create_db_engine(settings.database_url())
    try:
        corpus = CorpusStore(engine)
        saved = CaseIndex.load(folder, FakeEmbedder.model_id, corpus.fingerprint())
        assert (saved is None) == bool(observed.imported or observed.edits)
        if rebuild:
            embedder = FakeEmbedder()
            build_index(corpus, embedder, Analyzer()).save(folder)
            new_cases = observed.imported + observed.created
            # a new case's title and summary are encoded once each — once in all when they are
            # the same text (a title-only case indexes its title in both fields)
            changed = new_cases + observed.retitled
            assert changed <= embedder.encoded <= new_cases + changed
            reloaded = CaseIndex.load(folder, FakeEmbedder.model_id, corpus.fingerprint())
            assert reloaded is not None and len(reloaded) == BASE_CASES + new_cases
    finally:
        engine.dispose()


def landed(output: str, observed: Observed) -> str:
    """Where in the import a kill landed, from what the worker printed and what was stored."""
    if observed.imported:
        return "after commit"
    if "batch" in output:
        return "inside the transaction"
    return "before writing"


# -- the tests ----------------------------------------------------------------------------------


def test_sigkill_during_import_and_edits(base: Base, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    figures: Counter[str] = Counter()

    # a full run first: the import completes alongside the edit loop, and its timing scales
    # the kill delays
    live = copy_db(base.db, tmp_path / "round-0" / "live.db")
    importer, editor = Worker("import", live, base.source), Worker("edits", live, BASE_CASES)
    importer.ready()
    editor.ready()
    started = time.monotonic()
    first_batch = importer.time_of(f"batch {IMPORT_BATCH}")
    assert "done" in importer.finish()
    duration = time.monotonic() - started
    batch_seconds = (started + duration - first_batch) / (IMPORT_CASES // IMPORT_BATCH)
    editor.kill()
    observed = check_store(live, base.source)
    assert observed.imported == IMPORT_CASES and observed.edits > 0
    check_index(live, observed, rebuild=False)
    figures["kill points"] += 1
    figures["edits committed"] += observed.edits

    for round_ in range(1, IMPORT_KILLS + 1):
        live = copy_db(base.db, tmp_path / f"round-{round_}" / "live.db")
        importer, editor = Worker("import", live, base.source), Worker("edits", live, BASE_CASES)
        importer.ready()
        editor.ready()
        if round_ < IMPORT_KILLS:  # inside the transaction: after a random batch, plus up to
            batch = rng.randint(1, IMPORT_CASES // IMPORT_BATCH)  # the time of one more batch
            importer.time_of(f"batch {batch * IMPORT_BATCH}")
            time.sleep(rng.uniform(0.0, batch_seconds))
        else:  # anywhere from the start to a little after the end
            time.sleep(rng.uniform(0.0, 1.1 * duration))
        output = importer.kill()
        editor.kill()
        observed = check_store(live, base.source)
        check_index(live, observed, rebuild=not observed.imported)
        figures["kill points"] += 2
        figures[f"import killed {landed(output, observed)}"] += 1
        figures["edits committed"] += observed.edits
        figures["index rebuilt and checked"] += not observed.imported
    figures["integrity failures"] += 0  # any failure above would have failed the test
    print(f"\ncrash figures (import + edits, import {duration:.1f} s): {json.dumps(figures)}")


def test_sigkill_during_backup_and_restore(base: Base, tmp_path: Path) -> None:
    rng = random.Random(SEED + 1)
    figures: Counter[str] = Counter()
    total = BASE_CASES + IMPORT_CASES

    control = tmp_path / "control.db"
    worker = Worker("backup", base.big, control)
    worker.ready()
    started = time.monotonic()
    worker.finish()
    backup_seconds = time.monotonic() - started
    assert check_database(control, control).cases == total

    for round_ in range(BACKUP_KILLS):
        target = tmp_path / f"backup-{round_}.db"
        worker = Worker("backup", base.big, target)
        worker.ready()
        time.sleep(rng.uniform(0.0, 1.2) * backup_seconds)
        worker.kill()
        if target.exists():
            assert check_database(target, target).cases == total
            figures["backup target complete"] += 1
        else:
            figures["backup target absent"] += 1
        leftovers = list(tmp_path.glob(f".{target.name}.*"))
        figures["staging files left"] += len(leftovers)
        figures["kill points"] += 1
        if leftovers:  # the next backup to that name clears what the killed one left
            backup_database(base.big, target, force=True)
            assert not any(path.exists() for path in leftovers)

    live = copy_db(base.db, tmp_path / "restore-0" / "live.db", index=False)
    worker = Worker("restore", live, control)
    worker.ready()
    started = time.monotonic()
    worker.finish()
    restore_seconds = time.monotonic() - started
    assert check_database(live, live).cases == total

    for round_ in range(1, RESTORE_KILLS + 1):
        live = copy_db(base.db, tmp_path / f"restore-{round_}" / "live.db", index=False)
        worker = Worker("restore", live, control)
        worker.ready()
        time.sleep(rng.uniform(0.1, 0.7) * restore_seconds)
        worker.kill()
        check_database_file(live)
        cases = check_database(live, live).cases
        assert cases in (BASE_CASES, total)
        figures["restore left " + ("the restored" if cases == total else "the old")] += 1
        for previous in live.parent.glob("live.db.before-restore-*"):
            assert check_database(previous, previous).cases == BASE_CASES
        figures["kill points"] += 1
    print(
        f"\ncrash figures (backup {backup_seconds:.2f} s, restore {restore_seconds:.2f} s): "
        f"{json.dumps(figures)}"
    )
