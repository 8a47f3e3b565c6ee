"""Dense rows updated beside the saved matrix (a tail and changed rows), and index arrays saved
by hard-linking the file they are mapped from — never another file saved there since."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from disproof.retrieve import DenseIndex
from disproof.retrieve.arrays import load_array, save_array


def unit(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = rng.standard_normal((n, 8)).astype(np.float32)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_updated_rows_read_like_one_matrix() -> None:
    full = unit(40, 0)
    index = DenseIndex(full[:30].copy(), "d")
    expected = full[:30].copy()
    for step, (rows, total) in enumerate([([30, 31], 32), ([3, 31, 35], 36), ([0, 3], 36)]):
        vectors = unit(len(rows), step + 1)
        index = index.updated(np.array(rows), vectors, total)
        expected = np.concatenate([expected, np.zeros((total - len(expected), 8), np.float32)])
        expected[rows] = vectors
        assert index.pending and len(index) == total
        assert np.array_equal(index.vectors, expected)
        query = unit(1, 9)[0]
        assert np.allclose(index.scores(query), expected @ query)
        picked = np.array([r for r in (35, 0, 3, 12, 31) if r < total])
        assert np.array_equal(index.take(picked), expected[picked])
        assert index.held() == int(np.count_nonzero(np.any(expected != 0, axis=1)))
    merged = index.merged()
    assert not merged.pending and np.array_equal(merged.vectors, expected)


def test_a_mapped_array_is_linked_only_while_its_file_is_there(tmp_path: Path) -> None:
    first = tmp_path / "a.npy"
    np.save(first, np.arange(5))
    mapped = load_array(first)
    save_array(tmp_path / "copy.npy", mapped)
    assert os.stat(tmp_path / "copy.npy").st_ino == os.stat(first).st_ino  # linked
    save_array(first, mapped)  # onto itself: nothing to do
    assert np.array_equal(np.load(first), np.arange(5))
    save_array(first, np.arange(5) * 10)  # another index saved at the path since
    save_array(tmp_path / "again.npy", mapped)  # the stale mapping is written, not linked
    assert np.array_equal(np.load(tmp_path / "again.npy"), np.arange(5))
    assert os.stat(tmp_path / "again.npy").st_ino != os.stat(first).st_ino
    save_array(tmp_path / "slice.npy", mapped[1:3])
    assert np.array_equal(np.load(tmp_path / "slice.npy"), [1, 2])


def test_the_main_matrix_keeps_its_identity_until_it_is_replaced() -> None:
    index = DenseIndex(unit(30, 0), "d")
    updated = index.updated(np.array([3, 30]), unit(2, 1), 31)
    assert updated.base_id == index.base_id  # the same main matrix, rows beside it
    assert updated.pending_rows.tolist() == [3, 30]
    assert updated.merged().base_id != index.base_id  # a new matrix: graphs saved for it differ
    assert DenseIndex(unit(30, 0), "d").base_id != index.base_id


def test_an_array_written_whole_is_linked_into_the_next_save(tmp_path: Path) -> None:
    from disproof.folders import staged_folder

    array = np.arange(6, dtype=np.int64)
    with staged_folder(tmp_path / "index") as staging:
        save_array(staging / "a.npy", array)
    assert not array.flags.writeable  # kept as saved: like a mapped array, never changed
    inode = os.stat(tmp_path / "index" / "a.npy").st_ino
    with staged_folder(tmp_path / "index") as staging:
        save_array(staging / "a.npy", array)
    assert os.stat(tmp_path / "index" / "a.npy").st_ino == inode  # linked, not written
    np.save(tmp_path / "other.npy", np.zeros(6, dtype=np.int64))  # another save since
    os.replace(tmp_path / "other.npy", tmp_path / "index" / "a.npy")
    with staged_folder(tmp_path / "index") as staging:
        save_array(staging / "a.npy", array)
    assert np.array_equal(np.load(tmp_path / "index" / "a.npy"), np.arange(6))
