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
