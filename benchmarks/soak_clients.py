"""The soak's clients: readers, writers that record each acknowledged write, and the check
that every acknowledged write is still there (see ``benchmarks/soak.py``)."""

from __future__ import annotations

import itertools
import random
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from benchmarks.load import CLAIMS, QUERIES

DATASET = "soak"
#: Cases each writer keeps alive (it deletes instead of creating above this).
LIVE_CAP = 20
#: Answers that refuse a write because of a concurrent one: counted apart from errors.
CONFLICT = frozenset({409, 412})
#: Cases every writer changes, each writer its own field of them (lost updates show there).
SHARED_CASES = ("soak-shared-1", "soak-shared-2", "soak-shared-3")
SHARED_FIELDS = ("summary", "disproof", "rating", "reviewed_by", "title")
#: How often a writer (one of the first ``len(SHARED_FIELDS)``) changes a shared case.
SHARED_SHARE = 0.2
REVISION = re.compile(r"revision (\d+)")
READS = ("case", "search", "facets", "case", "search", "stats", "page")
FACETS = ("keyword", "country", "language", "year")
MAX_SLOPE_MB_PER_HOUR = 100.0


@dataclass(frozen=True)
class SoakConfig:
    seconds: float = 600.0
    readers: int = 4
    writers: int = 2
    match_every: int = 25  # every N-th reader request is a match; 0 = none
    write_pause: float = 0.25  # seconds each writer waits after a write (0: flat out)
    sample_every: float = 2.0
    max_slope: float = MAX_SLOPE_MB_PER_HOUR
    seed: int = 6


class Recorder:
    """Latencies and outcomes per endpoint, from many threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.conflicts: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []  # a few failed requests, for the report

    def call(
        self, client: httpx.Client, name: str, method: str, url: str, **options: Any
    ) -> httpx.Response | None:
        """Send one request, record it; the response, or None when none came."""
        start = time.perf_counter()
        try:
            response: httpx.Response | None = client.request(method, url, **options)
        except httpx.HTTPError as exc:
            response, problem = None, f"{name}: {type(exc).__name__}: {exc}"
        elapsed = (time.perf_counter() - start) * 1000
        with self._lock:
            self.latencies[name].append(elapsed)
            if response is not None and response.is_success:
                return response
            if response is not None and response.status_code in CONFLICT:
                self.conflicts[name] += 1
                return response
            self.errors[name] += 1
            if response is not None:
                problem = f"{name}: HTTP {response.status_code} {response.text[:200]}"
            if len(self.samples) < 10:
                self.samples.append(problem)
        return response


def case_path(case_id: str, web: bool = False) -> str:
    return ("/cases/" if web else "/api/v1/cases/") + quote(case_id, safe="")


def reader(
    base: str, n: int, ids: list[str], config: SoakConfig, rec: Recorder, stop: threading.Event
) -> None:
    rng = random.Random(config.seed * 1000 + n)
    with httpx.Client(base_url=base, timeout=60) as client:
        for i in itertools.count(1):
            if stop.is_set():
                return
            kind = READS[i % len(READS)]
            if config.match_every and i % config.match_every == 0:
                claim = {"text": rng.choice(CLAIMS), "top_k": 5}
                rec.call(client, "POST match", "POST", "/api/v1/match", json=claim)
            elif kind == "case":
                rec.call(client, "GET case", "GET", case_path(rng.choice(ids)))
            elif kind == "page":
                rec.call(client, "GET web case page", "GET", case_path(rng.choice(ids), web=True))
            elif kind == "search":
                params = {"q": rng.choice([*QUERIES, DATASET])}
                rec.call(client, "GET search", "GET", "/api/v1/search", params=params)
            elif kind == "facets":
                rec.call(client, "GET facets", "GET", "/api/v1/facets/" + rng.choice(FACETS))
            else:
                rec.call(client, "GET stats", "GET", "/api/v1/stats")


@dataclass
class Ledger:
    """One writer's acknowledged writes: each id's last acknowledged body (None: deleted),
    and the last acknowledged value of its field of each shared case."""

    expected: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    fields: dict[tuple[str, str], str] = field(default_factory=dict)
    uncertain: set[str] = field(default_factory=set)  # a write with no clear answer
    acked: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _new_case(case_id: str, writer: int, rev: int) -> dict[str, Any]:
    return {
        "id": case_id,
        "title": f"Soak case {case_id}",
        "summary": f"Writer {writer} says revision {rev}: the soak test claims NATO moved east.",
        "disproof": "A generated case of the soak test; nothing here is true.",
        "date": f"2024-{1 + rev % 12:02d}-{1 + rev % 28:02d}",
        "keywords": ["soak", f"soak writer {writer}"],
        "languages": ["en"],
        "countries": ["Ukraine"],
        "source": {"dataset": DATASET},
    }


def _acknowledge(
    ledger: Ledger, case_id: str, action: str, response: httpx.Response | None, ok: int
) -> bool:
    """Record a write's answer: acknowledged (``ok``), refused (a conflict), or unknown."""
    if response is not None and response.status_code == ok:
        ledger.expected[case_id] = response.json() if ok != 204 else None
        ledger.acked[action] += 1
        return True
    if response is None or response.status_code >= 500:
        ledger.uncertain.add(case_id)
    return False


class SharedCases:
    """The cases every writer changes, each writer its own field, and a check on every answer.

    A writer's values carry its revision number, which only grows. So when a writer's change is
    acknowledged, any answer to a request sent after that must show that revision or a later
    one; an older one means a concurrent change of another field wrote the old value back (a
    lost update), which the final check alone could miss when the owner writes again later.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._acked: dict[tuple[str, str], int] = {}
        self.reverted = 0
        self.problems: list[str] = []

    def create(self, base: str, editor_token: str) -> None:
        headers = {"Authorization": f"Bearer {editor_token}"}
        with httpx.Client(base_url=base, timeout=60) as client:
            for case_id in SHARED_CASES:
                body = _new_case(case_id, -1, 0)
                client.post("/api/v1/cases", json=body, headers=headers).raise_for_status()

    def acked_now(self, case_id: str) -> dict[str, int]:
        with self._lock:
            return {name: rev for (cid, name), rev in self._acked.items() if cid == case_id}

    def answered(self, case_id: str, before: dict[str, int], body: dict[str, Any]) -> None:
        """Check an answer against the revisions acknowledged before its request was sent."""
        for name, rev in before.items():
            found = REVISION.search(str(body.get(name)))
            if found is None or int(found.group(1)) < rev:
                with self._lock:
                    self.reverted += 1
                    if len(self.problems) < 5:
                        self.problems.append(f"{case_id}: {name} went back to {body.get(name)!r}")

    def change(
        self,
        client: httpx.Client,
        case_id: str,
        n: int,
        rev: int,
        headers: dict[str, str],
        rec: Recorder,
        ledger: Ledger,
    ) -> None:
        """Writer ``n`` sets its field of a shared case to a value of revision ``rev``."""
        name, value = SHARED_FIELDS[n], f"Writer {n} set this at revision {rev}."
        before = self.acked_now(case_id)
        answer = rec.call(
            client, "PATCH case", "PATCH", case_path(case_id), json={name: value}, headers=headers
        )
        if answer is not None and answer.status_code == 200:
            body = answer.json()
            self.answered(case_id, before, body)
            if body[name] == value:
                ledger.fields[(case_id, name)] = value
                ledger.acked["update"] += 1
                with self._lock:
                    self._acked[(case_id, name)] = rev
        elif answer is None or answer.status_code >= 500:
            ledger.uncertain.add(f"{case_id}#{name}")


def writer(
    base: str,
    n: int,
    tokens: tuple[str, str],
    config: SoakConfig,
    rec: Recorder,
    stop: threading.Event,
    ledger: Ledger,
    shared: SharedCases,
) -> None:
    rng = random.Random(config.seed * 1000 + 500 + n)
    editor = {"Authorization": f"Bearer {tokens[0]}"}
    admin = {"Authorization": f"Bearer {tokens[1]}"}
    live: list[str] = []
    with httpx.Client(base_url=base, timeout=60) as client:
        for rev in itertools.count(1):
            if stop.is_set():
                return
            if n < len(SHARED_FIELDS) and rng.random() < SHARED_SHARE:
                shared.change(client, rng.choice(SHARED_CASES), n, rev, editor, rec, ledger)
                if config.write_pause and stop.wait(config.write_pause):
                    return
                continue
            roll = rng.random()
            if len(live) < 3 or (roll < 0.35 and len(live) < LIVE_CAP):
                case_id = f"soak-w{n}-{rev}"
                body = _new_case(case_id, n, rev)
                answer = rec.call(
                    client, "POST case", "POST", "/api/v1/cases", json=body, headers=editor
                )
                if _acknowledge(ledger, case_id, "create", answer, 201):
                    live.append(case_id)
            elif roll < 0.8:
                case_id = rng.choice(live)
                change = {
                    "summary": f"Writer {n} says revision {rev}: the soak test claims NATO lied.",
                    "keywords": ["soak", f"soak writer {n}", f"revision {rev % 7}"],
                }
                path = case_path(case_id)
                answer = rec.call(client, "PATCH case", "PATCH", path, json=change, headers=editor)
                _acknowledge(ledger, case_id, "update", answer, 200)
            else:
                case_id = live.pop(rng.randrange(len(live)))
                answer = rec.call(
                    client, "DELETE case", "DELETE", case_path(case_id), headers=admin
                )
                _acknowledge(ledger, case_id, "delete", answer, 204)
            if case_id in ledger.uncertain and case_id in live:
                live.remove(case_id)
            if config.write_pause and stop.wait(config.write_pause):
                return


# -- checking ------------------------------------------------------------------------------------


@dataclass
class Check:
    """The outcome of reading every written case back."""

    checked: int = 0
    lost: int = 0
    phantoms: int = 0
    problems: list[str] = field(default_factory=list)

    def note(self, problem: str) -> None:
        if len(self.problems) < 10:
            self.problems.append(problem)


def listed_ids(client: httpx.Client) -> set[str]:
    """The ids of every case of the soak dataset, paging through the list."""
    found: set[str] = set()
    for offset in itertools.count(0, 100):
        page = client.get(
            "/api/v1/cases", params={"dataset": DATASET, "limit": 100, "offset": offset}
        )
        page.raise_for_status()
        results = page.json()["results"]
        found |= {case["id"] for case in results}
        if len(results) < 100:
            return found
    raise AssertionError("unreachable")


def verify(base: str, ledgers: list[Ledger]) -> Check:
    """Every acknowledged write is there (or gone, when deleted), and nothing else is: each
    written case equals its last acknowledged body, each writer's field of a shared case its
    last acknowledged value."""
    check = Check()
    uncertain = set().union(*(ledger.uncertain for ledger in ledgers))
    expected = {
        k: v for ledger in ledgers for k, v in ledger.expected.items() if k not in uncertain
    }
    with httpx.Client(base_url=base, timeout=60) as client:
        for case_id, body in expected.items():
            response = client.get(case_path(case_id))
            check.checked += 1
            if body is None and response.status_code != 404:
                check.lost += 1
                check.note(f"{case_id}: deleted, but GET answers {response.status_code}")
            elif body is not None and (response.status_code != 200 or response.json() != body):
                check.lost += 1
                check.note(f"{case_id}: GET {response.status_code} {_difference(response, body)}")
        for (case_id, name), value in (
            (key, value) for ledger in ledgers for key, value in ledger.fields.items()
        ):
            if f"{case_id}#{name}" in uncertain:
                continue
            check.checked += 1
            found = client.get(case_path(case_id)).json().get(name)
            if found != value:
                check.lost += 1
                check.note(f"{case_id}: {name} is {found!r}, last acknowledged {value!r}")
        live = {k for k, v in expected.items() if v is not None} | set(SHARED_CASES)
        extra = listed_ids(client) - live - uncertain
        check.phantoms = len(extra)
        for case_id in sorted(extra)[:5]:
            check.note(f"{case_id}: listed, but not written (or deleted) as acknowledged")
    return check


def _difference(response: httpx.Response, body: dict[str, Any]) -> str:
    """The fields of a case read back that differ from its last acknowledged body."""
    if response.status_code != 200:
        return response.text[:200]
    found = response.json()
    missing = object()
    fields = sorted(
        k for k in set(found) | set(body) if found.get(k, missing) != body.get(k, missing)
    )
    return "; ".join(
        f"{k}: {str(found.get(k, '(absent)'))[:60]!r}, "
        f"acknowledged {str(body.get(k, '(absent)'))[:60]!r}"
        for k in fields
    )
