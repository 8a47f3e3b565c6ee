"""Versions and history over the REST API: ETag / If-Match (412 on a stale write), the history
endpoint (viewers only, also for deleted cases) and restoring (editors)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from disproof.models import CaseCreate
from tests.conftest import Api

pytestmark = pytest.mark.both_backends

CASE_ID = "https://euvsdisinfo.eu/report/labs/"
PATH = "/api/v1/cases/" + quote(CASE_ID, safe="")


@pytest.fixture
def world(api: Api) -> Api:
    api.service.create_case(CaseCreate(id=CASE_ID, title="Biolabs", keywords=["Biolabs"]), "seed")
    return api


def test_reading_a_case_gives_its_version_as_etag(world: Api) -> None:
    response = world.client.get(PATH)
    assert response.status_code == 200
    assert response.headers["etag"] == '"1"' and response.json()["version"] == 1
    changed = world.client.patch(PATH, json={"summary": "s"}, headers=world.auth("editor"))
    assert changed.headers["etag"] == '"2"' and changed.json()["version"] == 2
    created = world.client.post(
        "/api/v1/cases", json={"id": "new", "title": "t"}, headers=world.auth("editor")
    )
    assert created.status_code == 201 and created.headers["etag"] == '"1"'
    listed = world.client.get("/api/v1/cases").json()["results"][0]
    assert "version" not in listed  # search results are cases, as exported


@pytest.mark.parametrize("tag", ['"1"', 'W/"1"', "1", "*"])
def test_a_current_if_match_is_accepted(world: Api, tag: str) -> None:
    headers = world.auth("editor") | {"If-Match": tag}
    response = world.client.patch(PATH, json={"summary": "new"}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'


def test_a_stale_if_match_is_412_and_changes_nothing(world: Api) -> None:
    world.client.patch(PATH, json={"summary": "first"}, headers=world.auth("editor"))
    stale = world.auth("editor") | {"If-Match": '"1"'}
    response = world.client.patch(PATH, json={"summary": "second"}, headers=stale)
    assert response.status_code == 412
    body = response.json()
    assert body["current_version"] == 2 and "version 2" in body["detail"]
    assert response.headers["etag"] == '"2"'
    deleted = world.client.delete(PATH, headers=world.auth("admin") | {"If-Match": '"1"'})
    assert deleted.status_code == 412
    case = world.client.get(PATH).json()
    assert case["summary"] == "first" and case["version"] == 2
    gone = world.client.delete(PATH, headers=world.auth("admin") | {"If-Match": '"2"'})
    assert gone.status_code == 204


@pytest.mark.parametrize("tag", ['"abc"', '"1", "2"', '"-1"', "9" * 40])
def test_a_malformed_if_match_is_422(world: Api, tag: str) -> None:
    headers = world.auth("editor") | {"If-Match": tag}
    response = world.client.patch(PATH, json={"summary": "x"}, headers=headers)
    assert response.status_code == 422 and "If-Match" in response.json()["detail"]
    assert world.service.get(CASE_ID).summary == ""


def test_history_lists_who_when_and_what_changed(world: Api) -> None:
    world.client.patch(PATH, json={"title": "Biolabs!"}, headers=world.auth("editor"))
    response = world.client.get(PATH + "/history", headers=world.auth("viewer"))
    assert response.status_code == 200
    body = response.json()
    assert body["case_id"] == CASE_ID and body["exists"] and body["current_version"] == 2
    first, second = body["entries"]
    assert (first["version"], first["action"], first["author"], first["role"]) == (
        2,
        "update",
        "editor",
        "editor",
    )
    assert first["changes"] == {
        "title": {
            "before": "Biolabs",
            "after": "Biolabs!",
            "added": None,
            "removed": None,
            "truncated": False,
        }
    }
    assert (second["action"], second["author"], second["role"]) == ("create", "seed", None)
    limited = world.client.get(PATH + "/history?limit=1", headers=world.auth("viewer")).json()
    assert limited["total"] == 2 and len(limited["entries"]) == 1


def test_history_needs_a_token_even_when_reading_is_public(world: Api) -> None:
    assert world.client.get(PATH).status_code == 200
    assert world.client.get(PATH + "/history").status_code == 401
    assert (
        world.client.get("/api/v1/cases/nope/history", headers=world.auth("viewer")).status_code
        == 404
    )


def test_a_deleted_case_keeps_its_history_and_can_be_restored(world: Api) -> None:
    assert world.client.delete(PATH, headers=world.auth("admin")).status_code == 204
    assert world.client.get(PATH).status_code == 404
    history = world.client.get(PATH + "/history", headers=world.auth("viewer")).json()
    assert not history["exists"] and history["entries"][0]["action"] == "delete"
    assert history["entries"][0]["author"] == "admin"

    refused = world.client.post(PATH + "/restore", headers=world.auth("viewer"))
    assert refused.status_code == 403
    restored = world.client.post(PATH + "/restore", headers=world.auth("editor"))
    assert restored.status_code == 200, restored.text
    assert restored.headers["etag"] == '"3"' and restored.json()["title"] == "Biolabs"
    assert restored.headers["location"] == PATH
    again = world.client.post(PATH + "/restore", headers=world.auth("editor"))
    assert again.status_code == 409  # it exists: name a version to go back to


def test_restore_an_earlier_version_with_if_match(world: Api) -> None:
    world.client.patch(PATH, json={"title": "Changed"}, headers=world.auth("editor"))
    stale = world.auth("editor") | {"If-Match": '"1"'}
    assert world.client.post(PATH + "/restore?version=1", headers=stale).status_code == 412
    fresh = world.auth("editor") | {"If-Match": '"2"'}
    response = world.client.post(PATH + "/restore?version=1", headers=fresh)
    assert response.status_code == 200 and response.json()["title"] == "Biolabs"
    missing = world.client.post(PATH + "/restore?version=7", headers=world.auth("editor"))
    assert missing.status_code == 422


def test_openapi_documents_versions_history_and_restore(world: Api) -> None:
    schema = world.client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/cases/{case_id}/history" in paths
    assert "/api/v1/cases/{case_id}/restore" in paths
    patch = paths["/api/v1/cases/{case_id}"]["patch"]
    headers = [p for p in patch["parameters"] if p["in"] == "header"]
    assert headers[0]["name"] == "If-Match" and "412" in headers[0]["description"]
    assert "version" in schema["components"]["schemas"]["CasePublic"]["properties"]
