"""Concurrent editors with If-Match on shared cases; then no acknowledged edit may be lost.

    python -m benchmarks.editors [--targets sqlite:1,postgresql:1,postgresql:4] [--editors 8]
                                 [--cases 20] [--seconds 60] [--cache DIR]

Each target is a real ``disproof serve`` on 127.0.0.1 on a copy of the same data (see
``benchmarks/team.py``). ``--editors`` threads, each signed in with its own editor token, loop
for ``--seconds``: pick one of ``--cases`` shared cases, GET it, PATCH its summary (a marker
naming the editor and the edit, then the original text) with ``If-Match`` set to the ETag read;
on 412 read it again and redo the edit with a new marker (a conflict, retried). Each GET must
show at least the newest version acknowledged before it was sent (else a stale read: a worker
behind the others). Afterwards, for every case, its history (``GET …/history?full=true``) must
hold each acknowledged edit at the version its answer named, by its editor, with its marker; no
entry that was not acknowledged (a refused edit written anyway); versions without gaps; and the
case must be at the last acknowledged edit's version and marker. Prints one Markdown row per
target (with the server's and PostgreSQL's CPU time per GET + PATCH, and the load average);
exits 1 on any lost or phantom write, stale read or failed request.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from benchmarks.soak import percentile
from benchmarks.soak_clients import case_path
from benchmarks.team import (
    Target,
    Window,
    add_arguments,
    each_served,
    for_seconds,
    prepare,
    window,
)


@dataclass
class Edit:
    case_id: str
    editor: str
    marker: str
    version: int  # the version the answer named
    summary: str


@dataclass
class Tally:
    """Everything the editors saw, from many threads (list appends are atomic; the
    acknowledgements take the lock)."""

    acked: list[Edit] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # markers of edits answered 412
    unclear: list[str] = field(default_factory=list)  # markers with no clear answer
    errors: list[str] = field(default_factory=list)
    patch_ms: list[float] = field(default_factory=list)
    #: reads older than an edit acknowledged before they were sent (a worker behind the others)
    stale: list[str] = field(default_factory=list)
    newest: dict[str, int] = field(default_factory=dict)  # case → highest acknowledged version
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acknowledge(self, edit: Edit) -> None:
        with self.lock:
            self.acked.append(edit)
            self.newest[edit.case_id] = max(edit.version, self.newest.get(edit.case_id, 0))


def editor(
    base: str,
    name: str,
    token: str,
    ids: list[str],
    originals: dict[str, str],
    stop: threading.Event,
    tally: Tally,
) -> None:
    """Edit random shared cases until ``stop``, each edit with ``If-Match``, retried on 412."""
    rng = random.Random(name)
    edits = 0
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=60, headers=headers) as client:
        while not stop.is_set():
            case_id = rng.choice(ids)
            while not stop.is_set():
                newest = tally.newest.get(case_id, 0)
                got = client.get(case_path(case_id))
                if got.status_code != 200:
                    tally.errors.append(f"GET {case_id}: {got.status_code}")
                    break
                if int(got.json()["version"]) < newest:
                    tally.stale.append(f"{case_id}: read v{got.json()['version']} after v{newest}")
                edits += 1
                marker = f"[{name} edit {edits}]"
                summary = f"{marker} {originals[case_id]}".strip()
                started = time.perf_counter()
                try:
                    answer = client.patch(
                        case_path(case_id),
                        json={"summary": summary},
                        headers={"If-Match": got.headers["etag"]},
                    )
                except httpx.HTTPError as exc:
                    tally.unclear.append(marker)
                    tally.errors.append(f"PATCH {case_id}: {exc!r}")
                    break
                tally.patch_ms.append((time.perf_counter() - started) * 1000)
                if answer.status_code == 200:
                    version = int(answer.json()["version"])
                    tally.acknowledge(Edit(case_id, name, marker, version, summary))
                    break
                if answer.status_code == 412:
                    tally.refused.append(marker)
                    continue
                tally.unclear.append(marker)
                tally.errors.append(f"PATCH {case_id}: {answer.status_code} {answer.text[:200]}")
                break


@dataclass
class Verdict:
    checked: int = 0
    lost: int = 0
    phantom: int = 0
    problems: list[str] = field(default_factory=list)

    def note(self, problem: str) -> None:
        if len(self.problems) < 10:
            self.problems.append(problem)


def verify(base: str, token: str, starts: dict[str, int], tally: Tally) -> Verdict:
    """Every acknowledged edit in its case's history, nothing else, the last one current."""
    verdict = Verdict()
    unclear, refused = set(tally.unclear), set(tally.refused)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=120, headers=headers) as client:
        for case_id, start in starts.items():
            acked = {e.version: e for e in tally.acked if e.case_id == case_id}
            history = client.get(
                case_path(case_id) + "/history", params={"limit": 1000, "full": "true"}
            ).json()
            entries = {e["version"]: e for e in history["entries"] if e["version"] > start}
            for version, edit in acked.items():
                verdict.checked += 1
                entry = entries.get(version)
                after = _after(entry)
                if entry is None or entry["author"] != edit.editor or _marker(after) != edit.marker:
                    verdict.lost += 1
                    verdict.note(
                        f"{case_id} v{version}: {edit.marker} acknowledged, not in history"
                    )
            for version, entry in entries.items():
                marker = _marker(_after(entry))
                if version not in acked and marker not in unclear:
                    verdict.phantom += 1
                    verdict.note(f"{case_id} v{version}: {marker} in history, not acknowledged")
                if marker in refused:
                    verdict.phantom += 1
                    verdict.note(f"{case_id} v{version}: {marker} was refused (412) but written")
            if sorted(entries) != list(range(start + 1, start + 1 + len(entries))):
                verdict.note(f"{case_id}: versions with gaps after {start}: {sorted(entries)}")
                verdict.lost += 1
            now = client.get(case_path(case_id)).json()
            if acked and not unclear:
                last = acked[max(acked)]
                verdict.checked += 1
                if now["version"] != last.version or _marker(now["summary"]) != last.marker:
                    verdict.lost += 1
                    verdict.note(
                        f"{case_id}: is v{now['version']}, last acknowledged {last.marker}"
                    )
    return verdict


def _after(entry: dict[str, Any] | None) -> str | None:
    changes = (entry or {}).get("changes") or {}
    return (changes.get("summary") or {}).get("after")


def _marker(summary: str | None) -> str:
    return (summary or "").partition("]")[0] + "]"


def run(
    base: str, tokens: dict[str, str], editors: int, cases: int, seconds: float
) -> tuple[Tally, Verdict, float]:
    """Edit ``cases`` shared cases with ``editors`` threads for ``seconds``, then verify."""
    viewer = {"Authorization": f"Bearer {tokens['viewer']}"}
    with httpx.Client(base_url=base, timeout=60, headers=viewer) as client:
        listed = client.get("/api/v1/cases", params={"limit": cases}).json()
        ids = [c["id"] for c in listed["results"]]
        bodies = {i: client.get(case_path(i)).json() for i in ids}
    originals = {i: b.get("summary") or "" for i, b in bodies.items()}
    starts = {i: int(b["version"]) for i, b in bodies.items()}
    tally, stop = Tally(), threading.Event()
    names = [f"editor-{n}" for n in range(1, editors + 1)]
    threads = [
        threading.Thread(
            target=editor, args=(base, name, tokens[name], ids, originals, stop, tally)
        )
        for name in names
    ]
    elapsed = for_seconds(threads, stop, seconds)
    return tally, verify(base, tokens["viewer"], starts, tally), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    parser.add_argument("--editors", type=int, default=8, help="at most 8 (one token each)")
    parser.add_argument("--cases", type=int, default=20)
    args = parser.parse_args()
    prepared, tokens = prepare(args.cache)
    print(
        f"{args.editors} editors on {args.cases} cases, {args.seconds:.0f} s each, "
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}\n"
    )
    print(
        "| served by | updates | updates/s | 412 conflicts (retried) | PATCH p50 / p99 ms | "
        "CPU ms per GET + PATCH (app + PostgreSQL) | errors | stale reads | checked | lost | "
        "phantom | load before → after |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    failed = False
    for target, server, cluster in each_served(args.targets, prepared):
        with window(server, cluster) as seen:
            tally, verdict, elapsed = run(
                server.base, tokens, args.editors, args.cases, args.seconds
            )
        failed |= _report(target, tally, verdict, elapsed, seen)
    sys.exit(1 if failed else 0)


def _report(target: Target, tally: Tally, verdict: Verdict, elapsed: float, seen: Window) -> bool:
    ms = sorted(tally.patch_ms)
    print(
        f"| {target.label} | {len(tally.acked):,} | {len(tally.acked) / elapsed:,.1f} | "
        f"{len(tally.refused):,} | {percentile(ms, 0.5):.0f} / {percentile(ms, 0.99):.0f} | "
        f"{seen.cpu_per(len(tally.acked) + len(tally.refused))} | {len(tally.errors)} | "
        f"{len(tally.stale)} | {verdict.checked:,} | {verdict.lost} | {verdict.phantom} | "
        f"{seen.loads} |",
        flush=True,
    )
    for problem in [*verdict.problems, *tally.errors[:5], *tally.stale[:5]]:
        print(f"  {problem}", file=sys.stderr)
    return bool(verdict.lost or verdict.phantom or tally.errors or tally.stale)


if __name__ == "__main__":
    main()
