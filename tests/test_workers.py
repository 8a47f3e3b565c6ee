"""`disproof serve --workers N`: several worker processes on one PostgreSQL database (started
for real on 127.0.0.1), and SQLite refusing more than one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from disproof.auth import Role
from disproof.service import Disproof
from disproof.settings import Settings
from tests import pg


def test_sqlite_runs_one_worker_and_says_why(cli: Any) -> None:
    refused = cli("serve", "--workers", "2")
    assert refused.code == 1 and "--workers needs a PostgreSQL database" in refused.err


def _started(log: Path, base: str, proc: subprocess.Popen[bytes], seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text(errors="replace")
        if log.read_text(errors="replace").count("Application startup complete") >= 2:
            try:
                if httpx.get(f"{base}/api/v1/cases?limit=1", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
        time.sleep(0.3)
    raise AssertionError("the workers did not start:\n" + log.read_text(errors="replace"))


def _sign_in(base: str, token: str) -> int:
    """Sign in through the form as a new browser (a new connection: any worker may answer)."""
    with httpx.Client(base_url=base, timeout=10) as browser:
        form = browser.get("/signin")
        found = re.search(r'name="csrf_token" value="([0-9a-f]*)"', form.text)
        assert found, form.text
        answer = browser.post("/signin", data={"csrf_token": found.group(1), "token": token})
        return answer.status_code


def _matched_within(base: str, text: str, case_id: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = httpx.post(f"{base}/api/v1/match", json={"text": text}, timeout=30)
        assert answer.status_code == 200, answer.text
        if case_id in [m["case_id"] for m in answer.json()["matches"]]:
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
@pytest.mark.postgresql
def test_two_workers_share_one_postgresql_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    db = pg.database(request, "postgresql", tmp_path / "unused")
    service = Disproof.open(Settings(db=db))
    editor = service.tokens.create("desk", Role.editor)
    service.store.engine.dispose()
    port = pg._free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    env = os.environ | {"OMP_NUM_THREADS": "1", "DISPROOF_EMBEDDER": "use"}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[1] / "src"), *sys.path])
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "disproof", "--db", db, "serve", "--workers", "2",
             "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    try:
        _started(log, base, proc)
        pids = set(re.findall(r"Started server process \[(\d+)\]", log.read_text()))
        assert len(pids) == 2
        created = httpx.post(
            f"{base}/api/v1/cases",
            json={"title": "Workers share one database", "keywords": ["Workers"]},
            headers={"Authorization": f"Bearer {editor}"},
            timeout=10,
        )
        assert created.status_code == 201, created.text
        case_id = created.json()["id"]
        for _ in range(12):  # new connections, answered by either worker
            found = httpx.get(f"{base}/api/v1/cases?q=workers+share", timeout=10).json()
            assert [c["id"] for c in found["results"]] == [case_id]
        # each worker's matcher notices the new case (the store's fingerprint, checked each second)
        for _ in range(6):
            assert _matched_within(base, "Workers share one database", case_id, seconds=5.0)
        # one CSRF key for all workers: a form from one is accepted by the other
        assert {_sign_in(base, editor) for _ in range(6)} <= {200, 303}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
