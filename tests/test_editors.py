"""A short run of the editors benchmark (``benchmarks/editors.py``): editors with ``If-Match``
on shared cases against a real ``disproof serve``, two workers on PostgreSQL.

Asserts what must hold on any machine: every acknowledged edit is in its case's history at the
version its answer named, no refused edit was written, no read was older than an edit
acknowledged before it, no request failed. No timings.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.editors import run
from benchmarks.serving import UNLIMITED, Server

from disproof.auth import Role
from disproof.service import Disproof
from disproof.settings import Settings
from tests import pg

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def test_concurrent_editors_lose_no_acknowledged_edit(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    db = pg.database(request, backend, tmp_path / "editors.db")
    service = Disproof.open(Settings(db=db))
    service.load_demo()
    tokens = {"viewer": service.tokens.create("viewer", Role.viewer)}
    tokens |= {f"editor-{n}": service.tokens.create(f"editor-{n}", Role.editor) for n in (1, 2, 3)}
    service.store.engine.dispose()
    workers = 2 if backend == "postgresql" else 1
    server = Server(db, tmp_path / "server.log", env=UNLIMITED, workers=workers)
    server.start()
    try:
        tally, verdict, _ = run(server.base, tokens, editors=3, cases=2, seconds=3)
    finally:
        server.stop()
    assert tally.acked and tally.refused  # three editors on two cases: some edits conflict
    assert (tally.errors, tally.stale, tally.unclear) == ([], [], [])
    assert verdict.checked == len(tally.acked) + 2
    assert (verdict.lost, verdict.phantom) == (0, 0), verdict.problems
