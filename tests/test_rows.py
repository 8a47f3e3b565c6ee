"""Per-row arrays (``retrieve/rows.py``): after any sequence of appends, changes, saves and
loads, an array holds what a plain list would, every earlier version still holds what it held,
a save writes only the log's last chunk, and a log that does not fit its base is refused."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disproof.retrieve import rows as rows_module
from disproof.retrieve.rows import RowArray, appended

OPERATION = st.one_of(
    st.tuples(st.just("append"), st.lists(st.integers(0, 99), min_size=1, max_size=5)),
    st.tuples(st.just("change"), st.lists(st.integers(0, 1000), min_size=1, max_size=3)),
    st.tuples(st.just("both"), st.integers(0, 1000), st.integers(1, 3)),
    st.tuples(st.just("save")),
    st.tuples(st.just("fork")),
)


@pytest.fixture
def small_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 3 entries, compaction past 8 entries and a quarter of the rows."""
    monkeypatch.setattr(rows_module, "CHUNK", 3)
    monkeypatch.setattr(rows_module, "LOG_MIN", 8)
    monkeypatch.setattr(rows_module, "LOG_SHARE", 1 / 4)


def step(array: RowArray, plain: list[int], operation: tuple[Any, ...], folder: Path) -> RowArray:
    kind = operation[0]
    n = len(plain)
    if kind == "append":
        values = operation[1]
        plain.extend(values)
        return array.updated(np.arange(n, n + len(values)), np.array(values), n + len(values))
    if kind == "save":
        array.save(folder, "x")
        return RowArray.load(folder, "x")
    if kind == "fork":  # another version from the same one: neither may see the other's rows
        other = array.updated(np.array([n]), np.array([-1]), n + 1)
        assert other.values.tolist() == [*plain, -1]
        return array
    if not n:
        return array
    if kind == "change":
        changed = sorted({r % n for r in operation[1]})
        for r in changed:
            plain[r] = 100 + r
        return array.updated(np.array(changed), np.array([100 + r for r in changed]), n)
    row, extra = operation[1] % n, operation[2]  # a change and appended rows at once
    plain[row] = 200
    plain.extend([300] * extra)
    rows = np.array([row, *range(n, n + extra)])
    return array.updated(rows, np.array([200] + [300] * extra), n + extra)


@pytest.mark.usefixtures("small_log")
@settings(max_examples=80, deadline=None)
@given(start=st.lists(st.integers(0, 99), max_size=12), operations=st.lists(OPERATION, max_size=25))
def test_updates_saves_and_loads_hold_the_plain_list(
    start: list[int], operations: list[tuple[Any, ...]]
) -> None:
    plain = list(start)
    array = RowArray.of(np.array(start, dtype=np.int64))
    versions: list[tuple[RowArray, list[int]]] = []
    with tempfile.TemporaryDirectory() as folder:
        for operation in operations:
            array = step(array, plain, operation, Path(folder))
            assert array.values.tolist() == plain
            assert array.values.dtype == np.int64
            assert array.log_length <= max(rows_module.LOG_MIN, len(plain) * rows_module.LOG_SHARE)
            versions.append((array, list(plain)))
        for version, held in versions:  # earlier versions never changed
            assert version.values.tolist() == held


def test_appending_writes_after_the_last_version_without_a_copy() -> None:
    first = appended(np.zeros(0, np.int64), np.arange(10))
    second = appended(first, np.array([10]))
    assert np.shares_memory(first, second) and first.tolist() == list(range(10))
    third = appended(first, np.array([-1]))  # from an older version: a copy
    assert not np.shares_memory(third, second)
    assert second.tolist() == list(range(11)) and third.tolist() == [*range(10), -1]
    mapped_like = np.arange(5)
    mapped_like.flags.writeable = False
    assert appended(mapped_like, np.array([5])).tolist() == list(range(6))


@pytest.mark.usefixtures("small_log")
def test_a_save_links_the_base_and_full_chunks_and_writes_the_last_one(tmp_path: Path) -> None:
    array = RowArray.of(np.arange(100, dtype=np.int64))
    array.save(tmp_path / "a", "x")
    array = RowArray.load(tmp_path / "a", "x")
    for n in range(100, 105):  # five rows appended: one full chunk of 3, a tail of 2
        array = array.updated(np.array([n]), np.array([n]), n + 1)
    array.save(tmp_path / "b", "x")
    base = (tmp_path / "a" / "x.npy").stat().st_ino
    assert (tmp_path / "b" / "x.npy").stat().st_ino == base
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [
        "x.log0.rows.npy",
        "x.log0.values.npy",
        "x.log1.rows.npy",
        "x.log1.values.npy",
        "x.npy",
    ]
    loaded = RowArray.load(tmp_path / "b", "x")
    assert loaded.values.tolist() == list(range(105))
    loaded = loaded.updated(np.array([105]), np.array([105]), 106)
    loaded.save(tmp_path / "c", "x")
    for name in ("x.npy", "x.log0.rows.npy", "x.log0.values.npy"):  # linked, not written
        assert (tmp_path / "c" / name).stat().st_ino == (tmp_path / "b" / name).stat().st_ino
    assert RowArray.load(tmp_path / "c", "x").values.tolist() == list(range(106))


@pytest.mark.usefixtures("small_log")
def test_a_log_that_does_not_fit_its_base_is_refused(tmp_path: Path) -> None:
    array = RowArray.of(np.arange(10, dtype=np.int64))
    array = array.updated(np.array([10, 11]), np.array([10, 11]), 12)
    array.save(tmp_path, "x")
    np.save(tmp_path / "x.log0.rows.npy", np.array([10, 12], dtype=np.int64))  # row 11 missing
    with pytest.raises(ValueError, match="does not fit"):
        RowArray.load(tmp_path, "x")
    np.save(tmp_path / "x.log0.rows.npy", np.array([10], dtype=np.int64))
    with pytest.raises(ValueError, match="malformed"):
        RowArray.load(tmp_path, "x")


def test_a_log_naming_a_row_far_past_its_base_is_refused_before_any_allocation(
    tmp_path: Path,
) -> None:
    RowArray.of(np.arange(3, dtype=np.int64)).updated(np.array([3]), np.array([3]), 4).save(
        tmp_path, "x"
    )
    np.save(tmp_path / "x.log0.rows.npy", np.array([10**12], dtype=np.int64))
    with pytest.raises(ValueError, match="does not fit"):
        RowArray.load(tmp_path, "x")
