"""Web sessions (issue 15, item 1): the sign-in cookie holds a session id of its own, never the
API token; a session is no bearer token, ends at sign-out, when its token is revoked, when idle
and at the end of its lifetime; only its hash is stored; the cookie is Secure when the request
came over HTTPS, as a *trusted* reverse proxy says (``DISPROOF_TRUSTED_PROXIES``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import uvicorn
from fastapi.testclient import TestClient
from starlette.types import ASGIApp

from disproof.api.app import create_app
from disproof.api.deps import SESSION_COOKIE
from disproof.api.serve import proxy_options
from disproof.auth import Role
from disproof.service import Disproof
from disproof.sessions import SESSION_PREFIX, SessionStore
from disproof.settings import Settings
from disproof.store.schema import web_sessions

pytestmark = pytest.mark.both_backends

PRIVATE_READ = "/api/v1/stats"


@pytest.fixture
def private(tmp_path: Path) -> Iterator[tuple[TestClient, Disproof]]:
    """A server whose reading needs a token (so a refused credential is a 401)."""
    settings = Settings(db=str(tmp_path / "sessions.db"), public_read=False)
    service = Disproof.open(settings)
    with TestClient(create_app(settings, service=service), follow_redirects=False) as client:
        yield client, service


def sign_in(client: TestClient, token: str, **headers: str) -> tuple[int, str]:
    """Sign in through the form, as a new browser; the status and the session cookie's
    Set-Cookie header."""
    client.cookies.clear()
    form = client.get("/signin", headers=headers)
    # (a Secure cookie, as behind an HTTPS proxy, is not sent back to http://testserver)
    presession = re.search(r"disproof_presession=([^;]+)", form.headers.get("set-cookie", ""))
    if presession:
        client.cookies.set("disproof_presession", presession.group(1))
    found = re.search(r'name="csrf_token" value="([0-9a-f]*)"', form.text)
    assert found, form.text
    answer = client.post(
        "/signin", data={"csrf_token": found.group(1), "token": token}, headers=headers
    )
    cookies = [c for c in answer.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)]
    return answer.status_code, cookies[0] if cookies else ""


def session_id(set_cookie: str) -> str:
    return set_cookie.split(";", 1)[0].split("=", 1)[1]


def test_the_cookie_is_a_session_of_its_own_not_the_token(
    private: tuple[TestClient, Disproof],
) -> None:
    client, service = private
    token = service.tokens.create("analyst", Role.editor)
    status, cookie = sign_in(client, token)
    assert status == 303
    session = session_id(cookie)
    assert session.startswith(SESSION_PREFIX) and token not in cookie
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert "max-age=43200" in cookie.lower()  # the absolute lifetime: 12 hours
    assert client.get(PRIVATE_READ).status_code == 200  # the cookie signs the browser in
    # a session id is no bearer token, and a token in the cookie is no session
    client.cookies.clear()
    bearer = {"Authorization": f"Bearer {session}"}
    assert client.get(PRIVATE_READ, headers=bearer).status_code == 401
    client.cookies.set(SESSION_COOKIE, token)
    assert client.get(PRIVATE_READ).status_code == 401


def test_only_the_hash_of_a_session_is_stored(private: tuple[TestClient, Disproof]) -> None:
    client, service = private
    _, cookie = sign_in(client, service.tokens.create("analyst", Role.viewer))
    with service.store.engine.connect() as connection:
        rows = connection.execute(sa.select(web_sessions)).all()
    assert len(rows) == 1 and session_id(cookie) not in repr(rows)


def test_sign_out_ends_the_session_on_the_server(private: tuple[TestClient, Disproof]) -> None:
    client, service = private
    _, cookie = sign_in(client, service.tokens.create("analyst", Role.viewer))
    page = client.get("/search")
    csrf_token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert csrf_token, "no sign-out form"
    assert client.post("/signout", data={"csrf_token": csrf_token.group(1)}).status_code == 303
    client.cookies.set(SESSION_COOKIE, session_id(cookie))  # a copy kept by an attacker
    assert client.get(PRIVATE_READ).status_code == 401
    bearer = {"Authorization": f"Bearer {session_id(cookie)}"}
    assert client.get(PRIVATE_READ, headers=bearer).status_code == 401


def test_revoking_the_token_ends_its_sessions(private: tuple[TestClient, Disproof]) -> None:
    client, service = private
    token = service.tokens.create("analyst", Role.viewer)
    other = service.tokens.create("other", Role.viewer)
    sessions = [session_id(sign_in(client, token)[1]), session_id(sign_in(client, token)[1])]
    kept = session_id(sign_in(client, other)[1])
    assert service.tokens.revoke("analyst") == 1
    for session in sessions:
        client.cookies.set(SESSION_COOKIE, session)
        assert client.get(PRIVATE_READ).status_code == 401
    client.cookies.set(SESSION_COOKIE, kept)
    assert client.get(PRIVATE_READ).status_code == 200
    with service.store.engine.connect() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(web_sessions)).scalar() == 1
        )


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def test_sessions_end_when_idle_and_at_the_end_of_their_lifetime(service: Disproof) -> None:
    clock = Clock()
    sessions = SessionStore(
        service.store.engine,
        service.tokens,
        idle=dt.timedelta(minutes=30),
        lifetime=dt.timedelta(hours=2),
        clock=clock,
    )
    token = service.tokens.create("analyst", Role.viewer)
    opened = sessions.open(token)
    assert opened is not None
    session, principal = opened
    assert principal.name == "analyst" and sessions.verify(session) == principal
    for _ in range(3):  # active every 29 minutes: never idle …
        clock.now += dt.timedelta(minutes=29)
        assert sessions.verify(session) == principal
    clock.now += dt.timedelta(minutes=31)  # … until it is
    assert sessions.verify(session) is None
    second = sessions.open(token)
    assert second is not None
    for _ in range(4):  # 4 × 29 minutes = 1 h 56 min
        clock.now += dt.timedelta(minutes=29)
        assert sessions.verify(second[0]) is not None
    clock.now += dt.timedelta(minutes=5)  # 2 h 1 min after signing in, however active
    assert sessions.verify(second[0]) is None
    assert sessions.open("dsp_" + "x" * 43) is None  # an unknown token opens nothing


# -- behind a reverse proxy --------------------------------------------------------------------


def served(settings: Settings, service: Disproof) -> ASGIApp:
    """The app as ``disproof serve`` hands it to uvicorn (its proxy options applied)."""
    config = uvicorn.Config(create_app(settings, service=service), **proxy_options(settings))
    config.load()
    return config.loaded_app


@pytest.mark.parametrize(
    ("trusted", "peer", "secure"),
    [
        ("", "10.0.0.1", False),  # the default: no proxy is believed
        ("10.0.0.1", "10.0.0.1", True),
        ("10.0.0.0/8", "10.1.2.3", True),
        ("10.0.0.1", "192.0.2.9", False),  # anyone else claiming HTTPS is not believed
    ],
)
def test_the_cookie_is_secure_when_a_trusted_proxy_says_https(
    settings: Settings, trusted: str, peer: str, secure: bool
) -> None:
    settings = settings.model_copy(update={"trusted_proxies": trusted})
    service = Disproof.open(settings)
    token = service.tokens.create("analyst", Role.viewer)
    app = served(settings, service)
    with TestClient(app, follow_redirects=False, client=(peer, 5000)) as client:
        status, cookie = sign_in(client, token, **{"X-Forwarded-Proto": "https"})
    assert status == 303 and ("; secure" in cookie.lower()) == secure


def test_trusted_proxies_must_be_addresses(settings: Settings) -> None:
    assert proxy_options(settings) == {"proxy_headers": False}
    with pytest.raises(ValueError, match="not an IP address"):
        Settings(db=settings.db, trusted_proxies="proxy.example")
    both = Settings(db=settings.db, trusted_proxies="10.0.0.1, ::1")
    assert proxy_options(both) == {
        "proxy_headers": True,
        "forwarded_allow_ips": ["10.0.0.1", "::1"],
    }
