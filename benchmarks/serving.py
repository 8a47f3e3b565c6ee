"""A served disproof for benchmarks: ``disproof serve`` as a subprocess on a free port of
127.0.0.1, on a database seeded through the command line, and its resident memory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.pg import Cluster

import httpx

#: The environment of a server whose clients are the benchmark's own: no budget for expensive
#: requests (``disproof.api.budget``), which would answer the soak's and load's matches 429.
UNLIMITED = {"DISPROOF_BUDGET_BURST": "1e12", "DISPROOF_BUDGET_PER_MINUTE": "1e12"}

#: ``disproof`` in this interpreter (and with its PYTHONPATH): the tree under test.
CLI = [sys.executable, "-c", "import sys; from disproof.cli import main; sys.exit(main())"]


def cli(db: Path | str, *args: str, timeout: float = 300) -> str:
    """Run ``disproof --db DB ARGS``; its standard output."""
    out = subprocess.run(
        [*CLI, "--db", str(db), *args], capture_output=True, text=True, check=True, timeout=timeout
    )
    return out.stdout.strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """``disproof serve`` on a database (a file or a URL), as a subprocess logging to a file;
    ``workers`` above 1 needs a PostgreSQL database."""

    db: Path | str
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    env: dict[str, str] = field(default_factory=dict)  # added to this process's environment
    workers: int = 1

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 120) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    *CLI,
                    "--db",
                    str(self.db),
                    "serve",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.workers),
                ],  # fmt: skip
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                start_new_session=True,  # its own process group: the workers go with it
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}); see {self.log}")
            try:
                if httpx.get(self.base + "/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)  # polling a starting process: there is nothing to wait on instead
        raise RuntimeError(f"the server did not answer within {timeout:.0f} s; see {self.log}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(30)
        self.process = None


@contextmanager
def pg_cluster(bindir: Path | None = None, *settings: str) -> Iterator[Cluster]:
    """A throwaway PostgreSQL cluster on a free loopback port, started as the tests start theirs
    (``tests/pg.py``: Debian's PostgreSQL unless ``bindir`` names other binaries,
    ``fsync=off``, and any more ``name=value`` settings), stopped and removed at the end."""
    from tests.pg import Cluster, _bindir

    bindir = bindir or _bindir()
    if bindir is None:
        raise SystemExit("no PostgreSQL binaries: install postgresql or pass --pg-url")
    cluster = Cluster(bindir)
    cluster.start(*settings)
    try:
        yield cluster
    finally:
        cluster.stop()


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux ``/proc``): a server and its worker processes."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(child) for child in task.read_text().split()]
            except OSError:
                pass
    return out


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by ``pid`` and its descendants (Linux ``/proc``),
    also by those that exited (their parent's ``cutime`` and ``cstime``): PostgreSQL's
    backends come and go with the connections."""
    total = 0
    for process in process_tree(pid):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime (fields 14–17)
    return total / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class MemorySample:
    """A process's resident memory at ``seconds`` into a run, in MB: all of it (VmRSS) and its
    anonymous part (RssAnon: the heap, where a leak shows; the rest is mostly the model's
    memory-mapped weights, paged in as new tokens are met, bounded by the file's size)."""

    seconds: float
    rss: float
    anon: float


def read_memory(pid: int, seconds: float) -> MemorySample | None:
    """The memory of process ``pid`` (Linux ``/proc``), or None when it cannot be read."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    kb = {k: v.split()[0] for k, _, v in (line.partition(":") for line in lines) if v.strip()}
    if "VmRSS" not in kb or "RssAnon" not in kb:
        return None
    return MemorySample(seconds, int(kb["VmRSS"]) / 1024, int(kb["RssAnon"]) / 1024)


def sample_memory(pid: int, every: float, stop: threading.Event, out: list[MemorySample]) -> None:
    """Append a sample every ``every`` seconds until ``stop`` is set."""
    start = time.monotonic()
    while True:
        sample = read_memory(pid, time.monotonic() - start)
        if sample is not None:
            out.append(sample)
        if stop.wait(every):
            return


@contextmanager
def seeded_server(
    folder: Path, db: str | None = None, workers: int = 1
) -> Iterator[tuple[Server, tuple[str, str]]]:
    """A server on a new database (``db``: an empty one's URL; default: an SQLite file in
    ``folder``) holding the demo cases, with an editor and an admin token (and no budget for
    expensive requests: see :data:`UNLIMITED`)."""
    db = db or str(folder / "soak.db")
    demo = resources.files("disproof.data.demo") / "cases.jsonl"
    cli(db, "import", str(demo))
    tokens = (
        cli(db, "token", "create", "--name", "soak-editor", "--role", "editor"),
        cli(db, "token", "create", "--name", "soak-admin", "--role", "admin"),
    )
    server = Server(db, folder / "server.log", env=UNLIMITED, workers=workers)
    server.start()
    try:
        yield server, tokens
    finally:
        server.stop()
