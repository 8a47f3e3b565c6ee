"""What changed since the match index was saved: every case's (pk, content hash), or the log.

    python -m benchmarks.change_log [--sizes 100000 1000000] [--repeats 10] [--reuse]
        [--postgresql]

An SQLite database (``--postgresql``: a database on a throwaway PostgreSQL cluster started as
the tests start theirs, ``fsync=off``) at the newest schema with ``n`` minimal cases written
straight into the ``cases`` table (short synthetic titles, random content hashes: only the
rows the change detection reads matter; the change log's and full-text triggers fire as for
any write). An index stand-in holds every case's key and content digest at the log's
position (no BM25, no vectors: this times finding the changes, not applying them;
docs/benchmarks.md has both).

Per size, median of ``repeats``:

- before (the code up to migration 0014): read every case's (pk, content hash) and hash them
  into the fingerprint — what ``MatcherBuilder.build`` did on every call and what the server's
  staleness check (``MatcherCache``, once a second) did;
- now, with nothing changed: the log's position (``CorpusStore.fingerprint``);
- now, after one case added, one edited and one deleted: the changes since the index's
  position (``store.changes.changed_since``: the log, the changed cases, the count) laid over
  the index's rows (``match.update.state_after``) — ``current_state`` as the builder calls it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import secrets
import shutil
import statistics
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from disproof.match.index import CaseIndex
from disproof.match.update import current_state
from disproof.settings import Settings
from disproof.store import open_store
from disproof.store.corpus import CorpusStore
from disproof.store.schema import cases

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work" / "change_log"
BATCH = 20_000


def row(i: object, now: dt.datetime) -> dict[str, object]:
    return {
        "id": f"case-{i}",
        "title": f"claim number {i}",
        "summary": "",
        "disproof": "",
        "appearance_count": 0,
        "doc": {},
        "content_hash": secrets.token_hex(32),
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def make_database(n: int, url: str | None = None) -> str:
    """A database of ``n`` cases: an SQLite file under WORK, or the PostgreSQL ``url``."""
    if url is None:
        folder = WORK / str(n)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    db = url or str(WORK / str(n) / "cases.db")
    store = open_store(Settings(db=db))
    now = dt.datetime.now(dt.UTC)
    for start in range(0, n, BATCH):
        with store.engine.begin() as connection:
            connection.execute(
                sa.insert(cases), [row(i, now) for i in range(start, min(n, start + BATCH))]
            )
    store.engine.dispose()
    return db


def old_fingerprint(corpus: CorpusStore) -> str:
    """The fingerprint as computed before the change log (every case's key and hash)."""
    query = sa.select(cases.c.pk, cases.c.content_hash).order_by(cases.c.pk)
    with corpus.engine.connect() as connection:
        rows = connection.execute(query)
        return hashlib.sha256("".join(f"{pk}:{c};" for pk, c in rows).encode()).hexdigest()


def median_ms(call: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(db: str, repeats: int) -> dict[str, float]:
    store = open_store(Settings(db=db))
    corpus = CorpusStore(store.engine)
    out = {
        "before: every (pk, content hash) + fingerprint": median_ms(
            lambda: old_fingerprint(corpus), repeats
        ),
        "before: every (pk, content hash) as arrays (CorpusStore.state)": median_ms(
            corpus.state, repeats
        ),
        "now, nothing changed: the log's position": median_ms(corpus.fingerprint, repeats),
    }
    detect = []
    now = dt.datetime.now(dt.UTC)
    for i in range(repeats):
        state = corpus.state()
        index = CaseIndex(None, state.fingerprint, state.pks, {}, {}, np.array([]), state.digests)
        with store.engine.begin() as connection:
            connection.execute(sa.insert(cases), [row(f"added-{time.time_ns()}", now)])
            pks = state.pks[len(state.pks) // 3 :: 1 + len(state.pks) // 2][:2].tolist()
            connection.execute(
                sa.update(cases).where(cases.c.pk == pks[0]).values(content_hash=f"{i:064x}")
            )
            connection.execute(sa.delete(cases).where(cases.c.pk == pks[1]))
        started = time.perf_counter()
        updated = current_state(index, corpus)
        detect.append(time.perf_counter() - started)
        assert updated.fingerprint == corpus.fingerprint()
        assert np.array_equal(updated.pks, corpus.state().pks)
    out["now, 3 cases changed: the log since the position, over the index's rows"] = (
        statistics.median(detect) * 1000
    )
    store.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--reuse", action="store_true", help="keep a database made before")
    parser.add_argument("--postgresql", action="store_true", help="on a throwaway cluster")
    args = parser.parse_args()
    with ExitStack() as stack:
        url = None
        if args.postgresql:
            from benchmarks.serving import pg_cluster

            cluster = stack.enter_context(pg_cluster())
            cluster.admin("CREATE DATABASE bench")
            url = cluster.url("bench")
        run(args, url)


def run(args: argparse.Namespace, url: str | None) -> None:
    print(
        f"# {dt.date.today()} · {'PostgreSQL' if url else 'SQLite'} · load {os.getloadavg()[0]:.1f}"
    )
    for n in args.sizes:
        started = time.perf_counter()
        db = str(WORK / str(n) / "cases.db")
        if url is not None or not (args.reuse and Path(db).exists()):
            db = make_database(n, url)
            print(f"\n{n:,} cases (written in {time.perf_counter() - started:.0f} s)\n")
        else:
            print(f"\n{n:,} cases (written before)\n")
        print(f"| step (median of {args.repeats}) | ms |\n|---|---:|")
        for step, value in measure(db, args.repeats).items():
            print(f"| {step} | {value:.1f} |", flush=True)
    print(f"\n# load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
