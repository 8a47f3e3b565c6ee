"""Loaders stay inside their folder (issue 15, item 7): a SemEval annotation line naming
``../../../x.txt`` or ``/etc/hostname`` is refused, naming the file and line, and nothing
outside the dataset is read. The check is one helper, :func:`disproof.folders.inside`."""

from __future__ import annotations

from pathlib import Path

import pytest

from disproof.errors import DisproofError
from disproof.folders import OutsideFolder, inside
from disproof.narratives.semeval import ANNOTATIONS, DOCUMENTS, load_semeval_documents

SECRET = "secret outside the dataset"
ESCAPES = [
    "../../../secret.txt",
    "../secret.txt",
    "sub/../../secret.txt",
    "..\\..\\secret.txt",
    "/etc/hostname",
    "SECRET_ABSOLUTE",  # replaced by the absolute path of the secret file
    "C:\\Windows\\win.ini",
    "\\\\server\\share\\x.txt",
    "link-out/secret.txt",  # a symbolic link inside the folder that points out of it
    "link-to-secret.txt",
]


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """``tmp/data/EN`` with one good document; ``tmp/secret.txt`` lies outside it."""
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    folder = tmp_path / "data" / "EN"
    documents = folder / DOCUMENTS
    (documents / "sub").mkdir(parents=True)
    (documents / "good.txt").write_text("A good document.", encoding="utf-8")
    (documents / "sub" / "nested.txt").write_text("A nested document.", encoding="utf-8")
    (documents / "link-out").symlink_to(tmp_path, target_is_directory=True)
    (documents / "link-to-secret.txt").symlink_to(tmp_path / "secret.txt")
    return folder


def _annotate(folder: Path, *names: str) -> None:
    lines = [f"{name}\tOther\tOther" for name in names]
    (folder / ANNOTATIONS).write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("name", ESCAPES)
def test_an_annotation_naming_a_file_outside_the_dataset_is_refused(
    dataset: Path, name: str
) -> None:
    if name == "SECRET_ABSOLUTE":
        name = str(dataset.parent.parent / "secret.txt")
    _annotate(dataset, "good.txt", name)
    with pytest.raises(DisproofError) as refused:
        load_semeval_documents(dataset)
    message = str(refused.value)
    assert message.startswith(f"{dataset / ANNOTATIONS}, line 2: refused: ")
    assert SECRET not in message and "\n" not in message


def test_files_inside_the_dataset_still_load(dataset: Path) -> None:
    _annotate(dataset, "good.txt", "sub/nested.txt", "./sub/nested2.txt")
    (dataset / DOCUMENTS / "sub" / "nested2.txt").write_text("Another.", encoding="utf-8")
    documents = load_semeval_documents(dataset)
    assert [d.id for d in documents] == ["./sub/nested2.txt", "good.txt", "sub/nested.txt"]
    assert all(SECRET not in d.text for d in documents)


@pytest.mark.parametrize("name", ["", "a\0b", "../x", "/x", "a/../../x", "C:x", "\\\\h\\s\\x"])
def test_the_helper_refuses_names_leading_out(tmp_path: Path, name: str) -> None:
    with pytest.raises(OutsideFolder):
        inside(tmp_path, name)


def test_the_helper_resolves_names_inside(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    assert inside(tmp_path, "a/b.txt") == tmp_path.resolve() / "a" / "b.txt"
    assert inside(tmp_path, "a/./b.txt") == tmp_path.resolve() / "a" / "b.txt"
