"""Security headers on every response: every GET route (web pages, API, documentation, the
OpenAPI document, a file of each static mount), found by walking the app, and every kind of
error page (401, 403, 404, 405, 413, 422, 429, 500, 503) and redirect."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Mount

from disproof.errors import StoreError
from disproof.models import Case
from disproof.web.ratelimit import FailureLimiter
from disproof.web.urls import quote_case_id
from tests.conftest import Api
from tests.fakes import add_cases, sign_in_cookie
from tests.test_auth_matrix import flat_routes

CASE_ID = "https://euvsdisinfo.eu/report/a-case/"
REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}


def directives(policy: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name.lower()] = values
    return out


def assert_security_headers(headers: Mapping[str, str], where: str) -> None:
    policy = directives(headers.get("content-security-policy", ""))
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts is not None, where
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, where
    assert "*" not in scripts and "data:" not in scripts, where
    assert policy.get("frame-ancestors") == ["'none'"], where
    assert policy.get("object-src") == ["'none'"], where
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("x-frame-options") == "DENY", where
    assert headers.get("referrer-policy") in REFERRER_POLICIES, where


@pytest.fixture
def site(api: Api) -> Iterator[Api]:
    add_cases(api.service, Case(id=CASE_ID, title="NATO is encircling Russia"))
    sign_in_cookie(api.client, api.tokens["admin"])  # the editor pages too
    yield api
    api.client.cookies.clear()


def get_paths(api: Api) -> list[str]:
    """A URL for every GET route of the app and one file of every static mount."""
    document = api.client.get("/api/v1/openapi.json").json()
    paths = [
        path.replace("{case_id}", quote(CASE_ID, safe="")).replace("{kind}", "keyword")
        for path, operations in document["paths"].items()
        if "get" in operations
    ]
    from disproof.api.docs import router as docs
    from disproof.web.routes import router as web

    app_routes = list(api.client.app.routes)  # top level: the OpenAPI route and the mounts
    for route in [*flat_routes(web.routes), *flat_routes(docs.routes), *app_routes]:
        path = getattr(route, "path", "")
        if isinstance(route, Mount):
            directory = getattr(route.app, "directory", None)
            files = sorted(Path(str(directory)).glob("*.*")) if directory else []
            name = files[0].name if files else "docs.css"  # /docs/static: package files
            paths.append(f"{path}/{name}")
        elif "GET" in (getattr(route, "methods", None) or ()):
            paths.append(path.replace("{case_id:path}", quote_case_id(CASE_ID)))
    return sorted(set(paths))


def test_every_get_route_sends_the_headers(site: Api) -> None:
    paths = get_paths(site)
    assert {"/", "/search", "/docs", "/api/v1/openapi.json", "/api/v1/health"} <= set(paths)
    for path in paths:
        response = site.client.get(path, follow_redirects=False)
        assert response.status_code == 200, path
        assert_security_headers(response.headers, path)
    print(f"\nsecurity headers: {len(paths)} GET routes")


def test_error_pages_send_the_headers(site: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    client = site.client
    html = {"Accept": "text/html"}
    responses = {
        "404 api": client.get("/api/v1/nothing"),
        "404 page": client.get("/nothing", headers=html),
        "404 case": client.get("/cases/no-such-case"),
        "405": client.put("/api/v1/stats"),
        "422 api": client.get("/api/v1/cases", params={"limit": 0}),
        "422 page": client.get("/search", params={"year": "x"}),
        "413 declared": client.post("/api/v1/match", content=b"x" * 3_000_000),
        "413 page": client.post("/check", data={"text": "x " * 30_000}),
        "401": client.delete("/api/v1/cases/x", headers={"Authorization": "Bearer bad"}),
        "403": client.delete(
            "/api/v1/cases/x", headers={"Authorization": f"Bearer {site.tokens['viewer']}"}
        ),
        "403 csrf": client.post("/signout", data={}),
    }
    anonymous = TestClient(client.app, follow_redirects=False)
    responses["303 sign-in"] = anonymous.get("/cases/new")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    def unavailable(*args: object, **kwargs: object) -> None:
        raise StoreError("disk I/O error")

    unsafe = TestClient(client.app, raise_server_exceptions=False)
    sign_in_cookie(unsafe, site.tokens["admin"])
    monkeypatch.setattr(site.service, "stats", broken)
    responses["500 api"] = unsafe.get("/api/v1/stats")
    responses["500 page"] = unsafe.get("/stats")
    monkeypatch.setattr(site.service, "search", unavailable)
    responses["503 api"] = unsafe.get("/api/v1/cases")
    responses["503 page"] = unsafe.get("/search")
    for name, response in responses.items():
        expected = int(name.split()[0])
        assert response.status_code == expected, (name, response.status_code)
        assert_security_headers(response.headers, name)


def test_a_blocked_sign_in_sends_the_headers(site: Api) -> None:
    client = TestClient(site.client.app, client=("192.0.2.1", 1), follow_redirects=False)
    form = client.get("/signin").text
    token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    limiter = FailureLimiter(1, 60)
    limiter.failed("192.0.2.1")
    site.client.app.state.signin_limiter = limiter
    blocked = client.post("/signin", data={"csrf_token": token, "token": "x"})
    assert blocked.status_code == 429
    assert_security_headers(blocked.headers, "429")
