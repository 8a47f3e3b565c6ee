"""The command line starts without loading what only some commands need (issue #16).

Structural, never timed: `benchmarks/startup.py` measures the time (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
#: What `--version`, `--help` and usage errors must not import.
HEAVY = (
    "numpy", "fastapi", "sqlalchemy", "uvicorn", "jinja2", "alembic", "starlette",
    "dask", "distributed", "pyarrow", "fsspec",
)  # fmt: skip
#: What a search, a case or the counts must not import.
HEAVY_FOR_READING = ("numpy", "fastapi", "uvicorn", "jinja2", "alembic", "starlette")


def _modules_after(code: str, *, full: bool = False) -> set[str]:
    """The top-level packages (every module: ``full``) imported by running ``code`` in a fresh
    interpreter."""
    script = f"{code}\nimport json, sys; print(json.dumps(sorted(sys.modules)))"
    env = {"PYTHONPATH": str(SRC), "COLUMNS": "100"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    last = done.stdout.strip().splitlines()[-1]
    return {name if full else name.split(".")[0] for name in json.loads(last)}


def _cli(*args: str) -> str:
    return (
        "import sys\nfrom disproof.cli import main\n"
        f"try:\n    main({list(args)!r})\nexcept SystemExit:\n    pass"
    )


@pytest.mark.parametrize("args", [("--version",), ("--help",)])
def test_version_and_help_import_nothing_heavy(args: tuple[str, ...]) -> None:
    loaded = _modules_after(_cli(*args))
    assert "typer" in loaded
    assert not loaded & {*HEAVY, "pydantic"}, sorted(loaded & {*HEAVY, "pydantic"})
    modules = _modules_after(_cli(*args), full=True)
    assert "disproof.normalize" not in modules  # what the case renderings need, not the help


def test_typer_finds_no_command_annotation_to_compile() -> None:
    """Typer evaluates string annotations twice per command on every start (``--help``
    included); the command modules' are objects, or resolved once when the app is built."""
    import sys

    from disproof.cli import app as _  # noqa: F401

    cli = sys.modules["disproof.cli.app"]
    functions = list(cli._callbacks(cli.app))
    assert len(functions) > 30
    strings = [
        (f.__qualname__, name)
        for f in functions
        for name, value in f.__annotations__.items()
        if isinstance(value, str)
    ]
    assert not strings


@pytest.mark.parametrize(
    "args", [("search", "--help"), ("search", "--limit", "x"), ("scan", "--help")]
)
def test_usage_errors_and_command_help_import_nothing_heavy(args: tuple[str, ...]) -> None:
    loaded = _modules_after(_cli(*args))  # Typer may convert values with pydantic
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_importing_the_cli_imports_nothing_heavy() -> None:
    loaded = _modules_after("import disproof.cli.app")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_reading_commands_import_no_matcher_or_web_code(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    code = (
        "from disproof.service import Disproof\nfrom disproof.settings import Settings\n"
        f"Disproof.open(Settings(db={str(db)!r})).load_demo()"
    )
    _modules_after(code)
    for args in (("stats",), ("search", "biolabs"), ("show", "demo-ukraine-biolabs-2022")):
        loaded = _modules_after(_cli("--db", str(db), *args))
        assert "sqlalchemy" in loaded
        # `show` reads the case's stored vectors (numpy) for the semantic check of inferred
        # narratives (docs/narratives.md); nothing else of the matcher or the web
        heavy = set(HEAVY_FOR_READING) - ({"numpy"} if args[0] == "show" else set())
        assert not loaded & heavy, (args, sorted(loaded & heavy))
    for args in (("stats",), ("search", "biolabs")):  # no text analysis: only writes need it
        loaded = _modules_after(_cli("--db", str(db), *args), full=True)
        assert not loaded & {"disproof.text", "snowballstemmer"}, args
    for args in (("stats",), ("search", "biolabs"), ("show", "demo-ukraine-biolabs-2022")):
        loaded = _modules_after(_cli("--db", str(db), *args), full=True)
        assert not {m for m in loaded if m.startswith("disproof.techniques")}, args


def test_show_analyses_text_only_for_a_narrative_to_infer(tmp_path: Path) -> None:
    """`show` reads the case's text (stemming it and the taxonomy's definitions) only when a
    keyword rule of a narrative the analysts did not give the case is complete."""
    db = tmp_path / "cases.db"
    code = (
        "from disproof.models import CaseCreate as C\nfrom disproof.service import Disproof\n"
        f"from disproof.settings import Settings\ns = Disproof.open(Settings(db={str(db)!r}))\n"
        "c = dict(title='Labs', summary='Labs make biological weapons', keywords=['Biological "
        "weapons'])\ns.create_case(C(id='given', narratives=['us-biolabs'], **c), 'test')\n"
        "s.create_case(C(id='inferred', **c), 'test')"
    )
    _modules_after(code)
    given = _modules_after(_cli("--db", str(db), "show", "given"), full=True)
    assert not given & {"snowballstemmer", "disproof.text.claims", "disproof.text.boilerplate"}
    inferred = _modules_after(_cli("--db", str(db), "show", "inferred"), full=True)
    assert "snowballstemmer" in inferred  # (and the stored vectors, for the semantic check)


def test_names_spelled_out_for_start_up_agree_with_their_source() -> None:
    from disproof.auth import Role
    from disproof.cli import keywords, server, trends
    from disproof.formats import EXPORT_FORMATS, IMPORT_FORMATS
    from disproof.io import EXPORTERS, IMPORTERS
    from disproof.keywords import KeywordOptions
    from disproof.store.engine import HEAD_REVISION, head_revision
    from disproof.trends import PERIODS, TREND_BYS

    assert tuple(IMPORTERS) == IMPORT_FORMATS and tuple(EXPORTERS) == EXPORT_FORMATS
    assert keywords.MIN_COUNT == KeywordOptions().min_count
    assert [r.value for r in server.RoleChoice] == [r.value for r in Role]
    assert (trends.TREND_BYS, trends.PERIODS) == (TREND_BYS, PERIODS)
    assert HEAD_REVISION == head_revision(), "a new migration: update HEAD_REVISION"


def test_every_lazily_exported_name_resolves() -> None:
    import disproof
    import disproof.narratives

    for package in (disproof, disproof.narratives):
        for name in package.__all__:
            assert getattr(package, name) is not None, (package.__name__, name)
