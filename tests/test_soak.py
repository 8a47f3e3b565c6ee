"""A short soak (``benchmarks/soak.py``): a real ``disproof serve`` with readers and writers.

Asserts what must hold on any machine: no failed request, no lost or phantom write (also after
the server is killed and restarted). No latency bounds: CI machines are slow and shared.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.soak import SoakConfig, run_soak

from tests import pg

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def test_a_short_soak_fails_no_request_and_loses_no_write(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """On PostgreSQL with four workers (as issue 17 asks): every write to one is seen by all,
    none lost."""
    config = SoakConfig(
        seconds=15, readers=2, writers=2, match_every=10, write_pause=0.1, sample_every=1
    )
    if backend == "postgresql":
        db = pg.database(request, backend, tmp_path / "unused")
        report = run_soak(config, tmp_path, db, workers=4)
    else:
        report = run_soak(config, tmp_path)
    assert report.errors == 0, report.recorder.samples
    assert report.tracebacks == 0, report.traceback_text
    assert {"GET case", "GET search", "GET web case page", "POST case", "PATCH case"} <= set(
        report.recorder.latencies
    )
    writes = {action for ledger in report.ledgers for action in ledger.acked}
    assert writes == {"create", "update", "delete"}
    for check in (report.live_check, report.restart_check):
        assert check.checked > 0
        assert (check.lost, check.phantoms) == (0, 0), check.problems
    assert max(s.rss for s in report.memory) < 1500  # the documented peak RSS target
