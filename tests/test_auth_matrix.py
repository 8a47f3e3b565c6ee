"""The authorisation matrix, complete: every state-changing operation of the OpenAPI document
(new ones are picked up, and fail here until their role is declared) × every credential —
none, malformed, unknown, and an expired, revoked or valid token of each role, sent as a
bearer header, or the web session opened with that token sent as the session cookie; a session
id sent as a bearer token and a token sent as the cookie; sessions signed out, idle too long or
past their lifetime — gets exactly 401, 403 or success; a refused request changes nothing.
And every web form that changes something refuses a post without its CSRF token (403), found
by walking the web router.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute

from disproof.api.app import create_app
from disproof.api.deps import SESSION_COOKIE
from disproof.auth import Role
from disproof.models import CaseCreate, CaseQuery
from disproof.service import Disproof
from disproof.sessions import SessionStore, hash_session
from disproof.settings import Settings
from disproof.store.schema import api_tokens, web_sessions
from disproof.web import csrf
from disproof.web.urls import quote_case_id
from tests import pg
from tests.fakes import FAKE_CALIBRATION, FakeEmbedder

pytestmark = pytest.mark.both_backends

OPENAPI = "/api/v1/openapi.json"
WRITE_METHODS = ("post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    """What an operation needs (None: reading, open when reading is public), a body, and its
    status on success."""

    role: Role | None
    body: dict[str, Any] | None
    success: int


#: Every operation of the document with a state-changing method. A new one fails
#: test_the_matrix_covers_every_write_operation until it is declared here.
OPERATIONS: dict[str, Operation] = {
    "POST /api/v1/cases": Operation(Role.editor, {"title": "A new claim"}, 201),
    "PATCH /api/v1/cases/{case_id}": Operation(Role.editor, {"summary": "changed"}, 200),
    "DELETE /api/v1/cases/{case_id}": Operation(Role.admin, None, 204),
    "POST /api/v1/match": Operation(None, {"text": "NATO builds bases."}, 200),
    "POST /api/v1/report": Operation(None, {"text": "NATO builds bases."}, 200),
    "POST /api/v1/techniques": Operation(None, {"text": "NATO builds bases."}, 200),
    # an existing case without ?version= is a 409 — but only once the editor is let in
    "POST /api/v1/cases/{case_id}/restore": Operation(Role.editor, None, 409),
    # monitoring: sources are an admin's; deciding on a sighting an editor's (none exists: 404)
    "POST /api/v1/sources": Operation(
        Role.admin, {"name": "matrix", "kind": "jsonl", "location": "/nowhere/x.jsonl"}, 201
    ),
    "DELETE /api/v1/sources/{name}": Operation(Role.admin, None, 404),
    "POST /api/v1/sightings/{sighting_id}/dismiss": Operation(Role.editor, None, 404),
    "POST /api/v1/sightings/{sighting_id}/appearance": Operation(Role.editor, None, 404),
    "POST /api/v1/alerts/rules": Operation(
        Role.editor, {"name": "rule", "kind": "case", "value": "x"}, 201
    ),
    "DELETE /api/v1/alerts/rules/{name}": Operation(Role.editor, None, 404),
}
MALFORMED = {
    "not-a-token": "not-a-token",
    "empty": "",
    "short": "dsp_abc",
    "bad-characters": "dsp_" + "!" * 43,
    "too-long": "dsp_" + "A" * 5_000,
    "wrong-prefix": "tok_" + "A" * 43,
}
STATES = ("valid", "expired", "revoked")
#: Web sessions of a valid admin token that must not let anyone in (see ``_make_tokens``); each
#: is sent both as the cookie and as a bearer token.
ENDED_SESSIONS = ("signed-out", "idle", "too-old")


@dataclass(frozen=True)
class Credential:
    name: str
    role: Role | None  # the role of a valid token
    secret: str | None  # None: no credentials at all
    cookie: str | None = None  # sent as the session cookie (default: ``secret``)

    @property
    def valid(self) -> bool:
        return self.role is not None

    def sent(self, via: str) -> str | None:
        return self.cookie if via == "cookie" and self.cookie is not None else self.secret


def credentials(tokens: dict[str, str]) -> list[Credential]:
    out = [Credential("none", None, None), Credential("unknown", None, "dsp_" + "U" * 43)]
    out += [Credential(f"malformed:{k}", None, v) for k, v in MALFORMED.items()]
    for role, state in itertools.product(Role, STATES):
        name = f"{role.value}-{state}"
        valid = role if state == "valid" else None
        out.append(Credential(name, valid, tokens[name], tokens[f"session:{name}"]))
    # a valid session id is no bearer token, a valid token is no session id
    out.append(Credential("crossed", None, tokens["session:admin-valid"], tokens["admin-valid"]))
    out += [Credential(f"session-{e}", None, tokens[f"session:{e}"]) for e in ENDED_SESSIONS]
    return out


@dataclass
class World:
    service: Disproof
    client: TestClient
    private: TestClient
    tokens: dict[str, str]
    counter: Iterator[int]

    def target(self) -> str:
        """A fresh case to change, so that every request has one."""
        case_id = f"https://euvsdisinfo.eu/report/target-{next(self.counter)}/"
        self.service.create_case(CaseCreate(id=case_id, title="A claim to edit"), "seed")
        return case_id


def _session(sessions: SessionStore, token: str) -> str:
    opened = sessions.open(token)
    assert opened is not None
    return opened[0]


def _make_tokens(service: Disproof, settings: Settings) -> dict[str, str]:
    """A token of each role and state, and the web session opened with each while it was
    valid (``session:NAME``), and ended sessions of a valid admin token."""
    tokens: dict[str, str] = {}
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    sessions = SessionStore.from_settings(service.store.engine, service.tokens, settings)
    for role, state in itertools.product(Role, STATES):
        name = f"{role.value}-{state}"
        tokens[name] = service.tokens.create(name, role, expires_in_days=30)
        tokens[f"session:{name}"] = _session(sessions, tokens[name])
        if state == "revoked":
            service.tokens.revoke(name)
        if state == "expired":
            with service.store.engine.begin() as connection:
                update = sa.update(api_tokens).where(api_tokens.c.name == name)
                connection.execute(update.values(expires_at=past))
    for ended in ENDED_SESSIONS:
        tokens[f"session:{ended}"] = session = _session(sessions, tokens["admin-valid"])
        row = sa.update(web_sessions).where(web_sessions.c.session_hash == hash_session(session))
        with service.store.engine.begin() as connection:
            if ended == "idle":
                idle = sessions.idle + dt.timedelta(minutes=1)
                connection.execute(row.values(last_seen_at=dt.datetime.now(dt.UTC) - idle))
            if ended == "too-old":
                connection.execute(row.values(expires_at=past))
        if ended == "signed-out":
            assert sessions.close(session)
    return tokens


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, backend: str, request: pytest.FixtureRequest
) -> Iterator[World]:
    with pytest.MonkeyPatch.context() as patch:
        embedder = FakeEmbedder()
        patch.setattr("disproof.embed.load_embedder", lambda name=None: (embedder, []))
        patch.setattr(
            "disproof.match.calibration.calibration_for", lambda model_id: FAKE_CALIBRATION
        )
        db = pg.database(request, backend, tmp_path_factory.mktemp("matrix") / "matrix.db")
        settings = Settings(db=db, budget_burst=1e9)
        service = Disproof.open(settings)
        tokens = _make_tokens(service, settings)
        closed = settings.model_copy(update={"public_read": False})
        with (
            TestClient(create_app(settings, service=service)) as client,
            TestClient(create_app(closed, service=service)) as private,
        ):
            yield World(service, client, private, tokens, itertools.count())


def write_operations(document: dict[str, Any]) -> list[str]:
    return [
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method in operations
        if method in WRITE_METHODS
    ]


def test_the_matrix_covers_every_write_operation(world: World) -> None:
    assert sorted(write_operations(world.client.get(OPENAPI).json())) == sorted(OPERATIONS)
    assert [c.name for c in credentials(world.tokens)] == MATRIX_CREDENTIALS
    # operations × credentials × (header, cookie; no empty cookie) × (public, private reading)
    cells = len(OPERATIONS) * (len(MATRIX_CREDENTIALS) * 2 - 1) * 2
    print(f"\nauth matrix: {cells} cells")


def expected(operation: Operation, credential: Credential, public_read: bool) -> int:
    if operation.role is None and public_read:
        return operation.success  # reading ignores bad credentials
    needed = operation.role or Role.viewer
    if not credential.valid:
        return 401
    assert credential.role is not None
    return operation.success if credential.role.allows(needed) else 403


def send(
    world: World, client: TestClient, label: str, credential: Credential, via: str
) -> tuple[int, str | None]:
    """Send ``label`` with ``credential``; the status and the target case (if any)."""
    method, path = label.split(" ", 1)
    target = world.target() if "{case_id}" in path else None
    if target is not None:
        path = path.replace("{case_id}", quote(target, safe=""))
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}
    secret = credential.sent(via)
    if secret is not None and via == "header":
        headers["Authorization"] = f"Bearer {secret}"
    elif secret is not None:
        cookies[SESSION_COOKIE] = secret
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies.set(name, value)
    body = OPERATIONS[label].body
    if body and "title" in body:  # a new case each time (the same title would be a 409)
        body = {**body, "title": f"{body['title']} {next(world.counter)}"}
    if body and "name" in body:  # a new source each time (likewise)
        body = {**body, "name": f"{body['name']}-{next(world.counter)}"}
    path = path.replace("{sighting_id}", "999999")
    response = client.request(method, path, json=body, headers=headers)
    client.cookies.clear()
    return response.status_code, target


MATRIX_CREDENTIALS = [
    "none",
    "unknown",
    *(f"malformed:{k}" for k in MALFORMED),
    *(f"{role.value}-{state}" for role, state in itertools.product(Role, STATES)),
    "crossed",
    *(f"session-{ended}" for ended in ENDED_SESSIONS),
]


@pytest.mark.parametrize("via", ["header", "cookie"])
@pytest.mark.parametrize("who", MATRIX_CREDENTIALS)
@pytest.mark.parametrize("label", list(OPERATIONS))
def test_auth_matrix(world: World, label: str, who: str, via: str) -> None:
    if via == "cookie" and who == "malformed:empty":
        pytest.skip("an empty cookie is no cookie")
    operation = OPERATIONS[label]
    [credential] = [c for c in credentials(world.tokens) if c.name == who]
    for client, public in ((world.client, True), (world.private, False)):
        before = world.service.count()
        status, target = send(world, client, label, credential, via)
        want = expected(operation, credential, public)
        assert status == want, (label, who, via, public)
        if status >= 400 and target is not None:  # refused: the case is as it was
            case = world.service.get(target)
            assert case.summary == "" and case.title == "A claim to edit"
        if status >= 400:
            assert world.service.count() == before + (target is not None)


# -- web forms and CSRF ---------------------------------------------------------------------------


def flat_routes(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """Every route, looking inside included routers (FastAPI keeps them nested)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from flat_routes(inner.routes)
        else:
            yield route


def web_form_posts() -> list[str]:
    from disproof.web.routes import router

    return sorted(
        route.path  # type: ignore[attr-defined]
        for route in flat_routes(router.routes)
        if "POST" in (getattr(route, "methods", None) or ())
    )


#: Form posts that change nothing (a check only reads): no CSRF token needed.
READ_ONLY_FORMS = {"/check"}


def test_every_state_changing_form_is_csrf_protected(world: World) -> None:
    forms = web_form_posts()
    assert READ_ONLY_FORMS <= set(forms)
    editor = world.tokens["session:editor-valid"]
    client = world.client
    target = world.target()
    paths = {
        "/cases/{case_id:path}/edit": f"/cases/{quote_case_id(target)}/edit",
        "/triage/{sighting_id}/{action}": "/triage/1/dismiss",
    }
    checked = []
    for form in sorted(set(forms) - READ_ONLY_FORMS):
        path = paths.get(form, form)
        for token in (None, "", "0" * 64, csrf.token_for("another key", editor)):
            client.cookies.clear()
            client.cookies.set(SESSION_COOKIE, editor)
            client.cookies.set(csrf.PRESESSION_COOKIE, "p" * 32)
            data = {
                "title": "Changed by a forged form",
                "token": world.tokens["editor-valid"],
                "action": "save",
            }
            if token is not None:
                data[csrf.FIELD] = token
            response = client.post(path, data=data, follow_redirects=False)
            assert response.status_code == 403, (form, token)
            assert "did not come from this site" in response.text
        checked.append(form)
    client.cookies.clear()
    assert world.service.get(target).title == "A claim to edit"
    assert world.service.search(CaseQuery(text="forged")).total == 0
    assert {"/signin", "/signout", "/cases/new", "/cases/{case_id:path}/edit"} <= set(checked)
