"""Operator slips (issue 15, item 5): `disproof export` and `disproof backup` never write onto
the database or any of its files, however the path is spelled, and `export` does not replace
an existing file without --force."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from disproof.store.backup import SQLITE_HEADER
from tests.conftest import CliResult

Cli = Any
DB = "cli.db"  # the cli fixture's database, in the test's working folder

PROTECTED = [
    DB,
    f"{DB}-wal",
    f"{DB}-shm",
    f"{DB}-journal",
    f"{DB}.index",
    f"{DB}.index/cases.jsonl",
    f"{DB}.keywords",
    f"{DB}.keywords/meta.json",
    f"{DB}.narratives/model.jsonl",  # any model folder beside the database
    f"./sub/../{DB}",
    f"sub/../{DB}-wal",
    "link-to-db",
    "link-to-wal",
    "sub/link-to-folder/x.jsonl",
    "hard-link-to-db",
]


@pytest.fixture
def database(cli: Cli, tmp_path: Path) -> Path:
    run = cli
    cases = tmp_path / "cases.jsonl"
    line = '{"id": "a", "title": "A claim", "summary": "The claim.", "date": "2024-01-02"}\n'
    cases.write_text(line, encoding="utf-8")
    assert run("import", str(cases)).code == 0
    cases.unlink()
    db = tmp_path / DB
    (tmp_path / "sub").mkdir()
    (tmp_path / f"{DB}.index").mkdir(exist_ok=True)
    (tmp_path / f"{DB}.narratives").mkdir()
    for sidecar in ("-wal", "-shm"):
        Path(f"{db}{sidecar}").touch()
    (tmp_path / "link-to-db").symlink_to(db)
    (tmp_path / "link-to-wal").symlink_to(f"{db}-wal")
    (tmp_path / "sub" / "link-to-folder").symlink_to(tmp_path / f"{DB}.index")
    os.link(db, tmp_path / "hard-link-to-db")
    return db


LIVE = {DB, f"{DB}-wal", f"{DB}-shm", "hard-link-to-db"}  # opening the database changes these
WAL_MAGIC = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file and folder but those SQLite changes itself, with their content."""
    return {
        name: None if p.is_dir() else p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if not p.is_symlink() and (name := str(p.relative_to(folder))) not in LIVE
    }


def _live_files_are_sound(db: Path) -> None:
    assert db.read_bytes().startswith(SQLITE_HEADER)
    wal = Path(f"{db}-wal").read_bytes() if Path(f"{db}-wal").exists() else b""
    assert not wal or wal.startswith(WAL_MAGIC)  # not JSONL, not a database copy


def _one_line_refusal(result: CliResult, target: str) -> None:
    assert result.code == 1, result
    message = result.err.strip()
    assert message.startswith("error:") and "refusing to" in message, message
    assert target.rstrip("/").split("/")[-1] in message
    assert "Traceback" not in result.err


@pytest.mark.parametrize("target", PROTECTED)
@pytest.mark.parametrize("command", ["export", "backup"])
def test_export_and_backup_refuse_the_database_and_its_files(
    cli: Cli, database: Path, command: str, target: str
) -> None:
    run = cli
    before = _snapshot(database.parent)
    result = run(command, target, "--force")
    _one_line_refusal(result, target)
    assert _snapshot(database.parent) == before  # nothing written, nothing replaced
    _live_files_are_sound(database)
    assert run("stats", "--json").code == 0


def test_export_refuses_an_existing_file_without_force(cli: Cli, database: Path) -> None:
    run = cli
    out = database.parent / "cases.jsonl"
    out.write_text("keep me\n", encoding="utf-8")
    refused = run("export", str(out))
    assert refused.code == 1
    assert refused.err.strip() == f"error: {out} exists; pass --force to overwrite it"
    assert out.read_text(encoding="utf-8") == "keep me\n"
    assert run("export", str(out), "--force").code == 0
    assert out.read_text(encoding="utf-8").startswith('{"id"')


@pytest.mark.parametrize("name", [f"{DB}.bak", f"{DB}-2026-12-01", "cases.db.jsonl"])
def test_names_that_only_look_like_the_database_are_fine(
    cli: Cli, database: Path, name: str
) -> None:
    run = cli
    assert run("backup", name).code == 0
    assert run("export", f"{name}.jsonl").code == 0
    assert (database.parent / name).read_bytes().startswith(SQLITE_HEADER)
