"""Who may do what over the API: every write endpoint × every kind of credential, private
reading, and the session cookie of the web pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from disproof.api.app import create_app
from disproof.api.deps import SESSION_COOKIE
from disproof.auth import Role
from disproof.models import CaseCreate
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.store.schema import api_tokens
from tests.conftest import Api
from tests.fakes import sign_in_cookie

pytestmark = pytest.mark.both_backends

TARGET = "https://euvsdisinfo.eu/report/target/"


def expire(service: Disproof, name: str) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    with service.store.engine.begin() as connection:
        connection.execute(
            sa.update(api_tokens).where(api_tokens.c.name == name).values(expires_at=past)
        )


@pytest.fixture
def world(api: Api) -> Api:
    """The api fixture plus a target case and tokens that no longer work."""
    api.service.create_case(CaseCreate(id=TARGET, title="A claim to edit"), "seed")
    api.tokens["revoked"] = api.service.tokens.create("gone", Role.admin)
    api.service.tokens.revoke("gone")
    api.tokens["expired"] = api.service.tokens.create("old", Role.admin, expires_in_days=1)
    expire(api.service, "old")
    api.tokens["unknown"] = "dsp_" + "A" * 43
    api.tokens["garbage"] = "not-a-token"
    return api


def headers(api: Api, who: str) -> dict[str, str]:
    return {} if who == "nobody" else api.auth(who)


WRITES: dict[str, tuple[str, str, dict[str, Any] | None, Role, int]] = {
    "create": ("POST", "/api/v1/cases", {"title": "A new claim"}, Role.editor, 201),
    "update": ("PATCH", f"/api/v1/cases/{TARGET}", {"summary": "changed"}, Role.editor, 200),
    "delete": ("DELETE", f"/api/v1/cases/{TARGET}", None, Role.admin, 204),
    "restore": ("POST", f"/api/v1/cases/{TARGET}/restore?version=1", None, Role.editor, 200),
}
WHO = ["nobody", "garbage", "unknown", "revoked", "expired", "viewer", "editor", "admin"]


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("action", list(WRITES))
def test_write_endpoints_auth_matrix(world: Api, action: str, who: str) -> None:
    method, path, body, needed, success = WRITES[action]
    response = world.client.request(method, path, json=body, headers=headers(world, who))
    if who in ("nobody", "garbage", "unknown", "revoked", "expired"):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json() == {"detail": "a valid API token is needed"}
    elif Role(who).allows(needed):
        assert response.status_code == success, response.text
    else:
        assert response.status_code == 403
        assert needed.value in response.json()["detail"]
    if response.status_code >= 400:  # a refused write changed nothing
        assert world.service.get(TARGET).summary == "" and world.service.count() == 1


def test_a_non_bearer_authorization_header_is_not_credentials(world: Api) -> None:
    response = world.client.post(
        "/api/v1/cases",
        json={"title": "x"},
        headers={"Authorization": f"Basic {world.tokens['admin']}"},
    )
    assert response.status_code == 401


def test_the_author_of_an_edit_is_the_token_name(world: Api) -> None:
    world.client.patch(
        f"/api/v1/cases/{TARGET}", json={"summary": "s"}, headers=world.auth("editor")
    )
    assert [(a, who) for a, who, _ in world.service.store.edits(TARGET)] == [
        ("create", "seed"),
        ("update", "editor"),
    ]


def test_reading_is_public_by_default_and_ignores_bad_tokens(world: Api) -> None:
    for who in ("nobody", "garbage", "viewer"):
        response = world.client.get("/api/v1/cases", headers=headers(world, who))
        assert response.status_code == 200


@pytest.fixture
def private(settings: Settings, fake_matching: object) -> Iterator[Api]:
    closed = settings.model_copy(update={"public_read": False})
    service = Disproof.open(closed)
    tokens = {"viewer": service.tokens.create("v", Role.viewer)}
    with TestClient(create_app(closed, service=service)) as client:
        yield Api(client, service, tokens)


READS = [
    ("GET", "/api/v1/cases", None),
    ("GET", "/api/v1/cases/x", None),
    ("GET", "/api/v1/cases/x/related", None),
    ("GET", "/api/v1/search?q=x", None),
    ("POST", "/api/v1/match", {"text": "x"}),
    ("GET", "/api/v1/facets/keyword", None),
    ("GET", "/api/v1/stats", None),
]


@pytest.mark.parametrize(("method", "path", "body"), READS)
def test_private_reading_needs_a_viewer_token(
    private: Api, method: str, path: str, body: dict[str, Any] | None
) -> None:
    anonymous = private.client.request(method, path, json=body)
    assert anonymous.status_code == 401
    allowed = private.client.request(method, path, json=body, headers=private.auth("viewer"))
    assert allowed.status_code in (200, 404)  # 404: there is no case "x"


def test_health_needs_no_token_even_when_reading_is_private(private: Api) -> None:
    assert private.client.get("/api/v1/health").status_code == 200
    assert private.client.get("/docs").status_code == 200


def test_session_cookie_authenticates(private: Api) -> None:
    sign_in_cookie(private.client, private.tokens["viewer"])
    assert private.client.get("/api/v1/stats").status_code == 200
    private.client.cookies.set(SESSION_COOKIE, "dsp_" + "B" * 43)
    assert private.client.get("/api/v1/stats").status_code == 401


def test_an_authorization_header_wins_over_the_cookie(private: Api) -> None:
    sign_in_cookie(private.client, private.tokens["viewer"])
    bad = {"Authorization": "Bearer dsp_" + "C" * 43}
    assert private.client.get("/api/v1/stats", headers=bad).status_code == 401


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ({}, 201),
        ({"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}, 201),
        ({"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 401),
        ({"Sec-Fetch-Site": "cross-site"}, 401),
        ({"Sec-Fetch-Site": "same-site"}, 401),
    ],
)
def test_cookie_writes_are_refused_across_sites(
    world: Api, extra: dict[str, str], status: int
) -> None:
    sign_in_cookie(world.client, world.tokens["editor"])
    response = world.client.post("/api/v1/cases", json={"title": "From a form"}, headers=extra)
    assert response.status_code == status


def test_using_a_token_records_when(world: Api) -> None:
    world.client.get("/api/v1/cases", headers=world.auth("viewer"))
    used = {t.name: t.last_used_at for t in world.service.tokens.list()}
    assert used["viewer"] is not None and used["editor"] is None
