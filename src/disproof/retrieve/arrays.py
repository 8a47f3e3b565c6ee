"""Saving index arrays: each file written anew and renamed into place, or hard-linked.

Saved index arrays are never changed in place (a serving process may have them memory-mapped),
so an array still mapped whole from a saved file can be hard-linked into the next save instead
of written again: an index that changed a little saves a little. So can an array this process
wrote whole and kept in memory (made read-only then, as a mapped one is): a serving process
that updates the index it holds, without loading it again, links as much.
"""

from __future__ import annotations

import mmap
import os
import weakref
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from disproof.folders import MOVED


def load_array(path: Path) -> npt.NDArray[Any]:
    """The ``.npy`` file memory-mapped read-only, marked with the identity (device, inode) of
    the file mapped, so that :func:`save_array` links exactly that file and never another one
    saved at the same path since."""
    with open(path, "rb") as file:
        version = np.lib.format.read_magic(file)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(file)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(file)
        else:  # not written by np.save of a plain array: map it, never link it
            mapped: npt.NDArray[Any] = np.load(path, mmap_mode="r")
            return mapped
        stat = os.fstat(file.fileno())
        array = np.memmap(
            file, dtype, "r", offset=file.tell(), shape=shape, order="F" if fortran else "C"
        )
    array.saved_as = (stat.st_dev, stat.st_ino)  # type: ignore[attr-defined]
    return array


def save_array(path: Path, array: npt.NDArray[Any]) -> None:
    """``np.save`` to ``path`` through a new file renamed into place; or a hard link to the
    file the array is mapped from, when :func:`load_array` mapped it whole and it is still
    there."""
    source = _mapped_file(array)
    if source is not None and path.exists() and source.samefile(path):
        return
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        if source is None:
            raise OSError("not mapped from a saved file")
        os.link(source, temporary)
    except OSError:
        with open(temporary, "wb") as file:
            np.save(file, array)
        if array.base is None and not isinstance(array, np.memmap):  # its own data: kept
            array.flags.writeable = False  # as if mapped: never changed after it is saved
            stat = os.stat(temporary)
            key = id(array)
            _WRITTEN[key] = (weakref.ref(array, lambda _: _WRITTEN.pop(key, None)), path, stat)
    os.replace(temporary, path)


#: Arrays written whole by :func:`save_array` and still alive: where, and the file's identity.
_WRITTEN: dict[int, tuple[weakref.ref[npt.NDArray[Any]], Path, os.stat_result]] = {}


def _written_file(array: npt.NDArray[Any]) -> Path | None:
    entry = _WRITTEN.get(id(array))
    if entry is None or entry[0]() is not array or array.flags.writeable:
        return None
    _, path, written = entry
    places = [path] + [
        folder / path.relative_to(staging)
        for staging, folder in reversed(MOVED.items())
        if path.is_relative_to(staging)
    ]
    for place in places:
        try:
            stat = os.stat(place)
        except OSError:
            continue
        if (stat.st_dev, stat.st_ino) == (written.st_dev, written.st_ino):
            return place
    return None


def _mapped_file(array: npt.NDArray[Any]) -> Path | None:
    written = _written_file(array)
    if written is not None:
        return written
    saved_as = getattr(array, "saved_as", None)
    filename = getattr(array, "filename", None)
    if saved_as is None or not filename or not isinstance(array.base, mmap.mmap):
        return None  # not mapped by load_array, or a slice of such an array
    try:
        stat = os.stat(filename)
    except OSError:
        return None
    return Path(filename) if (stat.st_dev, stat.st_ino) == saved_as else None
