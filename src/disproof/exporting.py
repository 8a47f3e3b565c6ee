"""The export use case: every case, ordered by id, to a stream or atomically to a file.

A file export never lands on the database's own files (``store.files``), replaces an existing
file only when asked to, and leaves no half-written file behind when it fails.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TextIO, cast

from disproof.errors import DisproofError
from disproof.io import exporter
from disproof.settings import Settings
from disproof.store import CaseStore
from disproof.store.backup import publish
from disproof.store.files import refuse_database_files


def writer(fmt: str, base_url: str | None) -> Callable[..., int]:
    """The exporter's ``write`` for ``fmt`` (ClaimReview: with the site's base URL); an unknown
    format fails here, before anything is read or written."""
    module = exporter(fmt)
    if fmt != "claimreview":
        return cast(Callable[..., int], module.write)
    return partial(module.write, base_url=base_url)


def export(store: CaseStore, out: TextIO, fmt: str, base_url: str | None) -> int:
    """Write every case, ordered by id, to an open text stream."""
    return int(writer(fmt, base_url)(store.iter_cases(), out))


def export_to_path(
    store: CaseStore,
    settings: Settings,
    path: Path,
    fmt: str,
    base_url: str | None,
    force: bool,
) -> int:
    """Write every case to ``path`` atomically; never onto the database's own files, onto an
    existing file only with ``force``."""
    write = writer(fmt, base_url)
    target = path.expanduser()
    refuse_database_files(settings.sqlite_path(), target, "export")
    if target.is_dir():
        raise DisproofError(f"{target} is a directory; give a file name")
    if not target.parent.exists():
        raise DisproofError(f"folder {target.parent} does not exist")
    if target.exists() and not force:
        raise DisproofError(f"{target} exists; pass --force to overwrite it")
    handle = tempfile.NamedTemporaryFile(
        "w",
        encoding="utf-8",
        newline="",
        dir=target.parent,
        prefix=f".{target.name}.",
        delete=False,
    )
    try:
        with handle:
            count = int(write(store.iter_cases(), handle))
        publish(Path(handle.name), target, force=force)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return count
