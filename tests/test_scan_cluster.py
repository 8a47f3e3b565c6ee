"""`disproof scan` on a real Dask cluster (issue 18): a scheduler and two `dask worker`
processes started here on 127.0.0.1; one worker is killed with SIGKILL mid-scan and the scan
still finishes with every item exactly once; a rerun skips the finished partitions.

The matcher is lexical (BM25 over the demo cases, no model), so the workers start in seconds;
`tests/test_scan_model.py` checks the full matcher against `disproof match --jsonl`.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

from disproof.indexing import MatcherBuilder  # noqa: E402
from disproof.scan.bundle import Bundle, write_bundle  # noqa: E402
from disproof.scan.items import Columns  # noqa: E402
from disproof.scan.output import Output  # noqa: E402
from disproof.scan.run import ScanOptions, scan  # noqa: E402
from disproof.scan.sources import sources  # noqa: E402
from disproof.service import Disproof  # noqa: E402
from disproof.settings import Settings  # noqa: E402
from disproof.store.corpus import CorpusStore  # noqa: E402

pytestmark = pytest.mark.slow
SRC = Path(__file__).resolve().parents[1] / "src"
ITEMS = 60
PARTITION = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """A scheduler and two single-threaded workers without nannies (a killed worker stays
    dead), and a client connected to them."""
    from distributed import Client

    folder = tmp_path_factory.mktemp("dask")
    path = os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path, "OMP_NUM_THREADS": "1"}
    address = f"tcp://127.0.0.1:{_free_port()}"
    dask = [sys.executable, "-m", "dask"]
    processes = [
        subprocess.Popen(
            [*dask, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
             "--no-dashboard"],
            env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    ]  # fmt: skip
    for _ in range(2):
        processes.append(
            subprocess.Popen(
                [*dask, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                 "--host", "127.0.0.1", "--local-directory", str(folder)],
                env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        )  # fmt: skip
    client = None
    try:
        client = Client(address, timeout=60)
        client.wait_for_workers(2, timeout=120)
        yield address, client
    finally:
        if client is not None:
            client.close()
        for process in processes:
            process.kill()
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """The demo cases' lexical matcher, saved as a scan bundle."""
    folder = tmp_path_factory.mktemp("cases")
    service = Disproof.open(Settings(db=str(folder / "cases.db")))
    demo = resources.files("disproof.data.demo") / "cases.jsonl"
    service.import_file(Path(str(demo)))
    matcher = MatcherBuilder(service.settings, service.store).lexical()
    return write_bundle(matcher, CorpusStore(service.store.engine), folder / "bundle", None)


def _posts(path: Path) -> Path:
    demo = resources.files("disproof.data.demo") / "cases.jsonl"
    titles = [json.loads(line)["title"] for line in demo.read_text(encoding="utf-8").splitlines()]
    with path.open("w", encoding="utf-8") as f:
        for i in range(ITEMS):
            text = titles[i % len(titles)] if i % 2 else f"Weather report number {i}, sunny."
            f.write(json.dumps({"id": f"p{i}", "text": text, "outlet": f"o{i % 3}"}) + "\n")
    return path


def _item_ids(out: Path) -> list[str]:
    import pyarrow.dataset as ds

    table = ds.dataset(str(out / "items"), format="parquet").to_table(columns=["item_id"])
    return sorted(table.column("item_id").to_pylist())


def test_a_killed_worker_loses_nothing_and_a_rerun_skips_finished_parts(
    cluster: tuple[str, Any], bundle: Bundle, tmp_path: Path
) -> None:
    address, client = cluster
    found = sources([str(_posts(tmp_path / "posts.jsonl"))])
    options = ScanOptions(Columns(), partition_size=PARTITION, scheduler=address)
    out = tmp_path / "out"
    pids: dict[str, int] = client.run(os.getpid)
    killed: list[int] = []

    def kill_a_busy_worker(done: int, total: int) -> None:
        if killed:
            return
        busy = [w for w, tasks in client.processing().items() if tasks and w in pids]
        victim = pids[busy[0] if busy else next(iter(pids))]
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)

    output = Output(out, {"test": "fault"})
    output.open()
    totals = scan(client, found, options, bundle, output, kill_a_busy_worker)
    assert killed, "the worker was never killed"
    assert (totals.items, totals.partitions, totals.skipped) == (ITEMS, ITEMS // PARTITION, 0)
    assert _item_ids(out) == sorted(f"p{i}" for i in range(ITEMS))  # each exactly once
    assert totals.matches > 0
    manifest = (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(manifest) == len({json.loads(line)["key"] for line in manifest}) == 20

    rerun = Output(out, {"test": "fault"})
    rerun.open()
    again = scan(client, found, options, bundle, rerun)
    assert (again.items, again.skipped, again.matches) == (ITEMS, 20, totals.matches)
    # partitions that lost their manifest line (a crash before it was written) run again
    (out / "manifest.jsonl").write_text("\n".join(manifest[:15]) + "\n", encoding="utf-8")
    partial = Output(out, {"test": "fault"})
    partial.open()
    third = scan(client, found, options, bundle, partial)
    assert (third.items, third.skipped) == (ITEMS, 15)
    assert _item_ids(out) == sorted(f"p{i}" for i in range(ITEMS))
