"""The store's change log (migration 0014, ``store/changes.py``): every write of a case is
logged in commit order, an index update reads only the cases changed since the position it
reflects, and wherever the log cannot vouch for that position the update compares every case —
the result always equals a fresh build."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from disproof.match.index import CaseIndex
from disproof.models import CaseCreate, CaseUpdate
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.store.changes import (
    LOG_KEY,
    Position,
    changed_since,
    current,
    log_span,
    prune,
    rename_log,
)
from disproof.store.corpus import CorpusStore
from disproof.store.engine import begin_write
from tests.fakes import FakeEmbedder
from tests.test_index_updates import assert_same, full_build

pytestmark = pytest.mark.both_backends

TITLES = [
    "NATO builds secret bases on the Russian border",
    "The US runs secret biolabs in Ukraine",
    "Election fraud: migrants vote twice",
    "Vaccines are a hoax by Soros",
    "Sanctions hurt Europe more than Russia",
    "The climate crisis is staged by puppets",
]


@pytest.fixture
def service(fake_matching: FakeEmbedder, settings: Settings) -> Disproof:
    service = Disproof.open(settings)
    for i, title in enumerate(TITLES):
        service.create_case(CaseCreate(id=f"c{i}", title=title, summary=f"They say: {title}."), "t")
    return service


class StateReads:
    """Counts the full reads of every case's (key, content hash)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = CorpusStore.state

        def counted(corpus: CorpusStore) -> object:
            self.count += 1
            return original(corpus)

        monkeypatch.setattr(CorpusStore, "state", counted)


def pk_of(service: Disproof, case_id: str) -> int:
    with service.store.engine.connect() as connection:
        return int(
            connection.execute(
                sa.text("SELECT pk FROM cases WHERE id = :id"), {"id": case_id}
            ).scalar_one()
        )


def test_every_write_is_logged_and_read_back_as_a_change(service: Disproof) -> None:
    engine = service.store.engine
    start = current(engine)
    assert start.log and start.seq >= len(TITLES)
    assert Position.parse(str(start)) == start
    assert (
        Position.parse("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08") is None
    )

    nothing = changed_since(engine, start, 100)
    assert nothing is not None and nothing.position == start and not len(nothing.pks)

    c1, c2 = pk_of(service, "c1"), pk_of(service, "c2")
    service.create_case(CaseCreate(id="new", title="Zelensky owns a villa in Egypt"), "t")
    service.update_case("c1", CaseUpdate(summary="A changed claim"), "t")
    service.delete_case("c2", "t")
    delta = changed_since(engine, start, 100)
    assert delta is not None
    assert delta.pks.tolist() == sorted([pk_of(service, "new"), c1])
    assert delta.gone.tolist() == [c2]
    assert delta.count == len(TITLES)
    assert delta.position.seq > start.seq and current(engine) == delta.position
    assert changed_since(engine, start, 1) is None  # more than the limit: compare everything

    # an update that leaves the content hash alone is not a change of the cases
    with begin_write(engine) as connection:
        connection.execute(sa.text("UPDATE cases SET version = version WHERE pk = :pk"), {"pk": c1})
    assert current(engine) == delta.position


def test_the_log_cannot_vouch_for_another_log_or_a_position_past_its_end(
    service: Disproof,
) -> None:
    engine = service.store.engine
    now = current(engine)
    assert changed_since(engine, Position(now.log, now.seq + 1), 100) is None  # rewound
    assert changed_since(engine, Position("another", now.seq), 100) is None
    with begin_write(engine) as connection:
        rename_log(connection)  # what a copy and a restore do
    assert changed_since(engine, now, 100) is None
    assert current(engine).log not in ("", now.log)


def test_updates_read_only_the_changes_and_equal_a_rebuild(
    service: Disproof, fake_matching: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.matcher()  # the first build (saved beside an SQLite database)
    reads = StateReads(monkeypatch)
    steps = [
        lambda: service.create_case(
            CaseCreate(id="new", title="Zelensky owns a villa in Egypt", summary=""), "t"
        ),
        lambda: service.update_case("c3", CaseUpdate(title="Soros pays puppets in Europe"), "t"),
        lambda: service.delete_case("c1", "t"),  # from the middle: rows renumbered
        lambda: service.delete_case("new", "t"),  # the last one
        lambda: service.update_case("c4", CaseUpdate(keywords=["sanctions"]), "t"),
    ]
    for step in steps:
        step()
        matcher = service.matcher()
        assert matcher.index.fingerprint == CorpusStore(service.store.engine).fingerprint()
        assert_same(matcher, full_build(service, fake_matching), service)
    assert reads.count == 0, "the update read every case instead of the change log"
    # a case changed and changed back: the index is the same, only its position moves
    service.update_case("c0", CaseUpdate(summary="for a moment"), "t")
    service.update_case("c0", CaseUpdate(summary=f"They say: {TITLES[0]}."), "t")
    assert_same(service.matcher(), full_build(service, fake_matching), service)
    assert reads.count == 0


def test_where_the_log_cannot_vouch_every_case_is_compared(
    service: Disproof, fake_matching: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = service.store.engine
    service.matcher()
    reads = StateReads(monkeypatch)
    # another log (a copy, a restored backup): compared in full, still an update
    with begin_write(engine) as connection:
        rename_log(connection)
    service.create_case(CaseCreate(id="new", title="Zelensky owns a villa in Egypt"), "t")
    assert_same(service.matcher(), full_build(service, fake_matching), service)
    assert reads.count == 1
    # a log that missed a write (its row removed by hand): the count does not add up
    service.create_case(CaseCreate(id="unlogged", title="Bill Gates chips the vaccines"), "t")
    with begin_write(engine) as connection:
        connection.execute(sa.text("DELETE FROM case_changes WHERE case_pk = :pk"),
                           {"pk": pk_of(service, "unlogged")})  # fmt: skip
        connection.execute(sa.text("INSERT INTO case_changes (seq, case_pk) VALUES (:s, 0)"),
                           {"s": current(engine).seq + 1})  # fmt: skip
    assert_same(service.matcher(), full_build(service, fake_matching), service)
    assert reads.count == 2
    # an index from before the log (an older fingerprint): compared in full once
    folder = service.settings.index_dir()
    if folder is not None:
        saved = CaseIndex.load_saved(folder, FakeEmbedder.model_id)
        assert saved is not None
        saved.fingerprint = "an older index's sha256"
        saved.save(folder)
        service = Disproof.open(service.settings)
        service.create_case(CaseCreate(id="later", title="Moldova gives up its army"), "t")
        assert_same(service.matcher(), full_build(service, fake_matching), service)
        assert reads.count == 3
        service.create_case(CaseCreate(id="later2", title="Finland closes its borders"), "t")
        assert_same(service.matcher(), full_build(service, fake_matching), service)
        assert reads.count == 3


def test_a_copy_gets_a_log_of_its_own(service: Disproof, tmp_path: object) -> None:
    from pathlib import Path

    from disproof.copying import copy_database

    target = Settings(db=str(Path(str(tmp_path)) / "copy.db"))
    copy_database(service.settings, target)
    copied = Disproof.open(target)
    with copied.store.engine.connect() as connection:
        name = connection.execute(
            sa.text("SELECT value FROM store_meta WHERE key = :k"), {"k": LOG_KEY}
        ).scalar_one()
        logged = connection.execute(sa.text("SELECT count(*) FROM case_changes")).scalar_one()
    assert name != current(service.store.engine).log
    assert logged == len(TITLES)  # the copied cases, logged as the copy wrote them


def test_concurrent_writers_are_stamped_in_commit_order(service: Disproof, backend: str) -> None:
    """PostgreSQL: a writer that began first but commits last is still seen after a reader's
    position (SQLite has one writer at a time)."""
    if backend == "sqlite":
        pytest.skip("SQLite writers are serialised")
    engine = service.store.engine
    c0, c1 = pk_of(service, "c0"), pk_of(service, "c1")
    update = sa.text("UPDATE cases SET content_hash = :h WHERE pk = :pk")
    first = engine.connect()
    first.begin()
    first.execute(update, {"h": "a" * 64, "pk": c0})  # logged first, not committed
    second_done = threading.Event()

    def second() -> None:
        with engine.begin() as connection:
            connection.execute(update, {"h": "b" * 64, "pk": c1})
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(10)
    assert second_done.is_set()
    seen = current(engine)  # includes the second writer, not the first
    first.commit()
    first.close()
    delta = changed_since(engine, seen, 100)
    assert delta is not None and delta.pks.tolist() == [c0]


def test_pruning_keeps_what_every_position_reads(service: Disproof) -> None:
    """The log pruned to the newest row per case: from every position it had, the cases
    changed since (and the deleted ones) are the same as before, and the log is shorter."""
    engine = service.store.engine
    positions = [current(engine)]
    for round_ in range(3):
        service.update_case("c1", CaseUpdate(summary=f"changed {round_}"), "t")
        positions.append(current(engine))
        service.create_case(CaseCreate(id=f"n{round_}", title=f"New claim {round_}"), "t")
        service.update_case("c3", CaseUpdate(title=f"Soros again {round_}"), "t")
        positions.append(current(engine))
    service.delete_case("n0", "t")
    service.delete_case("c3", "t")
    end = current(engine)
    positions += [end, *(Position(end.log, seq) for seq in range(end.seq + 1))]

    def reads() -> list[tuple[list[int], list[int], int] | None]:
        out = []
        for at in positions:
            delta = changed_since(engine, at, 1000)
            out.append(None if delta is None else (delta.pks.tolist(), delta.gone.tolist(), 0))
        return out

    before, span = reads(), log_span(engine)
    dropped = prune(engine)
    assert dropped > 0 and reads() == before
    assert current(engine) == end  # the log's end is kept
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT count(*) FROM case_changes")).scalar_one()
        cases = connection.execute(sa.text("SELECT count(DISTINCT case_pk) FROM case_changes"))
        assert rows == cases.scalar_one() < span
    assert prune(engine) == 0


def test_the_log_is_pruned_when_an_index_is_built(
    service: Disproof, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.matcher()
    for round_ in range(4):
        service.update_case("c1", CaseUpdate(summary=f"changed {round_}"), "t")
    monkeypatch.setattr("disproof.store.changes.log_span", lambda engine: 10_000)  # "long"
    service.matcher()
    with service.store.engine.connect() as connection:
        logged = connection.execute(
            sa.text("SELECT count(*) FROM case_changes WHERE case_pk = :pk"),
            {"pk": pk_of(service, "c1")},
        ).scalar_one()
    assert logged == 1
