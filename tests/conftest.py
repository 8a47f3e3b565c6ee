"""Shared fixtures: a fresh database per test, the shared datasets, a CLI runner, matching with a
fake embedder, and an in-process REST API client."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from disproof.service import Disproof
from disproof.settings import Settings
from tests import pg
from tests.fakes import FAKE_CALIBRATION, FakeEmbedder
from tests.pg import pg_cluster, pg_template, pgvector_cluster  # noqa: F401 (fixtures)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# The tests read persuasion techniques with the shipped n-gram model (no encoder, and the fake
# embedder of ``fake_matching`` would not be the e5 the shipped e5 model reads); the tests of
# the e5 default set this themselves (tests/test_techniques_default.py).
os.environ.setdefault("DISPROOF_TECHNIQUES_MODEL", "ngrams")


def pytest_addoption(parser: pytest.Parser) -> None:
    pg.add_options(parser)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests using the database fixtures run on the stores ``--backend`` chooses (tests/pg.py)."""
    explicit = any(m.args[0] == "backend" for m in metafunc.definition.iter_markers("parametrize"))
    if "backend" in metafunc.fixturenames and not explicit:
        backends = pg.backends_for(metafunc)
        if backends:  # module scope: fixtures of a module's own may depend on it
            metafunc.parametrize("backend", backends, indirect=True, scope="module")


@pytest.fixture(scope="module")
def backend(request: pytest.FixtureRequest) -> str:
    """The store this test runs on: "sqlite" unless parametrised (tests/pg.py)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def fresh_db(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The ``--db`` of a database of this test's own: a file path not yet made (SQLite), or
    the URL of an empty database at the newest schema (PostgreSQL)."""
    return pg.database(request, backend, tmp_path / "test.db")


@pytest.fixture
def settings(fresh_db: str) -> Settings:
    return Settings(db=fresh_db)


@pytest.fixture
def service(settings: Settings) -> Disproof:
    return Disproof.open(settings)


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data is not here")
    return SHARED_DATA


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture(scope="session")
def empty_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database at the newest schema, made once, for tests to copy."""
    path = tmp_path_factory.mktemp("template") / "empty.db"
    Disproof.open(Settings(db=str(path))).store.engine.dispose()
    return path


@pytest.fixture
def cli(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    backend: str,
    request: pytest.FixtureRequest,
) -> Iterator[object]:
    """Run ``disproof ARGS`` in-process on a per-test database (made empty: only a few commands
    create a missing one, ``tests/test_missing_db.py``); returns exit code and output."""
    from disproof.cli import main

    db = pg.database(request, backend, tmp_path / "cli.db")
    if backend == "sqlite":
        shutil.copyfile(request.getfixturevalue("empty_db"), db)
    monkeypatch.setenv("DISPROOF_DB", db)
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    yield run
    os.environ.pop("DISPROOF_DB", None)


@pytest.fixture(scope="session")
def feed_server() -> Iterator[Any]:
    """A real threaded HTTP server on 127.0.0.1 for the feeds tests write (``tests.feedserver``)."""
    from tests.feedserver import feed_server as start

    with start() as server:
        yield server


# -- matching without a model, and the REST API -------------------------------------------------


@pytest.fixture
def fake_matching(monkeypatch: pytest.MonkeyPatch) -> FakeEmbedder:
    """Matching with the fake embedder and its calibration (fast, offline)."""
    embedder = FakeEmbedder()
    monkeypatch.setattr("disproof.embed.load_embedder", lambda name=None: (embedder, []))
    monkeypatch.setattr(
        "disproof.match.calibration.calibration_for",
        lambda model_id: FAKE_CALIBRATION if model_id == FakeEmbedder.model_id else None,
    )
    return embedder


@dataclass
class Api:
    """An in-process client of a fresh app, with one token per role (``tokens["editor"]`` …)."""

    client: Any
    service: Disproof
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
def api(settings: Settings, fake_matching: object) -> Iterator[Api]:
    from fastapi.testclient import TestClient

    from disproof.api.app import create_app
    from disproof.auth import Role

    service = Disproof.open(settings)
    app = create_app(settings, service=service)
    tokens = {role.value: service.tokens.create(role.value, role) for role in Role}
    with TestClient(app) as client:
        yield Api(client, service, tokens)
