"""The match index is updated, not rebuilt, when cases are added, changed or removed: the
updated index and the matcher's answers equal those of a full build, and only the changed
cases are read and encoded (``match/update.py``)."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from disproof.match.index import FIELDS, CaseIndex, build_index
from disproof.match.matcher import Matcher
from disproof.models import Appearance, CaseCreate, CaseUpdate
from disproof.retrieve import Hit
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.store.corpus import CorpusStore
from disproof.text import Analyzer
from tests.fakes import FakeEmbedder

pytestmark = pytest.mark.both_backends

WORDS = ["nato", "bases", "biolabs", "ukraine", "vaccines", "election", "fraud", "soros", "climate"]
WORDS += ["hoax", "sanctions", "europe", "russia", "border", "migrants", "staged", "puppets"]
QUERIES = [
    "NATO builds secret bases on the Russian border",
    "The US runs secret biolabs in Ukraine",
    "election fraud: migrants vote twice",
    "Zelensky owns a villa in Egypt",
    "Simmer the tomatoes for twenty minutes",
]


QUOTED = [
    Appearance(outlet="RT DE", language="de", text="Die NATO baut geheime Basen an der Grenze"),
    Appearance(outlet="Sputnik", text="Zelensky owns a villa in Egypt, they say"),
]


class Recorder:
    def __init__(self) -> None:
        self.builds: list[tuple[int, bool]] = []

    def building(self, cases: int, fresh: bool) -> None:
        self.builds.append((cases, fresh))

    def __call__(self, done: int, total: int) -> None:
        pass


@pytest.fixture
def service(fake_matching: FakeEmbedder, settings: Settings) -> Disproof:
    service = Disproof.open(settings)
    combos = itertools.islice(itertools.combinations(WORDS, 3), 0, None, 7)
    for i, words in zip(range(60), combos, strict=False):
        title = " ".join(words)
        service.create_case(CaseCreate(id=f"c{i}", title=title, summary=f"They say {title}."), "t")
    return service


def full_build(service: Disproof, embedder: FakeEmbedder) -> CaseIndex:
    return build_index(CorpusStore(service.store.engine), embedder, Analyzer())


def live(index: CaseIndex) -> np.ndarray:
    """The rows of an index that are cases (its tombstones left out)."""
    keep = np.ones(len(index), dtype=bool)
    keep[index.deleted] = False
    return np.flatnonzero(keep)


def keyed(index: CaseIndex, hits: list[Hit]) -> list[tuple[int, float, int]]:
    return [(int(index.pks[h.doc]), h.score, h.rank) for h in hits]


def assert_same(updated: Matcher, fresh: CaseIndex, service: Disproof) -> None:
    index = updated.index
    rows = live(index)
    assert index.fingerprint == fresh.fingerprint
    assert not len(fresh.deleted) and index.cases == fresh.cases
    assert np.array_equal(index.pks[rows], fresh.pks)
    assert np.array_equal(index.digests[rows], fresh.digests)
    assert index.languages[rows].tolist() == fresh.languages.tolist()
    ours, theirs = index.appearances, fresh.appearances
    assert ours is not None and theirs is not None
    assert np.array_equal(ours.owners, theirs.owners)
    assert np.array_equal(ours.positions, theirs.positions)
    assert (ours.outlets, ours.languages) == (theirs.outlets, theirs.languages)
    assert np.array_equal(ours.vectors, theirs.vectors)
    for field in FIELDS:
        assert np.array_equal(index.dense[field].vectors[rows], fresh.dense[field].vectors)
        ours_bm25, theirs_bm25 = index.bm25[field], fresh.bm25[field]
        assert ours_bm25.n_live == theirs_bm25.n_docs
        for query in QUERIES:
            tokens = Analyzer().tokens(query, "en")
            assert keyed(index, ours_bm25.search(tokens, 10)) == keyed(
                fresh, theirs_bm25.search(tokens, 10)
            )
            assert np.allclose(ours_bm25.coverage(tokens)[rows], theirs_bm25.coverage(tokens))
    corpus = CorpusStore(service.store.engine)
    reference = Matcher(fresh, corpus, updated.embedder, updated.calibration, Analyzer())
    for query in QUERIES:
        got = [(m.case_id, m.score, m.band) for m in updated.match(query, top_k=5).matches]
        assert got == [
            (m.case_id, m.score, m.band) for m in reference.match(query, top_k=5).matches
        ]


def test_changes_update_the_saved_index(
    service: Disproof,
    fake_matching: FakeEmbedder,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    service.matcher()  # the first build, saved
    builds: list[int] = []

    def counted(*args: object, **kwargs: object) -> CaseIndex:
        builds.append(1)
        return build_index(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("disproof.match.index.build_index", counted)
    caplog.set_level(logging.INFO, logger="disproof.match.update")
    steps = [
        lambda: service.create_case(
            CaseCreate(id="new", title="Zelensky owns a villa in Egypt", summary=""), "t"
        ),
        lambda: service.update_case("c3", CaseUpdate(title="Soros pays puppets in Europe"), "t"),
        lambda: service.delete_case("c10", "t"),  # a row from the middle: rows renumbered
        lambda: service.update_case("c5", CaseUpdate(keywords=["NATO"]), "t"),  # text unchanged
        # a quote filed under a case (its vector only), another one, then the first removed
        lambda: service.update_case("c7", CaseUpdate(appearances=[QUOTED[0]]), "t"),
        lambda: service.update_case("c20", CaseUpdate(appearances=QUOTED), "t"),
        lambda: service.update_case("c7", CaseUpdate(appearances=[]), "t"),
    ]
    for step in steps:
        step()
        encoded = fake_matching.encoded
        recorder = Recorder()
        matcher = service.matcher(progress=recorder)
        assert recorder.builds == [(service.store.count(), False)]
        assert not builds, "the saved index was rebuilt instead of updated"
        assert fake_matching.encoded - encoded <= 2  # only the changed case's texts
        assert_same(matcher, full_build(service, fake_matching), service)
    assert sum("match index updated" in r.getMessage() for r in caplog.records) == len(steps)
    folder = service.settings.index_dir()
    if folder is not None:  # the saved main arrays were linked, not written again
        inode = (folder / "bm25_title" / "main_docs.npy").stat().st_ino
        service.create_case(CaseCreate(id="one-more", title="One more claim"), "t")
        matcher = service.matcher()
        assert (folder / "bm25_title" / "main_docs.npy").stat().st_ino == inode
        assert matcher.index.dense["title"].pending
        assert_same(matcher, full_build(service, fake_matching), service)
    assert service.matcher().match(QUERIES[3]).matches[0].case_id == "new"
    # nothing changed since: loaded as saved
    recorder = Recorder()
    service.matcher(progress=recorder)
    assert recorder.builds == [] and not builds


def test_most_cases_changed_or_an_unusable_index_means_a_full_build(
    service: Disproof, fake_matching: FakeEmbedder, settings: Settings
) -> None:
    service.matcher()
    for i in range(40):
        service.update_case(f"c{i}", CaseUpdate(summary=f"Changed summary {i}"), "t")
    recorder = Recorder()
    matcher = service.matcher(progress=recorder)
    assert recorder.builds == [(60, False)]  # a saved index for this model: "updating"
    assert_same(matcher, full_build(service, fake_matching), service)
    folder = settings.index_dir()
    if folder is None:  # PostgreSQL: no index is saved (the builder updates the last one)
        return
    (folder / "digests.npy").write_bytes(b"not an array")
    service.create_case(CaseCreate(id="new", title="Zelensky owns a villa in Egypt"), "t")
    recorder = Recorder()
    service = Disproof.open(settings)  # (a running one would update the index it holds)
    matcher = service.matcher(progress=recorder)
    assert recorder.builds == [(61, True)]
    assert_same(matcher, full_build(service, fake_matching), service)
    assert CaseIndex.load_saved(Path(folder), FakeEmbedder.model_id) is not None


def test_a_case_between_indexed_ones_is_inserted_in_its_row(
    service: Disproof, fake_matching: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from disproof.match import update
    from disproof.match.update import changes, update_index
    from disproof.store.corpus import CorpusState

    monkeypatch.setattr(update, "TOMBSTONE_MIN", 0)  # the older index: rows renumbered
    monkeypatch.setattr(update, "TOMBSTONE_SHARE", 0)
    corpus = CorpusStore(service.store.engine)
    state = corpus.state()
    full = full_build(service, fake_matching)
    # the index as it was before the cases of rows 3 and 40 existed (removed from a copy)
    keep = np.ones(len(state.pks), dtype=bool)
    keep[[3, 40]] = False
    earlier = CorpusState(state.pks[keep], state.digests[keep], "earlier")
    older = update_index(full, earlier, corpus, fake_matching, Analyzer())
    assert older is not None and len(older) == len(state.pks) - 2 and not len(older.deleted)
    plan = changes(older, state)
    assert (plan.added, plan.changed, plan.removed, plan.appended) == (2, 0, 0, False)
    updated = update_index(older, state, corpus, fake_matching, Analyzer())
    assert updated is not None
    matcher = service.matcher()  # (loaded as saved: the full build's equal)
    assert_same(
        Matcher(updated, corpus, fake_matching, matcher.calibration, Analyzer()), full, service
    )


def test_row_array_logs_and_their_compaction_equal_a_full_build(
    service: Disproof, fake_matching: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys, digests, languages, BM25 lengths and the vectors after the matrix saved as a base
    and a log (chunks of 2, compacted past 6 entries): adds, edits of base rows and deletes,
    each saved, loaded in a fresh process's way and served, equal a full build. The first
    delete leaves a tombstone (nothing moved, the log kept); the second one compacts them
    (the rows renumbered, the arrays saved whole)."""
    from disproof.match import update
    from disproof.retrieve import dense, rows

    monkeypatch.setattr(update, "TOMBSTONE_MIN", 1)
    monkeypatch.setattr(update, "TOMBSTONE_SHARE", 0)
    monkeypatch.setattr(rows, "CHUNK", 2)
    monkeypatch.setattr(dense, "TAIL_CHUNK", 2)
    monkeypatch.setattr(rows, "LOG_MIN", 6)
    monkeypatch.setattr(rows, "LOG_SHARE", 1 / 100)
    service.matcher()
    folder = service.settings.index_dir()
    bases: set[int] = set()
    logs: list[int] = []
    tails: list[int] = []
    tombstones: list[int] = []

    def add(key: str, title: str) -> None:
        service.create_case(CaseCreate(id=key, title=title), "t")

    steps: list[Callable[[], object]] = [
        *((lambda i=i: add(f"n{i}", f"NATO biolabs {i}")) for i in range(5)),
        lambda: service.update_case("c2", CaseUpdate(title="Soros pays puppets in Europe"), "t"),
        lambda: service.update_case("c4", CaseUpdate(summary="Die NATO baut Basen"), "t"),
        lambda: service.delete_case("c30", "t"),  # a tombstone
        *((lambda i=i: add(f"m{i}", f"Migrants vote {i}")) for i in range(4)),
        lambda: service.update_case("n1", CaseUpdate(title="Staged climate hoax"), "t"),
        lambda: service.delete_case("n2", "t"),  # two: compacted, the arrays saved whole
    ]
    for step in steps:
        step()
        matcher = service.matcher()
        fresh = full_build(service, fake_matching)
        assert_same(matcher, fresh, service)
        if folder is None:
            continue
        loaded = CaseIndex.load_saved(Path(folder), FakeEmbedder.model_id)
        assert loaded is not None
        assert np.array_equal(loaded.deleted, matcher.index.deleted)
        kept = live(loaded)
        assert np.array_equal(loaded.pks[kept], fresh.pks)
        assert np.array_equal(loaded.digests[kept], fresh.digests)
        assert loaded.languages[kept].tolist() == fresh.languages.tolist()
        for field in FIELDS:
            assert np.array_equal(loaded.bm25[field].lengths[kept], fresh.bm25[field].lengths)
            assert loaded.bm25[field].n_live == fresh.bm25[field].n_docs
            assert np.array_equal(loaded.dense[field].vectors[kept], fresh.dense[field].vectors)
        tombstones.append(len(loaded.deleted))
        bases.add((Path(folder) / "pks.npy").stat().st_ino)
        logs.append(len(list(Path(folder).glob("pks.log*.rows.npy"))))
        tails.append(len(list(Path(folder).glob("vectors_title.tail.log*.rows.npy"))))
    if folder is not None:  # linked while logged, written anew when compacted or renumbered
        assert 2 <= len(bases) < len(steps)
        assert max(logs) >= 2 and logs[-1] == 0  # chunks logged; a delete: saved whole
        assert max(tails) >= 2
        assert tombstones == [0] * 7 + [1] * 6 + [0]


def test_format_8_is_read_as_an_index_without_tombstones(
    service: Disproof, fake_matching: FakeEmbedder, tmp_path: Path
) -> None:
    """An index saved before tombstones (format 8) is read as it is, not rebuilt; one whose
    tombstones do not match its count is refused (a full build), and older formats too."""
    import json

    service.delete_case("c10", "t")
    index = full_build(service, fake_matching)
    folder = tmp_path / "index"
    index.save(folder)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    assert meta["format"] == 9 and meta["deleted"] == 0
    for version, readable in ((8, True), (7, False)):
        meta["format"] = version
        (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        loaded = CaseIndex.load_saved(folder, FakeEmbedder.model_id)
        assert (loaded is not None) == readable, version
    service.matcher()
    service.delete_case("c20", "t")
    matcher = service.matcher()
    assert len(matcher.index.deleted) == 1
    matcher.index.save(folder)
    assert CaseIndex.load_saved(folder, FakeEmbedder.model_id) is not None
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta["deleted"] = 2
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    assert CaseIndex.load_saved(folder, FakeEmbedder.model_id) is None
