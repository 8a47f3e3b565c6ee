from pathlib import Path

import pytest

from disproof.folders import staged_folder


def test_a_staged_folder_replaces_the_old_one_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "model"
    with staged_folder(target) as staging:
        (staging / "a.txt").write_text("one", encoding="utf-8")
        assert not target.exists()
    assert (target / "a.txt").read_text(encoding="utf-8") == "one"
    with pytest.raises(RuntimeError), staged_folder(target) as staging:
        (staging / "a.txt").write_text("half", encoding="utf-8")
        raise RuntimeError("interrupted")
    assert (target / "a.txt").read_text(encoding="utf-8") == "one"
    assert [p.name for p in target.parent.iterdir()] == ["model"]  # no staging left behind


def test_the_folder_replaced_is_removed_and_a_crashed_one_left_aside_too(tmp_path: Path) -> None:
    import time

    target = tmp_path / "index"
    for text in ("one", "two", "three"):
        with staged_folder(target, remove_in_background=True) as staging:
            (staging / "a.txt").write_text(text, encoding="utf-8")
        assert (target / "a.txt").read_text(encoding="utf-8") == text
    left = tmp_path / ".index.old.0123"  # as a process killed after renaming it aside leaves it
    left.mkdir()
    (left / "a.txt").write_text("old", encoding="utf-8")
    with staged_folder(target) as staging:  # removed at once, and the one left aside too
        (staging / "a.txt").write_text("four", encoding="utf-8")
    deadline = time.monotonic() + 10
    while len(list(tmp_path.iterdir())) > 1 and time.monotonic() < deadline:
        time.sleep(0.01)  # the replaced ones are removed in the background
    assert [p.name for p in tmp_path.iterdir()] == ["index"]
    assert (target / "a.txt").read_text(encoding="utf-8") == "four"
