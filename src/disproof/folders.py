"""Folders: writing one so that readers see the old files or the new ones, never a mix; and
reading a file a data file names without leaving the folder it belongs to."""

from __future__ import annotations

import atexit
import json
import queue
import secrets
import shutil
import tempfile
import threading
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


#: Replaced folders this process is removing, and the thread removing them (one, started once:
#: starting a thread per save cost ~2.5 ms under load).
_REMOVING: set[Path] = set()
_REMOVALS: queue.SimpleQueue[Path] = queue.SimpleQueue()
_REMOVER: list[threading.Thread] = []
_REMOVER_LOCK = threading.Lock()


@contextmanager
def staged_folder(folder: Path, *, remove_in_background: bool = False) -> Iterator[Path]:
    """A fresh folder beside ``folder`` to write into. When the block ends without error it
    replaces ``folder``; on error it is deleted and ``folder`` is left as it was.

    The folder replaced is renamed aside (``.<name>.old.<random>``), then removed: at once, or
    with ``remove_in_background`` by a background thread (unlinking a match index's files took
    ~10 ms of each of its saves on a virtual disk; what is left at exit is removed then). One
    a killed process left aside is removed by the next save to ``folder``."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    for left in folder.parent.glob(f".{folder.name}.old.*"):
        if left not in _REMOVING:
            shutil.rmtree(left, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        yield staging
        old = None
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old.{secrets.token_hex(8)}")
            folder.rename(old)
        staging.rename(folder)
        MOVED[staging] = folder
        while len(MOVED) > 64:
            MOVED.pop(next(iter(MOVED)))
        if old is not None and remove_in_background:
            _remove_later(old)
        elif old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _remove_later(folder: Path) -> None:
    _REMOVING.add(folder)
    _REMOVALS.put(folder)
    with _REMOVER_LOCK:
        if not _REMOVER or not _REMOVER[0].is_alive():
            _REMOVER[:] = [threading.Thread(target=_remover, name="folder-removal", daemon=True)]
            _REMOVER[0].start()
            atexit.register(_remove_left)


def _remove_left() -> None:
    """At exit: remove what the background thread has not yet (a command that saved an index
    and ends leaves no copy of the old one behind)."""
    for folder in list(_REMOVING):
        shutil.rmtree(folder, ignore_errors=True)


def _remover() -> None:
    while True:
        folder = _REMOVALS.get()
        try:
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            _REMOVING.discard(folder)


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
