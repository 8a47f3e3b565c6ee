"""What runs on a Dask worker: the matcher, loaded once per worker by a plugin, and the task
that scans one partition with it.

Imported only by a scan (it imports ``distributed``). Each worker is its own process, started
by ``spawn`` (Dask's default; a ``fork``ed child of a process that ran the encoder would hang)
with its OpenMP threads pinned (``OMP_NUM_THREADS`` set before the model loads), so the
workers of one machine do not fight over its cores.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from distributed import WorkerPlugin

from disproof.errors import DisproofError
from disproof.scan.bundle import load_matcher, unpack
from disproof.scan.output import PartRows, item_rows

if TYPE_CHECKING:
    from distributed import Worker

    from disproof.match.calibration import Band
    from disproof.match.matcher import Matcher
    from disproof.scan.items import Item

#: The matchers loaded in this worker process, by bundle digest.
_MATCHERS: dict[str, Matcher] = {}
#: Texts matched at a time in a partition: as ``disproof match --jsonl`` does.
CHUNK = 64
#: Thread-count variables of the numeric libraries a worker may load.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class MatcherPlugin(WorkerPlugin):
    """Loads a scan bundle's matcher into each worker once, when the worker starts (or when
    the plugin is registered). ``files`` carries the bundle to workers that cannot read
    ``folder`` (another machine); they unpack it into their local directory."""

    def __init__(
        self, digest: str, folder: str, files: dict[str, bytes] | None, threads: int | None
    ) -> None:
        self.name = f"disproof-scan-{digest}"
        self.digest = digest
        self.folder = folder
        self.files = files
        self.threads = threads

    def setup(self, worker: Worker) -> None:
        if self.threads:
            for variable in THREAD_VARIABLES:
                os.environ[variable] = str(self.threads)
        folder = Path(self.folder)
        if self.files is not None:
            folder = Path(worker.local_directory) / f"disproof-bundle-{self.digest}"
            unpack(self.files, folder)
            self.files = None  # the copy on disk is what is used from now on
        if self.digest not in _MATCHERS:
            matcher = load_matcher(folder)
            if matcher.embedder is not None:
                matcher.embedder.encode_queries(["warm-up"])  # loads the model now
            _MATCHERS[self.digest] = matcher


def scan_partition(
    digest: str, items: list[Item], top_k: int, min_band: Band | None, keep_none: bool
) -> PartRows:
    """The output rows of one partition's items (a task; the matcher is the worker's own)."""
    matcher = _MATCHERS.get(digest)
    if matcher is None:
        raise DisproofError("this worker has no matcher: the scan's worker plugin did not run")
    results = []
    for start in range(0, len(items), CHUNK):
        texts = [item.text for item in items[start : start + CHUNK]]
        results += matcher.match_many(texts, top_k=top_k, min_band=min_band)
    return item_rows(items, results, keep_none)
