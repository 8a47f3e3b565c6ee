"""Monitoring over the REST API: sources need an admin, sightings a viewer; deciding one needs
an editor and goes through the case's versions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from disproof.errors import NotFound
from disproof.watch.service import Monitoring
from tests.conftest import Api
from tests.fakes import add_cases
from tests.test_watch import CLAIM, LABS, VACCINE

pytestmark = pytest.mark.both_backends


def test_sources_are_managed_by_admins_only(api: Api, tmp_path: Path) -> None:
    body = {"name": "drop", "kind": "jsonl", "location": str(tmp_path / "d.jsonl")}
    client = api.client
    assert client.get("/api/v1/sources").status_code == 401
    assert client.get("/api/v1/sources", headers=api.auth("editor")).status_code == 403
    assert client.post("/api/v1/sources", json=body, headers=api.auth("editor")).status_code == 403
    created = client.post("/api/v1/sources", json=body, headers=api.auth("admin"))
    assert created.status_code == 201 and created.json()["next_due_at"]
    again = client.post("/api/v1/sources", json=body, headers=api.auth("admin"))
    assert again.status_code == 409
    bad = client.post("/api/v1/sources", json=body | {"kind": "ftp"}, headers=api.auth("admin"))
    assert bad.status_code == 422
    # a blank location is refused by name (the schema fuzzer found it a 500)
    blank = body | {"name": "blank", "location": "   "}
    refused = client.post("/api/v1/sources", json=blank, headers=api.auth("admin"))
    assert refused.status_code == 422 and "location" in refused.text
    listed = client.get("/api/v1/sources", headers=api.auth("admin")).json()
    assert [s["name"] for s in listed] == ["drop"]
    assert client.delete("/api/v1/sources/drop", headers=api.auth("admin")).status_code == 204
    assert client.delete("/api/v1/sources/drop", headers=api.auth("admin")).status_code == 404


def test_sightings_are_listed_for_viewers_and_decided_by_editors(api: Api, tmp_path: Path) -> None:
    add_cases(api.service, LABS, VACCINE)
    drop = tmp_path / "d.jsonl"
    rows = [
        {"id": "1", "text": CLAIM, "url": "https://d.example/1"},
        {"id": "2", "text": VACCINE.summary, "url": "https://d.example/2"},
    ]
    drop.write_text("\n".join(json.dumps(r) for r in rows))
    body = {"name": "drop", "kind": "jsonl", "location": str(drop), "outlet": "Drop"}
    api.client.post("/api/v1/sources", json=body, headers=api.auth("admin"))
    Monitoring(api.service).poller().poll_due()

    client = api.client
    assert client.get("/api/v1/sightings").status_code == 401
    page = client.get("/api/v1/sightings", headers=api.auth("viewer")).json()
    assert page["total"] == 2
    by_case = {s["case_id"]: s for s in page["results"]}
    labs, vaccine = by_case["labs"]["id"], by_case["vaccine"]["id"]
    only = client.get("/api/v1/sightings?case_id=labs", headers=api.auth("viewer")).json()
    assert [s["id"] for s in only["results"]] == [labs]

    url = f"/api/v1/sightings/{labs}/appearance"
    assert client.post(url, headers=api.auth("viewer")).status_code == 403
    stale = client.post(url, headers=api.auth("editor") | {"If-Match": '"99"'})
    assert stale.status_code == 412
    added = client.post(url, headers=api.auth("editor") | {"If-Match": '"1"'})
    assert added.status_code == 200 and added.json()["status"] == "added"
    case = client.get("/api/v1/cases/labs").json()
    assert [a["url"] for a in case["appearances"]] == ["https://d.example/1"]
    assert client.post(url, headers=api.auth("editor")).status_code == 409

    dismissed = client.post(f"/api/v1/sightings/{vaccine}/dismiss", headers=api.auth("editor"))
    assert dismissed.json()["status"] == "dismissed"
    assert (
        client.post("/api/v1/sightings/9999/dismiss", headers=api.auth("editor")).status_code == 404
    )
    left = client.get("/api/v1/sightings", headers=api.auth("viewer")).json()
    assert left["total"] == 0


def test_a_sighting_number_beyond_64_bits_is_refused_not_a_500(api: Api) -> None:
    """Found by the schema fuzzer: such a number reached the driver, which cannot send it."""
    huge = 2**70
    headers = api.auth("editor")
    dismissed = api.client.post(f"/api/v1/sightings/{huge}/dismiss", headers=headers)
    assert dismissed.status_code == 422
    added = api.client.post(f"/api/v1/sightings/{huge}/appearance", headers=headers)
    assert added.status_code == 422
    with pytest.raises(NotFound, match="no sighting"):
        Monitoring(api.service).sighting(huge)
