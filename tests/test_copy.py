"""`disproof copy`: a whole database into an empty one, SQLite → PostgreSQL → SQLite on the
session's real PostgreSQL server; every table, verified, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from disproof.auth import Role
from disproof.copying import copy_database
from disproof.errors import DisproofError
from disproof.history import Actor
from disproof.models import CaseCreate, CaseQuery, CaseUpdate
from disproof.service import Disproof
from disproof.sessions import SessionStore
from disproof.settings import Settings
from disproof.store import transfer
from tests import pg

pytestmark = pytest.mark.postgresql

ANN = Actor("ann", "editor")


def _fill(service: Disproof, tmp_path: Path) -> None:
    """Rows in every table: imported and edited cases (history), a deleted one, tokens, a web
    session, the match index's vectors, the import log."""
    rows = [
        {"id": f"c{i}", "title": f"Claim {i} über Biolabs", "summary": f"Summary {i}",
         "keywords": ["Biolabs", f"K{i % 3}"], "countries": ["UA"], "date": f"2024-0{i % 9 + 1}-01"}
        for i in range(12)
    ]  # fmt: skip
    source = tmp_path / "cases.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    service.import_file(source)
    service.create_case(CaseCreate.model_validate({"id": "new", "title": "Névtelen"}), ANN)
    service.update_case("c1", CaseUpdate.model_validate({"summary": "Changed"}), ANN)
    service.delete_case("c2", ANN)
    token = service.tokens.create("desk", Role.editor)
    service.tokens.create("gone", Role.viewer)
    service.tokens.revoke("gone")
    SessionStore.from_settings(service.store.engine, service.tokens, service.settings).open(token)
    service.matcher()  # vectors of the fake embedder


def _pg(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return Settings(db=pg.database(request, "postgresql", tmp_path / "unused"))


def _rows(settings: Settings) -> dict[str, int]:
    engine = sa.create_engine(settings.database_url())
    try:
        with engine.connect() as connection:
            return transfer.counts(connection)
    finally:
        engine.dispose()


def test_sqlite_to_postgresql_and_back_copies_every_table(
    service: Disproof, tmp_path: Path, request: pytest.FixtureRequest, fake_matching: object
) -> None:
    _fill(service, tmp_path)
    source = service.settings
    before = _rows(source)
    assert all(before.values()), before  # the test fills every table
    server = _pg(request, tmp_path)
    seen: list[tuple[str, int, int]] = []
    summary = copy_database(source, server, lambda *step: seen.append(step))
    assert summary.rows == before == _rows(server) and summary.export_bytes > 1000
    assert ("cases", before["cases"], before["cases"]) in seen

    back = Settings(db=str(tmp_path / "back.db"))
    assert copy_database(server, back).rows == before
    for settings in (server, back):  # the copies work: search, tokens, history, new keys
        copy = Disproof.open(settings)
        assert copy.search(CaseQuery(text="uber biolabs")).total == 11
        assert copy.history("c2").entries[0].action == "delete"
        assert {t.name for t in copy.tokens.list()} >= {"desk", "gone"}
        copy.create_case(CaseCreate.model_validate({"id": "after", "title": "A"}), ANN)
        assert copy.get("after").title == "A"
        copy.store.engine.dispose()


def test_a_target_with_data_is_refused_and_left_alone(
    service: Disproof, tmp_path: Path, request: pytest.FixtureRequest, fake_matching: object
) -> None:
    _fill(service, tmp_path)
    server = _pg(request, tmp_path)
    target = Disproof.open(server)
    target.create_case(CaseCreate.model_validate({"id": "mine", "title": "Mine"}), ANN)
    before = _rows(server)
    with pytest.raises(DisproofError, match=r"not empty \(1 rows in cases"):
        copy_database(service.settings, server)
    assert _rows(server) == before
    with pytest.raises(DisproofError, match="same database"):
        copy_database(service.settings, service.settings)
    with pytest.raises(DisproofError, match="no database at"):
        copy_database(Settings(db=str(tmp_path / "missing.db")), server)


def test_a_copy_failing_halfway_writes_nothing(
    service: Disproof,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    fake_matching: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fill(service, tmp_path)
    server = _pg(request, tmp_path)
    real = transfer.copy_table

    def failing(source: Any, target: Any, table: sa.Table, *rest: Any) -> int:
        if table.name == "case_edits":  # after cases, terms, vectors, tokens, sessions
            raise sa.exc.OperationalError("INSERT …", {}, Exception("the connection dropped"))
        return real(source, target, table, *rest)

    monkeypatch.setattr(transfer, "copy_table", failing)
    with pytest.raises(DisproofError, match="nothing was written: the connection dropped"):
        copy_database(service.settings, server)
    assert not any(n for table, n in _rows(server).items() if table != "store_meta")
    monkeypatch.setattr(transfer, "copy_table", real)
    assert copy_database(service.settings, server).rows["cases"] == 12


def test_cli_copy(cli: Any, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    assert cli("demo", "--help").code == 0
    source = tmp_path / "cli.db"
    Disproof.open(Settings(db=str(source))).create_case(
        CaseCreate.model_validate({"id": "one", "title": "One"}), ANN
    )
    server = _pg(request, tmp_path).db
    done = cli("copy", str(source), server, "--json")
    assert done.code == 0, done.err
    assert json.loads(done.out)["rows"]["cases"] == 1
    again = cli("copy", str(source), server)
    assert again.code == 1 and "not empty (1 rows in cases" in again.err
    shown = cli("copy", "--help")
    assert shown.code == 0 and "SOURCE" in shown.out and "PostgreSQL" in shown.out


def test_a_postgresql_backup_is_a_verified_sqlite_copy(
    cli: Any, tmp_path: Path, request: pytest.FixtureRequest, fake_matching: object
) -> None:
    server = _pg(request, tmp_path)
    _fill(Disproof.open(server), tmp_path)
    before = _rows(server)
    made = cli("--db", server.db, "backup", "backup.db", "--json")
    assert made.code == 0, made.err
    assert json.loads(made.out)["cases"] == before["cases"]
    assert _rows(Settings(db=str(tmp_path / "backup.db"))) == before
    again = cli("--db", server.db, "backup", "backup.db")
    assert again.code == 1 and "exists; pass --force" in again.err
    assert not list(tmp_path.glob(".backup.db.*"))  # no staging file left
    restored = _pg(request, tmp_path)  # restoring: a copy back into an empty database
    assert copy_database(Settings(db=str(tmp_path / "backup.db")), restored).rows == before


def test_the_source_is_never_migrated(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    old = tmp_path / "old.db"
    engine = sa.create_engine(f"sqlite:///{old}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32))")
        connection.exec_driver_sql("INSERT INTO alembic_version VALUES ('0007')")
    engine.dispose()
    with pytest.raises(DisproofError, match="revision 0007, this disproof copies revision"):
        copy_database(Settings(db=str(old)), _pg(request, tmp_path))
