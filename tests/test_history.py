"""Case history and versions in the service and the store: who changed what and when, field
diffs, restore, refused stale writes, concurrent editors, imports, and migrating a 0003 database."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from disproof.auth import Principal, Role
from disproof.errors import CaseNotFound, ConflictError, InvalidInput, VersionConflict
from disproof.history import Actor, diff, field_change
from disproof.models import Case, CaseCreate, CasePublic, CaseQuery, CaseUpdate
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.store import open_store
from disproof.store.engine import _alembic_config, create_db_engine, head_revision
from disproof.store.schema import metadata
from tests.fakes import add_cases

pytestmark = pytest.mark.both_backends

ANN = Actor("ann", "editor")
BOB = Principal("bob", Role.admin)


def make(service: Disproof, case_id: str = "labs", **fields: object) -> CasePublic:
    data = {"id": case_id, "title": "The US runs biolabs in Ukraine", "keywords": ["Biolabs"]}
    return service.create_case(CaseCreate.model_validate(data | fields), ANN)


# -- recording -------------------------------------------------------------------------------------


def test_create_update_delete_restore_are_recorded_with_author_role_and_changes(
    service: Disproof,
) -> None:
    assert make(service).version == 1
    updated = service.update_case("labs", CaseUpdate(summary="Labs.", keywords=["NATO"]), BOB)
    assert updated.version == 2
    service.update_case("labs", CaseUpdate(summary="Labs."), BOB)  # no change: no version
    service.delete_case("labs", "carol")
    restored = service.restore_case("labs", Actor("dan", "cli"))
    assert restored.version == 4

    history = service.history("labs")
    assert (history.exists, history.current_version, history.total) == (True, 4, 4)
    got = [(e.version, e.action, e.author, e.role) for e in history.entries]
    assert got == [
        (4, "restore", "dan", "cli"),
        (3, "delete", "carol", None),
        (2, "update", "bob", "admin"),
        (1, "create", "ann", "editor"),
    ]
    restore, delete, update, create = history.entries
    assert update.changes is not None and list(update.changes) == ["summary", "keywords"]
    assert update.changes["summary"].before == "" and update.changes["summary"].after == "Labs."
    keywords = update.changes["keywords"]
    assert (keywords.added, keywords.removed) == (["NATO"], ["Biolabs"])
    assert create.changes is not None and set(create.changes) == {"title", "keywords"}
    assert delete.changes == {} and restore.changes == {}
    assert restore.note == "restored as it was when deleted (version 3)"
    assert all(e.at.tzinfo is not None for e in history.entries)
    # the old (action, author, time) view of the log still works
    assert [a for a, _, _ in service.store.edits("labs")] == [
        "create",
        "update",
        "delete",
        "restore",
    ]


def test_actor_of_principal_name_and_command_line() -> None:
    assert Actor.of(BOB) == Actor("bob", "admin")
    assert Actor.of("x") == Actor("x", None)
    assert Actor.of(ANN) is ANN
    me = Actor.command_line()
    assert me.role == "cli" and me.name


def test_history_of_a_deleted_case_and_of_no_case(service: Disproof) -> None:
    make(service)
    service.delete_case("labs", BOB)
    with pytest.raises(CaseNotFound):
        service.get("labs")
    history = service.history("labs")
    assert not history.exists and history.current_version is None
    assert history.title == "The US runs biolabs in Ukraine"
    assert [e.action for e in history.entries] == ["delete", "create"]
    with pytest.raises(CaseNotFound):
        service.history("never-there")


def test_history_limit_keeps_the_newest(service: Disproof) -> None:
    make(service)
    for n in range(5):
        service.update_case("labs", CaseUpdate(summary=f"v{n}"), ANN)
    history = service.history("labs", limit=2)
    assert history.total == 6 and [e.version for e in history.entries] == [6, 5]


# -- diffs -----------------------------------------------------------------------------------------


def test_diff_lists_only_changed_fields_in_case_order() -> None:
    before = Case(id="a", title="T", keywords=["x", "y"], source={"dataset": "d"}).content()
    after = Case(id="a", title="T2", keywords=["y", "z"], source={"dataset": "e"}).content()
    changes = diff(before, after)
    assert list(changes) == ["title", "keywords", "source"]
    assert (changes["title"].before, changes["title"].after) == ("T", "T2")
    assert (changes["keywords"].added, changes["keywords"].removed) == (["z"], ["x"])
    assert changes["source"].before == {"dataset": "d", "url": None, "record": None}
    assert diff(after, after) == {}
    first = diff(None, after)
    assert set(first) == {"title", "keywords", "source"} and first["title"].before == ""


def test_long_texts_are_cut_to_the_change_with_context() -> None:
    before = "A" * 5000 + " old words " + "B" * 5000
    after = "A" * 5000 + " new words " + "B" * 5000
    change = field_change(before, after)
    assert change.truncated
    assert isinstance(change.before, str) and isinstance(change.after, str)
    assert " old words " in change.before and " new words " in change.after
    assert change.before.startswith("…A") and change.before.endswith("B…")
    assert len(change.before) < 200
    whole = field_change(before, after, full=True)
    assert whole.before == before and not whole.truncated
    short = field_change("a", "b")
    assert (short.before, short.after, short.truncated) == ("a", "b", False)


def test_long_lists_and_values_in_lists_are_shortened() -> None:
    before = [f"k{i}" for i in range(100)]
    after = [*before, "x" * 1000]
    change = field_change(before, after)
    assert change.truncated and isinstance(change.before, list) and len(change.before) == 20
    assert change.added == ["x" * 299 + "…"] and change.removed == []


# -- restore ---------------------------------------------------------------------------------------


def test_restore_round_trip_keeps_content_and_creation_time(service: Disproof) -> None:
    original = make(service, summary="The summary.", countries=["UA"])
    service.delete_case("labs", BOB)
    restored = service.restore_case("labs", ANN)
    assert restored.content() == original.content()
    assert restored.created_at == original.created_at
    assert restored.updated_at is not None and original.updated_at is not None
    assert restored.updated_at >= original.updated_at
    assert service.search(CaseQuery(text="biolabs")).total == 1  # back in full-text search
    with pytest.raises(ConflictError, match="exists"):
        service.restore_case("labs", ANN)


def test_restore_an_earlier_version_of_an_existing_case(service: Disproof) -> None:
    make(service)
    service.update_case("labs", CaseUpdate(title="Changed title"), ANN)
    back = service.restore_case("labs", BOB, version=1)
    assert back.title == "The US runs biolabs in Ukraine" and back.version == 3
    entry = service.history("labs").entries[0]
    assert (entry.action, entry.note, entry.author) == ("restore", "restored version 1", "bob")
    assert entry.changes is not None
    assert entry.changes["title"].after == "The US runs biolabs in Ukraine"
    with pytest.raises(VersionConflict):
        service.restore_case("labs", BOB, version=1, expected_version=2)
    with pytest.raises(InvalidInput, match="no recorded version 9"):
        service.restore_case("labs", BOB, version=9)
    with pytest.raises(CaseNotFound):
        service.restore_case("nope", BOB)


def test_a_new_case_under_a_deleted_id_goes_on_numbering(service: Disproof) -> None:
    make(service)
    service.delete_case("labs", BOB)
    again = make(service, title="Another claim under the same id")
    assert again.version == 3
    assert [e.version for e in service.history("labs").entries] == [3, 2, 1]


# -- no lost updates -------------------------------------------------------------------------------


def test_a_stale_version_is_refused_and_nothing_is_overwritten(service: Disproof) -> None:
    make(service)
    service.update_case("labs", CaseUpdate(summary="First editor's text."), ANN, 1)
    with pytest.raises(VersionConflict) as raised:
        service.update_case("labs", CaseUpdate(summary="Second editor's text."), BOB, 1)
    assert (raised.value.expected, raised.value.current) == (1, 2)
    assert "version 2" in str(raised.value)
    with pytest.raises(VersionConflict):
        service.delete_case("labs", BOB, expected_version=1)
    case = service.get_public("labs")
    assert case.summary == "First editor's text." and case.version == 2
    assert service.history("labs").total == 2
    service.delete_case("labs", BOB, expected_version=2)


def test_two_editors_saving_the_same_version_at_once_one_wins(service: Disproof) -> None:
    make(service)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(name: str) -> None:
        barrier.wait()
        try:
            service.update_case("labs", CaseUpdate(summary=f"{name} was here"), Actor(name), 1)
            outcomes[name] = "saved"
        except VersionConflict:
            outcomes[name] = "conflict"

    threads = [threading.Thread(target=save, args=(name,)) for name in ("ann", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["conflict", "saved"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    case = service.get_public("labs")
    assert case.summary == f"{winner} was here" and case.version == 2
    assert [e.author for e in service.history("labs").entries] == [winner, "ann"]


# -- imports and bare store writes -----------------------------------------------------------------


def test_imports_are_recorded_per_case_and_their_changes_are_known(
    service: Disproof, tmp_path: Path
) -> None:
    source = tmp_path / "cases.jsonl"
    source.write_text('{"id": "a", "title": "First", "keywords": ["x"]}\n', encoding="utf-8")
    service.import_file(source)
    source.write_text('{"id": "a", "title": "Second", "keywords": ["x"]}\n', encoding="utf-8")
    service.import_file(source)
    service.update_case("a", CaseUpdate(summary="Edited."), ANN)
    history = service.history("a")
    got = [(e.version, e.action, e.author, e.role, e.note) for e in history.entries]
    assert got == [
        (3, "update", "ann", "editor", None),
        (2, "import", "jsonl", "import", str(source)),
        (1, "import", "jsonl", "import", str(source)),
    ]
    changes = [e.changes for e in history.entries]
    assert all(c is not None for c in changes)
    assert changes[1] is not None and changes[1]["title"].before == "First"
    assert changes[0] is not None and list(changes[0]) == ["summary"]
    service.import_file(source)  # the file undoes the edit: the history shows it
    last = service.history("a").entries[0]
    assert (last.version, last.action) == (4, "import")
    assert last.changes is not None and last.changes["summary"].before == "Edited."
    service.import_file(source)  # unchanged: no entry
    assert service.history("a").total == 4


def test_versions_written_without_an_entry_are_kept_as_a_baseline(service: Disproof) -> None:
    add_cases(service, Case(id="a", title="Bare"))
    add_cases(service, Case(id="a", title="Bare, changed"))  # version 2, no entry
    service.update_case("a", CaseUpdate(title="Edited"), ANN, expected_version=2)
    entries = service.history("a").entries
    assert [(e.version, e.action) for e in entries] == [
        (3, "update"),
        (2, "baseline"),  # kept by the edit that replaced it
        (1, "baseline"),  # kept by the bare write that replaced it
    ]
    assert entries[1].changes is None  # who made version 2, and how, is unknown
    assert entries[0].changes is not None
    assert entries[0].changes["title"].before == "Bare, changed"


# -- migration -------------------------------------------------------------------------------------


def test_a_0003_database_with_edit_rows_migrates(tmp_path: Path) -> None:
    settings = Settings(db=str(tmp_path / "old.db"))
    engine = create_db_engine(settings.database_url())
    config = _alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
        connection.commit()
    at = dt.datetime(2025, 1, 2, tzinfo=dt.UTC)
    doc = Case(id="old", title="An old case").content()
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO cases (id, title, summary, disproof, appearance_count, doc, "
                "content_hash, version, created_at, updated_at) VALUES "
                "('old', 'An old case', '', '', 0, :doc, 'h', 2, :at, :at)"
            ),
            {"doc": json.dumps(doc), "at": at},
        )
        connection.execute(
            sa.text(
                "INSERT INTO case_edits (case_id, action, author, at) VALUES "
                "('old', 'create', 'ann', :at), ('old', 'update', 'bob', :at), "
                "('gone', 'delete', 'carl', :at)"
            ),
            {"at": at},
        )
    engine.dispose()

    service = Disproof(settings, open_store(settings))
    with service.store.engine.connect() as connection:
        schema_diff = compare_metadata(MigrationContext.configure(connection), metadata)
        assert MigrationContext.configure(connection).get_current_revision() == head_revision()
    assert [d for d in schema_diff if not (d[0] == "remove_table" and "fts" in d[1].name)] == []

    old = service.history("old")
    assert [(e.action, e.author, e.version, e.changes) for e in old.entries] == [
        ("update", "bob", None, None),
        ("create", "ann", None, None),
    ]
    assert old.current_version == 2
    updated = service.update_case("old", CaseUpdate(title="Edited"), ANN, expected_version=2)
    assert updated.version == 3
    entries = service.history("old").entries
    assert [(e.action, e.version) for e in entries[:2]] == [("update", 3), ("baseline", 2)]
    assert entries[0].changes is not None and entries[0].changes["title"].before == "An old case"

    gone = service.history("gone")
    assert not gone.exists and gone.entries[0].changes is None
    with pytest.raises(ConflictError, match="before its history was kept"):
        service.restore_case("gone", ANN)
