"""The same data on every store for the team benchmarks (``editors``, ``workers``).

The EUvsDisinfo case index is imported into an SQLite file and its match index built
(``disproof import``, ``disproof index``) once, kept in ``--cache`` and reused by later runs,
with a viewer token and one editor token per editor (``disproof token create``). Each run then
serves a copy of it: the file (and its saved index) copied for SQLite, or, for PostgreSQL, a
database copied with ``CREATE DATABASE … TEMPLATE`` from one that ``disproof copy`` filled from
the SQLite file (cases, history, tokens and the index's vectors) in a throwaway cluster.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.serving import CLI, UNLIMITED, Server, cli, cpu_seconds, pg_cluster

if TYPE_CHECKING:
    from tests.pg import Cluster

DATASET = "euvsdisinfo/case_index_2015_2019.csv"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
#: The database ``disproof copy`` fills in the cluster; each run's database is a copy of it.
PG_SOURCE = "team_source"
EDITORS = 8


@dataclass(frozen=True)
class Target:
    """Where a run is served: the store and how many worker processes serve it."""

    store: str  # "sqlite" or "postgresql"
    workers: int

    @property
    def label(self) -> str:
        name = "SQLite" if self.store == "sqlite" else "PostgreSQL"
        return f"{name}, {self.workers} worker{'s' if self.workers > 1 else ''}"


#: SQLite serves with one worker (``--workers`` above 1 is refused on it).
TARGETS = (Target("sqlite", 1), Target("postgresql", 1), Target("postgresql", 4))


TARGETS_HELP = "store:workers,… (default: sqlite:1,postgresql:1,postgresql:4)"


def parse_targets(text: str) -> list[Target]:
    """``sqlite:1,postgresql:4`` → targets."""
    out = []
    for part in text.split(","):
        store, _, workers = part.partition(":")
        out.append(Target(store.strip(), int(workers or 1)))
    return out


def prepare(cache: Path, data: Path = DATA) -> tuple[Path, dict[str, str]]:
    """The prepared SQLite file in ``cache`` (made on first use) and its tokens (name → secret:
    ``viewer`` and ``editor-1`` … ``editor-8``)."""
    db, tokens_file = cache / "team.db", cache / "team-tokens.json"
    if not tokens_file.exists():
        cache.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        if not db.exists():
            print(cli(db, "import", str(data / DATASET)), flush=True)
        cli(db, "index", timeout=3600)  # resumable: an interrupted preparation goes on
        roles = {"viewer": "viewer"} | {f"editor-{n}": "editor" for n in range(1, EDITORS + 1)}
        tokens = {
            name: cli(db, "token", "create", "--name", name, "--role", role)
            for name, role in roles.items()
        }
        tokens_file.write_text(json.dumps(tokens))
        print(f"prepared {db} in {time.monotonic() - started:.0f} s", flush=True)
    return db, json.loads(tokens_file.read_text())


def fill_cluster(cluster: Cluster, prepared: Path) -> None:
    """Copy the prepared file into the cluster's source database (``disproof copy``)."""
    import subprocess

    cluster.admin(f"CREATE DATABASE {PG_SOURCE}")
    subprocess.run(
        [*CLI, "copy", str(prepared), cluster.url(PG_SOURCE)],
        check=True,
        capture_output=True,
        timeout=1800,
    )


@contextmanager
def served(
    target: Target, prepared: Path, folder: Path, cluster: Cluster | None
) -> Iterator[Server]:
    """``disproof serve`` on a fresh copy of the prepared data, stopped at the end."""
    name = None
    if target.store == "sqlite":
        db: str = str(folder / f"run-{time.monotonic_ns()}.db")
        shutil.copy(prepared, db)
        index = prepared.with_name(prepared.name + ".index")
        if index.exists():
            shutil.copytree(index, db + ".index")
    else:
        assert cluster is not None, "PostgreSQL targets need a cluster"
        name = cluster.create_database(PG_SOURCE)
        db = cluster.url(name)
    server = Server(
        db,
        folder / f"server-{target.store}-{target.workers}.log",
        env=UNLIMITED,
        workers=target.workers,
    )
    server.start(timeout=900)
    try:
        settle(server)
        yield server
    finally:
        server.stop()
        if name is not None and cluster is not None:
            cluster.drop_database(name)


def settle(server: Server, busy: float = 0.05, timeout: float = 600) -> float:
    """Wait until the server's processes are idle (under ``busy`` of a core for 3 s in a row):
    each worker loads e5 and the match index in the background after it starts answering, and
    that must not count in the measurement. The seconds waited."""
    started = time.monotonic()
    quiet, used = 0, cpu_seconds(server.pid)
    while quiet < 3 and time.monotonic() - started < timeout:
        time.sleep(1)  # sampling CPU time: there is nothing to wait on
        now = cpu_seconds(server.pid)
        quiet, used = (quiet + 1 if now - used < busy else 0), now
    return time.monotonic() - started


def for_seconds(threads: list[threading.Thread], stop: threading.Event, seconds: float) -> float:
    """Run ``threads`` (which end once ``stop`` is set) for ``seconds``; the seconds taken."""
    started = time.monotonic()
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_now(server: Server, cluster: Cluster | None) -> tuple[float, float]:
    """CPU seconds used so far by the server's processes and by the PostgreSQL cluster's (0
    without one)."""
    database = 0.0
    if cluster is not None:
        database = cpu_seconds(int((cluster.data / "postmaster.pid").read_text().split()[0]))
    return cpu_seconds(server.pid), database


@dataclass
class Window:
    """The load average and the CPU time used around a measurement."""

    load_before: str
    cpu_before: tuple[float, float]
    load_after: str = ""
    cpu_after: tuple[float, float] = (0.0, 0.0)

    @property
    def loads(self) -> str:
        return f"{self.load_before} → {self.load_after}"

    def cpu_per(self, count: int) -> str:
        """CPU milliseconds per request: the server's, and PostgreSQL's when it ran."""
        app, database = (
            (b - a) * 1000 / max(count, 1)
            for a, b in zip(self.cpu_before, self.cpu_after, strict=True)
        )
        return f"{app:.0f}" + (f" + {database:.0f}" if self.cpu_after[1] else "")


@contextmanager
def window(server: Server, cluster: Cluster | None) -> Iterator[Window]:
    seen = Window(load_average(), cpu_now(server, cluster))
    yield seen
    seen.load_after, seen.cpu_after = load_average(), cpu_now(server, cluster)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of every team benchmark."""
    parser.add_argument("--targets", type=parse_targets, default=list(TARGETS), help=TARGETS_HELP)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "disproof-team",
        help="where the prepared data is kept between runs",
    )


def each_served(
    targets: list[Target], prepared: Path
) -> Iterator[tuple[Target, Server, Cluster | None]]:
    """Each target served in turn on a copy of the prepared data (a cluster started first when
    a target needs PostgreSQL)."""
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="disproof-team-") as folder:
        cluster = None
        if any(t.store == "postgresql" for t in targets):
            cluster = stack.enter_context(pg_cluster())
            fill_cluster(cluster, prepared)
        for target in targets:
            with served(target, prepared, Path(folder), cluster) as server:
                yield target, server, cluster
