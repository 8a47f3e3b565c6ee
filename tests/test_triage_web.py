"""The triage page: a queue for signed-in users, actions for editors behind CSRF tokens, case
versions respected, hostile item text escaped, and "new case" prefilling the editor."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from disproof.api.app import create_app
from disproof.auth import Role
from disproof.history import Actor
from disproof.models import CaseUpdate
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.watch.models import SightingQuery, SourceCreate
from disproof.watch.service import Monitoring
from tests.fakes import add_cases, sign_in_cookie
from tests.test_watch import CLAIM, LABS, VACCINE
from tests.test_web import assert_inert

pytestmark = pytest.mark.both_backends

HOSTILE = "<script>window.__pwned=1</script><img src=x onerror=alert(1)>"


@pytest.fixture
def watched(tmp_path: Path, fake_matching: object) -> Disproof:
    service = Disproof.open(Settings(db=str(tmp_path / "triage.db")))
    add_cases(service, LABS, VACCINE)
    drop = tmp_path / "drop.jsonl"
    rows = [
        {"id": "1", "title": HOSTILE, "text": f"{CLAIM} {HOSTILE}", "url": "https://d.example/1"},
        {"id": "2", "text": VACCINE.summary, "url": "javascript:alert(1)"},
        {"id": "3", "text": VACCINE.summary + " Again.", "url": "https://d.example/3"},
    ]
    drop.write_text("\n".join(json.dumps(r) for r in rows))
    monitoring = Monitoring(service)
    source = SourceCreate(
        name="drop", kind="jsonl", location=str(drop), outlet="Drop", language="en"
    )
    monitoring.add_source(source)
    monitoring.poller().poll_due()
    return service


@pytest.fixture
def client(watched: Disproof) -> Iterator[TestClient]:
    with TestClient(create_app(watched.settings, service=watched), follow_redirects=False) as c:
        yield c


def sign_in(client: TestClient, service: Disproof, role: Role) -> None:
    sign_in_cookie(client, service.tokens.create(f"who-{role.value}", role))


def ids(page: str) -> list[int]:
    return [int(x) for x in re.findall(r'id="sighting-(\d+)"', page)]


def token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    assert found
    return found.group(1)


def test_the_queue_needs_a_signed_in_user_and_shows_actions_to_editors(
    client: TestClient, watched: Disproof
) -> None:
    assert client.get("/triage").status_code == 303  # to sign in
    sign_in(client, watched, Role.viewer)
    page = client.get("/triage")
    assert page.status_code == 200 and len(ids(page.text)) == 2
    assert "Add as appearance" not in page.text
    assert_inert(page.text)
    assert HOSTILE not in page.text and "&lt;script&gt;" in page.text
    sign_in(client, watched, Role.editor)
    page = client.get("/triage")
    assert page.text.count("Add as appearance") == 2
    assert "triage.js" in page.text
    filtered = client.get("/triage?case_id=vaccine")
    assert len(ids(filtered.text)) == 1
    assert client.get("/triage?band=sure").status_code == 400


def test_editors_add_dismiss_and_are_refused_on_a_changed_case(
    client: TestClient, watched: Disproof
) -> None:
    sign_in(client, watched, Role.editor)
    page = client.get("/triage").text
    by_case = {s.case_id: s.id for s in Monitoring(watched).queue(SightingQuery()).results}
    labs = by_case["labs"]
    forged = client.post(f"/triage/{labs}/add", data={"csrf_token": "0" * 64, "version": "1"})
    assert forged.status_code == 403
    watched.update_case("labs", CaseUpdate(rating="false"), Actor("other", "editor"))
    stale = client.post(
        f"/triage/{labs}/add", data={"csrf_token": token(page), "version": "1", "back": "/triage"}
    )
    assert stale.headers["location"] == "/triage?done=conflict"
    assert watched.get("labs").appearances == []
    added = client.post(f"/triage/{labs}/add", data={"csrf_token": token(page), "version": "2"})
    assert added.status_code == 303 and "done=added" in added.headers["location"]
    assert [a.url for a in watched.get("labs").appearances] == ["https://d.example/1"]
    assert watched.history("labs").entries[0].author == "who-editor"
    vaccine = by_case["vaccine"]
    back = "/triage?source=drop"
    gone = client.post(f"/triage/{vaccine}/dismiss", data={"csrf_token": token(page), "back": back})
    assert gone.headers["location"] == back + "&done=dismissed"
    assert "Dismissed: this item" in client.get(gone.headers["location"]).text
    assert ids(client.get("/triage").text) == []
    evil = client.post(
        f"/triage/{vaccine}/dismiss", data={"csrf_token": token(page), "back": "//evil.example"}
    )
    assert evil.headers["location"].startswith("/triage?")


def test_new_case_opens_the_editor_prefilled_from_the_sighting(
    client: TestClient, watched: Disproof
) -> None:
    sign_in(client, watched, Role.editor)
    [sighting] = Monitoring(watched).queue(SightingQuery(case_id="labs")).results
    page = client.get(f"/cases/new?sighting={sighting.id}")
    assert page.status_code == 200
    assert "Pentagon finances secret" in page.text
    assert 'value="https://d.example/1"' in page.text
    assert re.search(r'<textarea[^>]*name="related"[^>]*>\s*labs', page.text)
    assert_inert(page.text)
    assert client.get("/cases/new?sighting=999999").status_code == 404


def test_the_sources_page_is_for_admins_and_shows_failing_sources(
    client: TestClient, watched: Disproof, tmp_path: Path
) -> None:
    sign_in(client, watched, Role.editor)
    assert client.get("/sources").status_code == 403
    sign_in(client, watched, Role.admin)
    page = client.get("/sources")
    assert page.status_code == 200 and "drop" in page.text and "Sources</a>" in page.text
    form = {"csrf_token": token(page.text), "kind": "jsonl", "interval_seconds": "60"}
    missing = str(tmp_path / "missing.jsonl")
    bad = client.post("/sources", data=form | {"name": "bad name", "location": missing})
    assert bad.status_code == 422 and "name" in bad.text
    added = client.post("/sources", data=form | {"name": "gone", "location": missing})
    assert added.headers["location"] == "/sources?done=added"
    Monitoring(watched).poller().poll_due()
    page = client.get("/sources")
    assert "Failing ×1" in page.text and "does not exist" in page.text
    assert page.text.index(">gone<") < page.text.index(">drop<")  # failing first
    assert_inert(page.text)
    forged = client.post("/sources/gone/remove", data={"csrf_token": "0" * 64})
    assert forged.status_code == 403
    removed = client.post("/sources/gone/remove", data={"csrf_token": token(page.text)})
    assert removed.status_code == 303
    assert [s.name for s in Monitoring(watched).list_sources()] == ["drop"]
    # the checkbox: a folder cannot follow links (the form keeps it ticked), a feed can
    page = client.get("/sources")
    form = {"csrf_token": token(page.text), "interval_seconds": "60", "follow_links": "1"}
    folder = {"name": "pages", "kind": "folder", "location": str(tmp_path)}
    refused = client.post("/sources", data=form | folder)
    assert refused.status_code == 422 and "follow_links is for feeds" in refused.text
    assert 'name="follow_links" type="checkbox" value="1" checked' in refused.text
    feed = {"name": "teasers", "kind": "rss", "location": "https://t.example/rss"}
    assert client.post("/sources", data=form | feed).status_code == 303
    assert Monitoring(watched).sources.get("teasers").follow_links
    assert "rss + links" in client.get("/sources").text
