"""The processes the crash tests start and SIGKILL: ``python -m tests.crash_worker KIND DB …``.

Each prints ``ready`` once its setup is done (the test's clock starts there), then works;
the import also prints ``batch N`` as each batch is written inside its transaction, and every
kind prints ``done`` when its work is committed. Imports are local: a backup worker need not
load what an import worker does.
"""

from __future__ import annotations

import sys
from pathlib import Path

from disproof.settings import Settings

#: Cases written per batch of the import (several batches make "mid-transaction" kills likely).
IMPORT_BATCH = 200


def say(line: str) -> None:
    print(line, flush=True)


def run_import(db: str, source: str) -> None:
    from disproof.service import Disproof

    service = Disproof.open(Settings(db=db, import_batch_size=IMPORT_BATCH))
    say("ready")
    service.import_file(Path(source), progress=lambda done, total: say(f"batch {done}"))
    say("done")


def run_edits(db: str, base_cases: str) -> None:
    """Forever: retitle a base case (three times in four) or create a case, one transaction each."""
    from disproof.models import CaseCreate, CaseUpdate
    from disproof.service import Disproof

    service = Disproof.open(Settings(db=db))
    ids = [f"base-{n:04d}" for n in range(int(base_cases))]
    say("ready")
    step = 0
    while True:
        if step % 4 == 3:
            new = CaseCreate(
                id=f"edit-new-{step}", title=f"New claim editmark {step}", summary="Added"
            )
            service.create_case(new, "crash-test")
        else:
            change = CaseUpdate(title=f"Edited claim editmark {step}")
            service.update_case(ids[step % len(ids)], change, "crash-test")
        step += 1


def run_backup(db: str, target: str) -> None:
    from disproof.store.backup import backup_database

    say("ready")
    backup_database(Path(db), Path(target))
    say("done")


def run_restore(db: str, source: str) -> None:
    from disproof.store.restore import restore_database

    say("ready")
    restore_database(Path(db), Path(source), force=True)
    say("done")


def run_server_backup(db: str, target: str) -> None:
    """``disproof backup`` of a server database: a verified SQLite copy, renamed into place."""
    from disproof.copying import backup_to_file

    say("ready")
    backup_to_file(Settings(db=db), Path(target))
    say("done")


def run_copy(source: str, target: str) -> None:
    """``disproof copy SOURCE TARGET`` (a restore into PostgreSQL is a copy back)."""
    from disproof.copying import copy_database

    started: list[str] = []

    def progress(table: str, done: int, total: int) -> None:
        if not started:  # once: the copy's transaction is open and writing rows
            started.append(table)
            say("copying")

    say("ready")
    copy_database(Settings(db=source), Settings(db=target), progress)
    say("done")


WORKERS = {
    "import": run_import,
    "edits": run_edits,
    "backup": run_backup,
    "restore": run_restore,
    "server-backup": run_server_backup,
    "copy": run_copy,
}

if __name__ == "__main__":
    kind, *args = sys.argv[1:]
    WORKERS[kind](*args)
