"""A busy database (another connection holds SQLite's write lock, as a long import does):
signed-in reads still answer at once, and what genuinely needs the lock answers 503 with
``Retry-After``, never 500 (issue 15, item 2).

The lock is held by a real second connection (``BEGIN IMMEDIATE``) on the test's database file.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from disproof.api.app import create_app
from disproof.auth import Role
from disproof.models import Case
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.store import engine as engine_module
from disproof.store.schema import web_sessions
from disproof.web import csrf
from tests.fakes import add_cases, sign_in_cookie

LONG_AGO = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
TOKENS = {"reader": Role.viewer, "browser": Role.viewer, "writer": Role.editor}
Site = tuple[TestClient, dict[str, str]]


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    # writes give up after 0.3 s instead of 10 s, so the "busy" answers come quickly
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 300)
    settings = Settings(db=str(tmp_path / "busy.db"), public_read=False)
    service = Disproof.open(settings)
    add_cases(
        service, Case(id="one", title="A claim", summary="A claim.", date=dt.date(2024, 1, 2))
    )
    tokens = {name: service.tokens.create(name, role) for name, role in TOKENS.items()}
    app = create_app(settings, service=service)
    with TestClient(app, raise_server_exceptions=False) as client:
        # the browser signed in a while ago (before the lock): its next request records its use
        tokens["session"] = sign_in_cookie(client, tokens["browser"])
        client.cookies.clear()
        with service.store.engine.begin() as connection:
            connection.execute(sa.update(web_sessions).values(last_seen_at=LONG_AGO))
        yield client, tokens


def last_seen(client: TestClient) -> dt.datetime:
    with service(client).store.engine.connect() as connection:
        value = connection.execute(sa.select(web_sessions.c.last_seen_at)).scalar_one()
    return cast(dt.datetime, value).replace(tzinfo=dt.UTC)


def service(client: TestClient) -> Disproof:
    app = client.app
    assert isinstance(app, FastAPI)
    return cast(Disproof, app.state.service)


@pytest.fixture
def locked(tmp_path: Path, site: Site) -> Iterator[sqlite3.Connection]:
    """Another process's writer: holds the write lock until the test ends."""
    holder = sqlite3.connect(tmp_path / "busy.db", timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield holder
    holder.execute("ROLLBACK")
    holder.close()


def test_signed_in_reads_do_not_wait_for_the_write_lock(
    site: Site, locked: sqlite3.Connection
) -> None:
    client, tokens = site  # the reader's token never used yet: its first read records the use
    started = time.monotonic()
    api = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {tokens['reader']}"})
    client.cookies.set(csrf.SESSION_COOKIE, tokens["session"])
    page = client.get("/search")
    elapsed = time.monotonic() - started
    assert api.status_code == 200 and api.json()["total"] > 0
    assert page.status_code == 200
    assert elapsed < 2.0  # it waited for nothing (was: 10 s, then 500)
    # the uses were not recorded while the lock was held; they are once the lock is free
    used = [t.last_used_at is not None for t in service(client).tokens.list()]
    assert used == [False, True, False]  # the browser's token: when it signed in
    assert last_seen(client) == LONG_AGO
    locked.execute("ROLLBACK")
    assert client.get("/search").status_code == 200
    assert last_seen(client) > LONG_AGO
    locked.execute("BEGIN IMMEDIATE")  # for the fixture to release


def test_a_write_while_locked_answers_503_with_retry_after(
    site: Site, locked: sqlite3.Connection
) -> None:
    client, tokens = site
    case = {"id": "new-case", "title": "A new case", "summary": "A claim.", "date": "2024-01-02"}
    response = client.post(
        "/api/v1/cases", json=case, headers={"Authorization": f"Bearer {tokens['writer']}"}
    )
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == str(engine_module.BUSY_RETRY_AFTER)
    assert "busy" in response.json()["detail"]


def _locked_error(*_args: object, **_kwargs: object) -> None:
    raise OperationalError("SELECT …", {}, sqlite3.OperationalError("database is locked"))


@pytest.mark.parametrize(("path", "json_answer"), [("/api/v1/cases", True), ("/search", False)])
def test_a_raw_database_is_locked_anywhere_is_a_503_not_a_500(
    site: Site,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    json_answer: bool,
) -> None:
    client, tokens = site
    client.cookies.set(csrf.SESSION_COOKIE, tokens["session"])
    monkeypatch.setattr(service(client).store, "search", _locked_error)
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == str(engine_module.BUSY_RETRY_AFTER)
    if json_answer:
        assert "busy" in response.json()["detail"]
    else:
        assert "busy" in response.text and "Traceback" not in response.text


def test_other_operational_errors_stay_500(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    client, tokens = site
    client.cookies.set(csrf.SESSION_COOKIE, tokens["session"])

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT …", {}, sqlite3.OperationalError("no such table: cases"))

    monkeypatch.setattr(service(client).store, "search", broken)
    response = client.get("/api/v1/cases")
    assert response.status_code == 500 and "retry-after" not in response.headers
