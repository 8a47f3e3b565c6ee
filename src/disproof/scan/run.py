"""Running a scan on Dask: a local cluster by default, a scheduler's address for a real one,
the same code path for both.

The client reads the inputs in order, cuts them into partitions of ``partition_size`` records
and submits each partition's items as one task (the items travel with the task, so workers
need no access to the input files, and a task whose worker dies is run again elsewhere by the
scheduler). At most a few partitions per worker are in flight: the inputs are streamed, never
held whole. Each finished partition is written by the client (``output.Output``) and recorded
in the manifest; a rerun skips the partitions recorded there.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from disproof.errors import DisproofError
from disproof.scan.items import BadRow, Columns, Item
from disproof.scan.output import Finished, Output, PartRows
from disproof.scan.readers import count_records, read_source
from disproof.scan.sources import Source

if TYPE_CHECKING:
    from distributed import Client

    from disproof.match.calibration import Band
    from disproof.scan.bundle import Bundle

logger = logging.getLogger(__name__)
#: Partitions in flight per worker (one running, the next ones queued).
IN_FLIGHT_PER_WORKER = 3
#: Bad rows kept for the summary (all are counted; the manifest keeps some per partition).
KEPT_BAD_ROWS = 1000
#: Seconds to wait for a scheduler to answer, and for its first worker.
CONNECT_TIMEOUT = 30


@dataclass(frozen=True)
class ScanOptions:
    columns: Columns = field(default_factory=Columns)
    partition_size: int = 500
    top_k: int = 5
    min_band: Band | None = None
    keep_none: bool = False
    #: Local cluster only: worker processes, and OpenMP threads of each (the defaults:
    #: :func:`local_shape`).
    workers: int | None = None
    threads: int | None = None
    scheduler: str | None = None


@dataclass(frozen=True)
class Partition:
    key: str
    items: list[Item]
    bad: list[BadRow]

    @property
    def records(self) -> int:
        return len(self.items) + len(self.bad)


@dataclass
class Totals:
    items: int = 0
    matches: int = 0
    bad: int = 0
    partitions: int = 0
    skipped: int = 0
    bad_rows: list[dict[str, Any]] = field(default_factory=list)


def local_shape(cores: int | None = None) -> tuple[int, int]:
    """Worker processes × OpenMP threads for a local cluster: one single-threaded worker per
    core (docs/scanning.md has the measurements behind it)."""
    cores = cores or os.cpu_count() or 1
    return cores, 1


def partitions(sources: list[Source], columns: Columns, size: int) -> Iterator[Partition]:
    """Every source cut into partitions of ``size`` records, keyed by source and number."""
    for number, source in enumerate(sources):
        chunk: list[Item | BadRow] = []
        part = 0
        for record in read_source(source, columns):
            chunk.append(record)
            if len(chunk) == size:
                yield _partition(number, part, chunk)
                chunk, part = [], part + 1
        if chunk:
            yield _partition(number, part, chunk)


def _partition(source: int, part: int, records: list[Item | BadRow]) -> Partition:
    items = [r for r in records if isinstance(r, Item)]
    bad = [r for r in records if isinstance(r, BadRow)]
    return Partition(f"{source:04d}-{part:06d}", items, bad)


def signature(sources: list[Source], options: ScanOptions, bundle: Bundle) -> dict[str, Any]:
    """What makes two scans the same scan (a rerun resumes only that): the inputs (with size
    and modification time of local files), the options that change the output, the cases."""
    inputs = []
    for source in sources:
        entry: dict[str, Any] = {"name": source.name, "format": source.format}
        path = Path(source.name)
        if "://" not in source.name and path.is_file():
            stat = path.stat()
            entry.update(size=stat.st_size, mtime=stat.st_mtime_ns)
        inputs.append(entry)
    return {
        "format": 1,
        "inputs": inputs,
        "columns": asdict(options.columns),
        "partition_size": options.partition_size,
        "top_k": options.top_k,
        "min_band": options.min_band,
        "keep_none": options.keep_none,
        "model_id": bundle.model_id,
        "cases": bundle.digest,
    }


def connect(options: ScanOptions) -> Client:
    """A client of the given scheduler, or of a new local cluster."""
    from distributed import Client, LocalCluster

    if options.scheduler:
        try:
            return Client(options.scheduler, timeout=CONNECT_TIMEOUT)
        except OSError as exc:
            raise DisproofError(f"cannot reach the scheduler {options.scheduler}: {exc}") from None
    workers, threads = local_shape()
    workers = options.workers or workers
    threads = options.threads or threads
    env = {"OMP_NUM_THREADS": str(threads), "OMP_WAIT_POLICY": "PASSIVE"}
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
        env=env,
    )
    return Client(cluster)


def register(client: Client, options: ScanOptions, bundle: Bundle) -> None:
    """Load the bundle's matcher on every worker, present and future (a remote cluster gets
    the bundle's files with the plugin; local workers read its folder)."""
    from disproof.scan.worker import MatcherPlugin

    remote = options.scheduler is not None
    threads = options.threads or (None if remote else local_shape()[1])
    files = bundle.files() if remote else None
    client.register_plugin(
        MatcherPlugin(bundle.digest, str(bundle.folder.resolve()), files, threads)
    )


class _Tally:
    """The totals of a scan so far, told to ``progress`` as records done of ``total``."""

    def __init__(self, total: int, progress: Callable[[int, int], None] | None) -> None:
        self.totals = Totals()
        self.total = total
        self.done = 0
        self.progress = progress

    def add(self, part: Partition, finished: Finished, *, skipped: bool = False) -> None:
        totals = self.totals
        totals.items += finished.items
        totals.matches += finished.matches
        totals.bad += finished.bad
        totals.partitions += 1
        totals.skipped += skipped
        totals.bad_rows += finished.bad_rows[: KEPT_BAD_ROWS - len(totals.bad_rows)]
        self.done += part.records
        if self.progress is not None:
            self.progress(self.done, self.total)


def _rows(future: Any, part: Partition) -> PartRows:
    """A finished task's rows; its failure (after Dask's retries) as a DisproofError."""
    try:
        rows: PartRows = future.result()
    except DisproofError:
        raise
    except Exception as exc:
        why = f"{type(exc).__name__}: {exc}"
        raise DisproofError(f"partition {part.key} failed: {why}") from exc
    return rows


def scan(
    client: Client,
    sources: list[Source],
    options: ScanOptions,
    bundle: Bundle,
    output: Output,
    progress: Callable[[int, int], None] | None = None,
) -> Totals:
    """Scan every partition not finished yet; the totals of the whole scan (rerun included)."""
    from distributed import as_completed

    from disproof.scan.worker import scan_partition

    register(client, options, bundle)
    tally = _Tally(sum(count_records(s, options.columns) for s in sources), progress)
    run = uuid.uuid4().hex[:8]
    pending = as_completed()
    in_flight: dict[Any, Partition] = {}

    def finish(future: Any) -> None:
        part = in_flight.pop(future)
        tally.add(part, output.write(part.key, _rows(future, part), part.bad))

    for part in partitions(sources, options.columns, options.partition_size):
        finished = output.finished.get(part.key)
        if finished is not None:
            tally.add(part, finished, skipped=True)
            continue
        future = client.submit(
            scan_partition, bundle.digest, part.items, options.top_k, options.min_band,
            options.keep_none, key=f"disproof-scan-{run}-{part.key}", pure=False,
        )  # fmt: skip
        in_flight[future] = part
        pending.add(future)
        workers = max(len(client.scheduler_info().get("workers", {})), 1)
        while len(in_flight) >= IN_FLIGHT_PER_WORKER * workers:
            finish(next(pending))
    for future in pending:
        finish(future)
    return tally.totals
