"""Exactly once across a crash: SIGKILL a real ``disproof watch`` mid-poll, start it again, and
every item is recorded once with its sightings — none lost, none doubled — as in a run that
was never interrupted."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from disproof.service import Disproof
from disproof.settings import Settings
from disproof.sources import HttpFetcher, HttpLimits
from disproof.watch.models import SourceCreate
from disproof.watch.service import Monitoring
from tests.fakes import add_cases
from tests.test_watch import CLAIM, LABS, VACCINE

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)"),
]
ROOT = Path(__file__).resolve().parents[1]
ITEMS = 150
KILL_AFTER = 40


def _drop(path: Path) -> None:
    texts = [CLAIM, VACCINE.summary, "Sunny weather and a football match on Sunday."]
    rows = [
        {"id": str(n), "text": f"{texts[n % 3]} Report {n}.", "url": f"https://d.example/{n}"}
        for n in range(ITEMS)
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")


def _database(path: Path, drop: Path) -> Disproof:
    service = Disproof.open(Settings(db=str(path)))
    add_cases(service, LABS, VACCINE)
    source = SourceCreate(name="drop", kind="jsonl", location=str(drop))
    Monitoring(service).add_source(source)
    return service


def _sightings(db: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT i.url, s.case_id, s.band FROM sightings s JOIN watch_items i"
            " ON i.pk = s.item_pk ORDER BY 1, 2"
        ).fetchall()
    return [tuple(r) for r in rows]


def _items(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as connection:
        total, distinct = connection.execute(
            "SELECT count(*), count(DISTINCT url) FROM watch_items"
        ).fetchone()
    return int(total), int(distinct)


def _worker(db: Path, *args: str) -> subprocess.Popen[str]:
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.watch_worker", str(db), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigkill_mid_poll_loses_and_doubles_nothing(tmp_path: Path, fake_matching: object) -> None:
    drop = tmp_path / "drop.jsonl"
    _drop(drop)
    reference = tmp_path / "reference.db"
    Monitoring(_database(reference, drop)).poller(HttpFetcher(HttpLimits())).poll_due()
    expected = _sightings(reference)
    assert len(expected) >= ITEMS * 2 // 3 - 2  # the claims and the vaccine posts matched

    db = tmp_path / "killed.db"
    _database(db, drop).store.engine.dispose()
    worker = _worker(db)
    assert worker.stdout is not None
    for line in worker.stdout:
        if line.strip() == f"recorded {KILL_AFTER}":
            break
    else:
        pytest.fail(f"the watcher stopped early: {worker.stderr.read() if worker.stderr else ''}")
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    recorded, _ = _items(db)
    assert KILL_AFTER <= recorded < ITEMS, "killed mid-poll"

    again = _worker(db, "--once")
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert f"{ITEMS - recorded} new items" in out
    assert _items(db) == (ITEMS, ITEMS)
    assert _sightings(db) == expected
