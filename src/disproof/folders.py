"""Folders: writing one so that readers see the old files or the new ones, never a mix; and
reading a file a data file names without leaving the folder it belongs to."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath, PureWindowsPath


class OutsideFolder(ValueError):
    """A name read from a data file that would lead outside the folder it must stay in."""


def inside(folder: Path, name: str) -> Path:
    """The file ``name`` names within ``folder``, for a name read from a data file (untrusted).

    Raises :class:`OutsideFolder` (its message says why) for an empty name, a NUL, an absolute
    path (``/etc/hostname``, ``C:\\x``, ``\\\\server\\x``), a ``..`` part in either separator
    (``../../x.txt``, ``a\\..\\..\\x``), or a name that leads out through a symbolic link.
    Every loader that opens files named by a data file goes through here (SemEval annotations
    today, any corpus or feed reader tomorrow); callers add the file and line.
    """
    if not name or "\0" in name:
        raise OutsideFolder("an empty file name" if not name else "a file name with a NUL byte")
    posix, windows = PurePosixPath(name), PureWindowsPath(name)
    if posix.is_absolute() or windows.anchor:
        raise OutsideFolder(f"{name!r} is an absolute path; only files inside {folder} are read")
    if ".." in posix.parts or ".." in windows.parts:
        raise OutsideFolder(f"{name!r} leads out of {folder} ('..')")
    base = folder.resolve()
    target = (base / posix).resolve()
    if not target.is_relative_to(base):
        raise OutsideFolder(f"{name!r} leads out of {folder} (through a symbolic link)")
    return target


#: Staged folders renamed into place by this process, the latest last: where a file written
#: into one is now (``retrieve/arrays.py`` links files it wrote into the next save).
MOVED: dict[Path, Path] = {}


@contextmanager
def staged_folder(folder: Path) -> Iterator[Path]:
    """A fresh folder beside ``folder`` to write into. When the block ends without error it
    replaces ``folder`` (removed first if it exists); on error it is deleted and ``folder`` is
    left as it was."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        yield staging
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
        MOVED[staging] = folder
        while len(MOVED) > 64:
            MOVED.pop(next(iter(MOVED)))
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def replaceable(folder: Path, format_: str) -> bool:
    """May ``folder`` be replaced by a model of ``format_``: it is missing, empty, or such a
    model already (its ``meta.json`` says so) — never a folder holding anything else."""
    if not folder.exists():
        return True
    if not folder.is_dir():
        return False
    if not any(folder.iterdir()):
        return True
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and meta.get("format") == format_
