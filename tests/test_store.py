"""The store: schema and migrations, full-text search that cannot be injected, facets, atomicity."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from disproof.errors import CaseNotFound, StoreError
from disproof.models import Appearance, Case, CaseQuery
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.store import open_store
from disproof.store.schema import metadata

pytestmark = pytest.mark.both_backends

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def put(service: Disproof, *cases: Case) -> None:
    with service.store.transaction() as connection:
        service.store.upsert(connection, list(cases), NOW)


def case(case_id: str, title: str, **fields: object) -> Case:
    return Case.model_validate({"id": case_id, "title": title, **fields})


def test_migrations_build_exactly_the_declared_schema(service: Disproof) -> None:
    with service.store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    # the full-text index is made by the migrations on purpose, outside the declared tables:
    # FTS5's virtual table and its shadow tables, PostgreSQL's generated tsvector column
    assert [d for d in diff if not _full_text_index(d)] == []


def _full_text_index(difference: tuple[object, ...]) -> bool:
    kind, *rest = difference
    if kind == "remove_table":  # (kind, table)
        return str(getattr(rest[0], "name", "")).startswith("cases_fts")
    if kind == "remove_index":  # (kind, index)
        return getattr(rest[0], "name", None) == "ix_cases_search"
    if kind == "remove_column":  # (kind, schema, table, column)
        return rest[1] == "cases" and getattr(rest[2], "name", None) == "search"
    return False


def test_opening_twice_is_harmless_and_wal_is_on(settings: Settings, backend: str) -> None:
    open_store(settings)
    store = open_store(settings)
    if backend != "sqlite":
        return
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_directory_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        open_store(Settings(db=str(tmp_path)))


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "'",
        "*",
        "NEAR(a b)",
        "title:x",
        "a OR b",
        "-x",
        "^x",
        "a AND",
        "(",
        ")",
        'x" OR "1',
        "'; DROP TABLE cases; --",
        "\\",
        "%",
        "_",
        "\u0000",
        "ё",
        "🙂",
        # PostgreSQL tsquery syntax
        "a & b",
        "a | b",
        "!x",
        "x:*",
        "x:A",
        "a <-> b",
        "a <2> b",
        "\\x\\",
        "'x' & 'y'",
        "(x | !y) & z:*AB",
        '"unclosed phrase',
        "*",
        '"" *',
    ],
)
def test_search_text_is_never_query_syntax(service: Disproof, text: str) -> None:
    put(service, case("a", "plain words here"))
    page = service.search(CaseQuery(text=text))
    has_words = any(ch.isalnum() for ch in text)
    # words that are not in the case find nothing; punctuation alone is no text filter at all
    assert page.total == (0 if has_words else 1) and service.count() == 1


def test_search_ranks_title_hits_first_and_ignores_case_and_accents(service: Disproof) -> None:
    put(
        service,
        case("body", "Something else", disproof="Mentions biolabs once."),
        case("title", "Biolabs in Ukraine", summary="About labs."),
        case("accent", "Les biolabs américains"),
    )
    page = service.search(CaseQuery(text="BIOLABS"))
    assert page.total == 3 and page.results[0].id in {"title", "accent"}
    assert service.search(CaseQuery(text="americains")).total == 1


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ('"nato encircles"', ["a"]),
        ('"encircles nato"', []),
        ("encirc*", ["a"]),
        ('"nato encirc*"', ["a"]),
        ("nat* summ*", ["b"]),
        ("encirc", []),
        ("Å:* | summit", []),  # syntax is never read: all of å, summit must occur
    ],
)
def test_phrases_and_prefixes(service: Disproof, text: str, found: list[str]) -> None:
    put(service, case("a", "NATO encircles Russia"), case("b", "NATO summit"))
    assert [c.id for c in service.search(CaseQuery(text=text)).results] == found


def test_the_text_index_follows_edits_and_ranks_by_field(service: Disproof) -> None:
    put(
        service,
        case("c", "Other", disproof="zebra"),
        case("b", "Other", summary="zebra"),
        case("a", "Zebra"),
    )
    assert [c.id for c in service.search(CaseQuery(text="zebra")).results] == ["a", "b", "c"]
    put(service, case("a", "Horse"))
    assert [c.id for c in service.search(CaseQuery(text="zebra")).results] == ["b", "c"]
    assert [c.id for c in service.search(CaseQuery(text="HORSE")).results] == ["a"]


def test_all_words_must_match(service: Disproof) -> None:
    put(service, case("a", "NATO encircles Russia"), case("b", "NATO summit"))
    assert [c.id for c in service.search(CaseQuery(text="nato russia")).results] == ["a"]


def test_facets_and_update_replace_terms(service: Disproof) -> None:
    first = case(
        "a",
        "T",
        keywords=["MH17"],
        countries=["Ukraine"],
        appearances=[Appearance(outlet="RT Deutsch")],
    )
    put(service, first)
    assert service.search(CaseQuery(countries=["UA"])).total == 1
    assert service.search(CaseQuery(outlets=["rt"])).total == 1
    put(service, first.model_copy(update={"countries": ["NL"], "keywords": ["JIT"]}))
    assert service.search(CaseQuery(countries=["UA"])).total == 0
    assert service.search(CaseQuery(countries=["Netherlands"], keywords=["jit"])).total == 1
    stats = service.stats()
    assert [f.value for f in stats.by_keyword] == ["JIT"]
    assert service.get("a").model_dump()["countries"] == ["NL"]


def test_a_failed_transaction_leaves_nothing(service: Disproof) -> None:
    put(service, case("kept", "Kept"))
    with pytest.raises(RuntimeError), service.store.transaction() as connection:
        service.store.upsert(connection, [case("lost", "Lost")], NOW)
        raise RuntimeError("crash in the middle of an import")
    assert service.count() == 1
    with pytest.raises(CaseNotFound):
        service.get("lost")
    assert service.search(CaseQuery(text="lost")).total == 0


def test_delete_removes_terms_and_text_index(service: Disproof) -> None:
    put(service, case("a", "Removable claim", keywords=["K"]))
    with service.store.transaction() as connection:
        service.store.delete(connection, "a")
    with service.store.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM case_terms")).scalar() == 0
    assert service.search(CaseQuery(text="removable")).total == 0
    with pytest.raises(CaseNotFound), service.store.transaction() as connection:
        service.store.delete(connection, "a")


def test_version_counts_real_changes_only(service: Disproof) -> None:
    put(service, case("a", "One"))
    put(service, case("a", "One"))
    put(service, case("a", "Two"))
    with service.store.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT version FROM cases")).scalar() == 2


def test_derived_narratives_are_recomputed_when_the_mapping_changes(tmp_path: Path) -> None:
    import sqlalchemy as sa

    from disproof.models import CaseQuery
    from disproof.store import open_store
    from disproof.store.derived import MAPPING_KEY, refresh_derived_terms
    from disproof.store.schema import case_terms, store_meta

    settings = Settings(db=str(tmp_path / "d.db"))
    store = open_store(settings)
    now = dt.datetime.now(dt.UTC)
    with store.transaction() as connection:
        store.upsert(
            connection, [Case(id="a", title="Azov rules Kyiv", keywords=["Azov Battalion"])], now
        )
    found = store.search(CaseQuery(narratives=["ukraine-nazi-state"]))
    assert [c.id for c in found.results] == ["a"]
    # a database written before narratives were derived (or with another taxonomy version)
    with store.engine.begin() as connection:
        connection.execute(sa.delete(case_terms).where(case_terms.c.kind == "narrative"))
        connection.execute(sa.update(store_meta).values(value="old"))
    assert store.search(CaseQuery(narratives=["ukraine-nazi-state"])).total == 0
    reopened = open_store(settings)
    assert reopened.search(CaseQuery(narratives=["ukraine-nazi-state"])).total == 1
    assert reopened.search(CaseQuery(narratives=["ukraine-illegitimate"])).total == 1  # parent
    assert refresh_derived_terms(reopened.engine) is False  # done once
    with reopened.engine.connect() as connection:
        stored = connection.execute(
            sa.select(store_meta.c.value).where(store_meta.c.key == MAPPING_KEY)
        )
        assert stored.scalar() != "old"


def test_the_mapping_fingerprint_is_recomputed_only_when_its_files_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlalchemy as sa

    from disproof.store import derived, open_store
    from disproof.store.schema import store_meta

    store = open_store(Settings(db=str(tmp_path / "s.db")))

    def meta() -> dict[str, str]:
        with store.engine.connect() as connection:
            return dict(connection.execute(sa.select(store_meta.c.key, store_meta.c.value)).all())

    source, fingerprint = meta()[derived.SOURCE_KEY].split()
    assert source == derived.mapping_source() and fingerprint == meta()[derived.MAPPING_KEY]
    computed: list[object] = []
    real = derived.mapping_fingerprint
    monkeypatch.setattr(derived, "mapping_fingerprint", lambda m: computed.append(m) or real(m))
    assert derived.refresh_derived_terms(store.engine) is False and computed == []  # unchanged
    monkeypatch.setattr(derived, "mapping_source", lambda: "other files")
    assert derived.refresh_derived_terms(store.engine) is False and len(computed) == 1
    assert meta()[derived.SOURCE_KEY] == f"other files {fingerprint}"  # same mapping: no redo


def test_nul_characters_in_lookups_and_list_items_are_harmless(service: Disproof) -> None:
    # PostgreSQL text cannot hold NUL (SQLite's can): a lookup or item with one must not fail
    put(service, case("a", "T", keywords=["K\x00ey"], languages=["e\x00n"]))
    assert service.get("a").keywords == ["K\x00ey"]  # the case document keeps it
    for query in (CaseQuery(keywords=["k\x00ey"]), CaseQuery(outlets=["\x00"])):
        service.search(query)
    with pytest.raises(CaseNotFound):
        service.get("a\x00b")


def test_postgresql_keeps_the_connections_it_opened(service: Disproof, backend: str) -> None:
    """Eight threads using the database at once, again and again, reuse the eight connections
    opened first: a new one per burst costs a server process on PostgreSQL. (SQLAlchemy's
    default pool kept five and opened three new ones every round: a server worker answering
    eight concurrent editors opened a backend every four edits.)"""
    if backend != "postgresql":
        pytest.skip("an SQLite connection is a file handle: its default pool is kept")
    import threading

    from disproof.store.engine import PG_POOL_SIZE

    engine = service.store.engine
    engine.dispose()
    opened: list[int] = []
    sa.event.listen(engine, "connect", lambda *_: opened.append(1))
    holding, returned = threading.Barrier(8), threading.Barrier(8)

    def use() -> None:
        for _ in range(10):
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
                holding.wait()  # all eight hold a connection at once
            returned.wait()  # and all gave it back before the next round

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(opened) == 8 <= PG_POOL_SIZE
