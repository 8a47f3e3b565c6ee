"""A built wheel carries everything `disproof demo` needs (an editable install would hide gaps)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_contains_package_data_and_migrations(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    [wheel] = tmp_path.glob("disproof-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "disproof/py.typed",
        "disproof/data/demo/cases.jsonl",
        "disproof/data/taxonomies/disproof.json",
        "disproof/data/vocab/countries.json",
        "disproof/data/vocab/languages.json",
        "disproof/store/migrations/env.py",
        "disproof/store/migrations/script.py.mako",
        "disproof/store/migrations/versions/0001_initial.py",
        "disproof/scan/templates/summary.html",
        "disproof/scan/templates/summary.css",
    ):
        assert needed in names
