"""Coverage-guided fuzzing with atheris (libFuzzer) of the importers and the text pipeline,
in a subprocess: libFuzzer owns the process and exits on the first crash."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("atheris", reason="atheris has wheels for Linux x86-64 only")

ROOT = Path(__file__).resolve().parents[1]
RUNS = 30_000


@pytest.mark.slow
def test_atheris_finds_no_crash(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    command = [
        sys.executable,
        "-m",
        "tests.atheris_harness",
        f"-runs={RUNS}",
        "-max_len=4096",
        "-seed=20240601",
        f"-artifact_prefix={tmp_path}/",
    ]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    output = done.stdout + done.stderr
    crash = [p.read_bytes() for p in tmp_path.glob("crash-*")]
    assert done.returncode == 0 and not crash, f"{crash!r}\n{output[-3000:]}"
    runs = re.search(r"Done (\d+) runs", output)
    assert runs and int(runs.group(1)) >= RUNS
    print(f"\natheris: {runs.group(1)} runs")
