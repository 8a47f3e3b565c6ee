"""Writing a folder of files so that readers see the old files or the new ones, never a mix."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


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
