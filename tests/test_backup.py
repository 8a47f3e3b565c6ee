"""Backup and restore: online consistency, round trips, and refusals that leave the database be."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from alembic import command

from disproof.models import Case, CaseUpdate
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.store.backup import backup_database, check_database
from disproof.store.engine import _alembic_config, create_db_engine, head_revision
from disproof.store.restore import restore_database
from tests.fakes import add_cases

Cli = Any


def exported(service: Disproof) -> str:
    out = io.StringIO()
    service.export(out)
    return out.getvalue()


def a_case(number: int, text: str = "") -> Case:
    return Case(id=f"case-{number}", title=f"Claim {number} {text}", summary=f"Summary {number}")


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def revision_of(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return str(db.execute("SELECT version_num FROM alembic_version").fetchone()[0])


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """The CLI's database with the demo cases in it."""
    path = tmp_path / "cli.db"
    Disproof.open(Settings(db=str(path))).load_demo()
    return path


# -- backup -------------------------------------------------------------------------------------


def test_backup_writes_a_verified_copy_and_refuses_to_overwrite(
    cli: Cli, demo: Path, tmp_path: Path
) -> None:
    target = tmp_path / "copy.db"
    result = cli("backup", str(target), "--json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert summary["cases"] == 43 and summary["bytes"] == target.stat().st_size
    assert summary["revision"] == head_revision()
    assert integrity(target) == "ok"
    assert not list(tmp_path.glob(".copy.db.*")), "no staging file is left behind"

    again = cli("backup", str(target))
    assert again.code == 1 and "exists; pass --force" in again.err
    forced = cli("backup", str(target), "--force")
    assert forced.code == 0 and "backed up 43 cases" in forced.out
    assert cli("backup", str(demo), "--force").code == 1  # never over the database itself
    missing = cli("backup", str(tmp_path / "nowhere" / "copy.db"))
    assert missing.code == 1 and "does not exist" in missing.err


def test_backup_removes_what_a_killed_backup_left(demo: Path, tmp_path: Path) -> None:
    dead = tmp_path / ".copy.db.4194305-x1.partial"  # above Linux's largest pid: not running
    running = tmp_path / f".copy.db.{os.getpid()}-x2.partial"
    for path in (dead, running):
        path.write_bytes(b"half a copy")
    backup_database(demo, tmp_path / "copy.db")
    assert running.exists() and (os.name != "posix" or not dead.exists())


def test_backup_of_a_server_database_points_to_its_own_tools(cli: Cli, tmp_path: Path) -> None:
    result = cli("--db", "mysql://user:secret@localhost/cases", "backup", "x.db")
    assert result.code == 1 and "pg_dump" in result.err and "secret" not in result.err
    assert not (tmp_path / "x.db").exists()
    # PostgreSQL is backed up as an SQLite copy (tests/test_copy.py); a server not there:
    result = cli("--db", "postgresql://user:secret@127.0.0.1:9/cases", "backup", "x.db")
    assert result.code == 1 and "cannot open" in result.err and "secret" not in result.err
    assert not [p for p in tmp_path.iterdir() if "x.db" in p.name]  # no staging file either


def test_backup_is_consistent_while_another_thread_writes(
    service: Disproof, tmp_path: Path
) -> None:
    """Cases are written seven per transaction: a backup must hold a multiple of seven."""
    add_cases(service, *(a_case(n) for n in range(700)))
    committed = [service.count()]
    stop = threading.Event()

    def write() -> None:
        batch = 0
        while not stop.is_set():
            add_cases(service, *(a_case(10_000 + batch * 7 + n, "late") for n in range(7)))
            committed.append(service.count())
            batch += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(committed) < 3:  # the writer is under way before the first copy
            stop.wait(0.01)
        db = Path(service.settings.db)
        copies = [backup_database(db, tmp_path / f"online-{n}.db") for n in range(3)]
    finally:
        stop.set()
        writer.join()
    assert len(committed) > 3
    for copy in copies:
        assert check_database(copy.path, copy.path).cases == copy.cases
        assert copy.cases in committed and copy.cases % 7 == 0


# -- restore ------------------------------------------------------------------------------------


def test_restore_brings_back_the_exported_cases(cli: Cli, demo: Path, tmp_path: Path) -> None:
    settings = Settings(db=str(demo))
    service = Disproof.open(settings)  # stays open, like a running server
    at_backup = exported(service)
    assert cli("backup", str(tmp_path / "b.db")).code == 0

    add_cases(service, a_case(1))
    first = service.count()
    service.update_case("demo-maidan-us-five-billion", CaseUpdate(title="Edited"), "tester")
    service.delete_case(next(service.store.iter_cases()).id, "tester")
    changed = exported(service)
    index = settings.index_dir()
    assert index is not None
    index.mkdir()
    (index / "meta.json").write_text("{}", encoding="utf-8")

    refused = cli("restore", str(tmp_path / "b.db"))
    assert refused.code == 1 and f"holds {first - 1} cases" in refused.err
    result = cli("restore", str(tmp_path / "b.db"), "--force")
    assert result.code == 0, result.err
    assert "restored 43 cases" in result.out and "rebuilt on next use" in result.out
    assert exported(service) == at_backup  # the open service sees the restored database
    assert exported(Disproof.open(settings)) == at_backup
    assert not index.exists()
    [previous] = tmp_path.glob("cli.db.before-restore-*")
    assert exported(Disproof.open(Settings(db=str(previous)))) == changed
    assert integrity(demo) == "ok" and not list(tmp_path.glob(".cli.db.*"))


def test_restore_into_a_new_or_empty_database_needs_no_force(
    service: Disproof, tmp_path: Path
) -> None:
    add_cases(service, a_case(1), a_case(2))
    backup = backup_database(Path(service.settings.db), tmp_path / "b.db").path
    fresh = tmp_path / "sub" / "new.db"
    summary = restore_database(fresh, backup)
    assert (summary.cases, summary.previous) == (2, None)
    empty = tmp_path / "empty.db"
    Disproof.open(Settings(db=str(empty)))
    summary = restore_database(empty, backup)
    assert summary.cases == 2 and summary.previous is not None and summary.previous.exists()


def test_restore_migrates_an_older_backup(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    engine = create_db_engine(f"sqlite:///{old}")
    config = _alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.exec_driver_sql(
            "INSERT INTO cases (id, title, summary, disproof, appearance_count, doc, "
            "content_hash, version, created_at, updated_at) VALUES ('old-1', 'Old claim', '', "
            '\'\', 0, \'{"id": "old-1", "title": "Old claim"}\', \'x\', 1, '
            "'2020-01-01 00:00:00', '2020-01-01 00:00:00')"
        )
        connection.commit()
    engine.dispose()
    target = tmp_path / "restored.db"
    summary = restore_database(target, old)
    assert (summary.revision_from, summary.revision) == ("0001", head_revision())
    assert revision_of(target) == head_revision() and revision_of(old) == "0001"
    assert Disproof.open(Settings(db=str(target))).get("old-1").title == "Old claim"


def test_restore_adapts_a_backup_of_another_page_size(service: Disproof, tmp_path: Path) -> None:
    add_cases(service, a_case(1))
    backup = backup_database(Path(service.settings.db), tmp_path / "b.db").path
    with sqlite3.connect(backup, isolation_level=None) as db:
        db.execute("PRAGMA page_size=8192")
        db.execute("VACUUM")
    add_cases(service, a_case(2))
    restore_database(Path(service.settings.db), backup, force=True)
    assert service.count() == 1


def test_restore_over_an_unreadable_database_moves_it_aside(
    service: Disproof, tmp_path: Path
) -> None:
    add_cases(service, a_case(1))
    backup = backup_database(Path(service.settings.db), tmp_path / "b.db").path
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database at all" * 100)
    with pytest.raises(Exception, match="cannot be read; pass --force"):
        restore_database(broken, backup)
    summary = restore_database(broken, backup, force=True)
    assert summary.cases == 1 and summary.previous is not None
    assert summary.previous.read_bytes() == b"not a database at all" * 100


def _broken_backups(good: Path, folder: Path) -> dict[str, tuple[Path, str]]:
    """Files restore must refuse, each with the words its message must contain."""
    data = good.read_bytes()
    cases: dict[str, tuple[Path, str]] = {}

    def write(name: str, content: bytes, words: str) -> None:
        path = folder / name
        path.write_bytes(content)
        cases[name] = (path, words)

    write("garbage.db", b"\x00\xffnot sqlite" * 500, "is not an SQLite database")
    write("empty.db", b"", "is not an SQLite database")
    write("truncated.db", data[: len(data) // 2], "is corrupt")
    middle = len(data) // 2
    write("scribbled.db", data[:middle] + b"\xde\xad" * 4096 + data[middle + 8192 :], "corrupt")
    foreign = folder / "foreign.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE notes (body TEXT)")
    cases["foreign.db"] = (foreign, "not a disproof database")
    newer = folder / "newer.db"
    newer.write_bytes(data)
    with sqlite3.connect(newer) as db:
        db.execute("UPDATE alembic_version SET version_num = '9999'")
    cases["newer.db"] = (newer, "newer disproof")
    cases["missing.db"] = (folder / "missing.db", "does not exist")
    return cases


def test_restore_refuses_broken_and_foreign_files_and_changes_nothing(
    cli: Cli, demo: Path, tmp_path: Path
) -> None:
    good = tmp_path / "good.db"
    assert cli("backup", str(good)).code == 0
    before = exported(Disproof.open(Settings(db=str(demo))))
    for name, (path, words) in _broken_backups(good, tmp_path).items():
        result = cli("restore", str(path), "--force")
        assert result.code == 1, name
        assert words in result.err and str(path) in result.err.replace("\n", ""), result.err
        assert "Traceback" not in result.err
    assert exported(Disproof.open(Settings(db=str(demo)))) == before
    assert not list(tmp_path.glob("cli.db.before-restore-*"))
    assert not list(tmp_path.glob(".cli.db.*"))
