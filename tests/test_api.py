"""The REST API: every route's happy path, errors as JSON, limits, headers, docs and OpenAPI."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from disproof.api.app import create_app
from disproof.api.middleware import SECURITY_HEADERS
from disproof.errors import StoreError
from disproof.models import MAX_TITLE, CaseCreate
from disproof.service import Disproof
from disproof.settings import Settings
from tests.conftest import Api

pytestmark = pytest.mark.both_backends

URL_ID = "https://euvsdisinfo.eu/report/nato-is-encircling-russia/"

CASES: list[dict[str, Any]] = [
    {
        "id": URL_ID,
        "title": "NATO is encircling Russia with military bases",
        "summary": "The alliance builds bases on every Russian border.",
        "date": "2021-05-01",
        "keywords": ["NATO", "Encirclement"],
        "countries": ["Russia"],
        "languages": ["Russian"],
        "appearances": [{"outlet": "RT", "url": "https://rt.example/a"}],
        "related": ["labs"],
    },
    {
        "id": "labs",
        "title": "The US runs secret biolabs in Ukraine",
        "summary": "American laboratories develop bioweapons near Russia.",
        "date": "2022-03-06",
        "keywords": ["Biolabs", "NATO"],
        "countries": ["Ukraine", "US"],
        "languages": ["English"],
        "appearances": [{"outlet": "Sputnik"}],
    },
    {
        "id": "mh17",
        "title": "Ukraine shot down flight MH17 with its own Buk",
        "summary": "A Ukrainian missile destroyed the Malaysian airliner.",
        "date": "2018-07-17",
        "keywords": ["MH17"],
        "countries": ["Ukraine"],
    },
]


@pytest.fixture
def seeded(api: Api) -> Api:
    for case in CASES:
        api.service.create_case(CaseCreate.model_validate(case), "seed")
    return api


def assert_security_headers(headers: Any) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == value


# -- reading ---------------------------------------------------------------------------------------


def test_health_and_security_headers(api: Api) -> None:
    response = api.client.get("/api/v1/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert_security_headers(response.headers)
    assert_security_headers(api.client.get("/api/v1/cases/nope").headers)
    assert_security_headers(api.client.get("/no/such/route").headers)


def test_list_filters_and_pages(seeded: Api) -> None:
    client = seeded.client
    page = client.get("/api/v1/cases").json()
    assert set(page) == {"total", "offset", "results"} and page["total"] == 3
    assert [c["id"] for c in page["results"]] == ["labs", URL_ID, "mh17"]  # newest first
    assert client.get("/api/v1/cases", params={"keyword": "nato"}).json()["total"] == 2
    assert client.get("/api/v1/cases", params={"keyword": ["nato", "mh17"]}).json()["total"] == 0
    assert client.get("/api/v1/cases", params={"country": "UA"}).json()["total"] == 2
    assert client.get("/api/v1/cases", params={"language": "ru"}).json()["total"] == 1
    assert client.get("/api/v1/cases", params={"outlet": "sput"}).json()["total"] == 1
    dated = client.get("/api/v1/cases", params={"date_from": "2019-01-01", "date_to": "2021-12-31"})
    assert [c["id"] for c in dated.json()["results"]] == [URL_ID]
    paged = client.get("/api/v1/cases", params={"limit": 1, "offset": 1}).json()
    assert paged["total"] == 3 and paged["offset"] == 1 and len(paged["results"]) == 1
    assert client.get("/api/v1/cases", params={"q": "biolabs"}).json()["results"][0]["id"] == "labs"


@pytest.mark.parametrize(
    "params",
    [{"limit": 101}, {"limit": 0}, {"offset": -1}, {"date_from": "2020-13-01"}, {"q": "x" * 2001}],
)
def test_bad_list_parameters_are_422(api: Api, params: dict[str, Any]) -> None:
    response = api.client.get("/api/v1/cases", params=params)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


def test_read_a_case_by_url_shaped_id_raw_or_encoded(seeded: Api) -> None:
    for path in (f"/api/v1/cases/{URL_ID}", "/api/v1/cases/" + quote(URL_ID, safe="")):
        response = seeded.client.get(path)
        assert response.status_code == 200, path
        case = response.json()
        assert case["id"] == URL_ID and case["countries"] == ["RU"]
        assert case["created_at"] and case["updated_at"]


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@pytest.mark.parametrize("case_id", ["nope", "https://euvsdisinfo.eu/report/unknown/"])
def test_unknown_ids_are_404(seeded: Api, method: str, case_id: str) -> None:
    kwargs: dict[str, Any] = {"headers": seeded.auth("admin")}
    if method == "PATCH":
        kwargs["json"] = {"title": "x"}
    response = seeded.client.request(method, f"/api/v1/cases/{case_id}", **kwargs)
    assert response.status_code == 404
    assert response.json() == {"detail": f"no case with id {case_id!r}"}
    related = seeded.client.get(f"/api/v1/cases/{case_id}/related")
    assert related.status_code == 404


def test_related_is_not_swallowed_by_a_url_shaped_id(seeded: Api) -> None:
    response = seeded.client.get(f"/api/v1/cases/{URL_ID}/related")
    assert response.status_code == 200
    related = response.json()
    assert related[0]["case_id"] == "labs"
    assert related[0]["reasons"][0] == "linked by analysts"
    assert related[0]["shared_keywords"] == 1
    assert all(r["case_id"] != URL_ID for r in related)
    assert all(set(r) >= {"case_id", "title", "date", "reasons", "score"} for r in related)
    limited = seeded.client.get(f"/api/v1/cases/{URL_ID}/related", params={"limit": 1})
    assert len(limited.json()) == 1


def test_search_full_text_and_semantic(seeded: Api) -> None:
    client = seeded.client
    assert client.get("/api/v1/search", params={"q": "airliner"}).json()["results"][0]["id"] == (
        "mh17"
    )
    semantic = client.get(
        "/api/v1/search", params={"q": "secret biolabs run by the US", "semantic": True}
    ).json()
    assert semantic["results"][0]["id"] == "labs" and semantic["total"] >= 1
    filtered = client.get(
        "/api/v1/search",
        params={"q": "secret biolabs run by the US", "semantic": True, "keyword": "MH17"},
    ).json()
    assert all(c["id"] == "mh17" for c in filtered["results"])
    empty = client.get("/api/v1/search", params={"semantic": True})
    assert empty.status_code == 422 and "q" in empty.json()["detail"]


def test_match(seeded: Api) -> None:
    response = seeded.client.post(
        "/api/v1/match", json={"text": "The US runs secret biolabs in Ukraine", "top_k": 2}
    )
    assert response.status_code == 200
    result = response.json()
    assert result["matches"][0]["case_id"] == "labs" and len(result["matches"]) <= 2
    assert set(result["matches"][0]) >= {"case_id", "score", "band", "span", "why"}


@pytest.mark.parametrize(
    "body",
    [
        {"text": "x" * 100_001},
        {"text": "x", "top_k": 0},
        {"text": "x", "min_band": "maybe"},
        {"top_k": 3},
        {"text": "x", "unknown": 1},
    ],
)
def test_match_rejects_bad_requests(api: Api, body: dict[str, Any]) -> None:
    assert api.client.post("/api/v1/match", json=body).status_code == 422


def test_facets_and_stats(seeded: Api) -> None:
    client = seeded.client
    keywords = client.get("/api/v1/facets/keyword").json()
    assert keywords[0] == {"value": "NATO", "count": 2}
    years = client.get("/api/v1/facets/year").json()
    assert [f["value"] for f in years] == ["2022", "2021", "2018"]
    within = client.get("/api/v1/facets/country", params={"q": "biolabs"}).json()
    assert {f["value"] for f in within} == {"UA", "US"}
    assert client.get("/api/v1/facets/keyword", params={"limit": 1}).json() == keywords[:1]
    assert client.get("/api/v1/facets/colour").status_code == 422
    stats = client.get("/api/v1/stats").json()
    assert stats["cases"] == 3 and stats["appearances"] == 2


# -- hostile input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    ['"', "NEAR(", "*", "title:x", "' OR 1=1 --", ")", "AND OR NOT", "a\x00b", "%", "\\"],
)
def test_fts_and_sql_syntax_in_q_is_harmless(seeded: Api, q: str) -> None:
    for path in ("/api/v1/cases", "/api/v1/search", "/api/v1/facets/keyword"):
        assert seeded.client.get(path, params={"q": q}).status_code == 200, (path, q)
    assert seeded.client.get("/api/v1/cases").json()["total"] == 3


def test_html_and_script_in_fields_come_back_as_data(api: Api) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    created = api.client.post(
        "/api/v1/cases",
        json={"id": "xss", "title": hostile, "summary": hostile, "keywords": [hostile]},
        headers=api.auth("editor"),
    )
    assert created.status_code == 201
    response = api.client.get("/api/v1/cases/xss")
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.json()["title"] == hostile and response.json()["keywords"] == [hostile]


# -- writing ---------------------------------------------------------------------------------------


def test_create_read_update_delete(api: Api) -> None:
    client, editor, admin = api.client, api.auth("editor"), api.auth("admin")
    created = client.post("/api/v1/cases", json=CASES[0], headers=editor)
    assert created.status_code == 201
    assert created.headers["location"] == "/api/v1/cases/" + quote(URL_ID, safe="")
    assert client.get(created.headers["location"]).json()["title"] == CASES[0]["title"]
    again = client.post("/api/v1/cases", json=CASES[0], headers=editor)
    assert again.status_code == 409 and URL_ID in again.json()["detail"]

    patched = client.patch(
        f"/api/v1/cases/{URL_ID}",
        json={"disproof": "There are no such bases.", "countries": ["Poland"], "related": None},
        headers=editor,
    )
    assert patched.status_code == 200
    case = patched.json()
    assert case["disproof"] == "There are no such bases." and case["countries"] == ["PL"]
    assert case["related"] == [] and case["title"] == CASES[0]["title"]  # others kept
    assert case["created_at"] == created.json()["created_at"]

    assert client.delete(f"/api/v1/cases/{URL_ID}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/cases/{URL_ID}").status_code == 404
    assert client.delete(f"/api/v1/cases/{URL_ID}", headers=admin).status_code == 404


def test_create_without_id_derives_one(api: Api) -> None:
    body = {"title": "Migrants are destroying Europe", "date": "2020-01-02"}
    created = api.client.post("/api/v1/cases", json=body, headers=api.auth("editor"))
    assert created.status_code == 201 and created.json()["id"].startswith("case-")
    duplicate = api.client.post("/api/v1/cases", json=body, headers=api.auth("editor"))
    assert duplicate.status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {"summary": "", "title": ""},
        {"keywords": ["x"]},
        {"title": "x" * (MAX_TITLE + 1)},
        {"title": "ok", "date": "2020-02-30"},
        {"title": "ok", "appearances": [{"url": "u" * 3000}]},
        {"title": "ok", "created_at": "2020-01-01T00:00:00Z"},
        {"title": "ok", "keywords": "not a list"},
        {"title": "ok", "id": "x" * 501},
    ],
)
def test_invalid_cases_are_422(api: Api, body: dict[str, Any]) -> None:
    response = api.client.post("/api/v1/cases", json=body, headers=api.auth("editor"))
    assert response.status_code == 422
    problems = response.json()["detail"]
    assert problems and all(set(p) == {"loc", "msg", "type"} for p in problems)  # no input echo


def test_an_update_that_leaves_no_claim_is_422(seeded: Api) -> None:
    response = seeded.client.patch(
        "/api/v1/cases/mh17", json={"title": "", "summary": None}, headers=seeded.auth("editor")
    )
    assert response.status_code == 422
    assert "title or a claim summary" in json.dumps(response.json())
    assert seeded.client.get("/api/v1/cases/mh17").json()["title"]  # nothing changed


def test_malformed_json_is_422_not_500(api: Api) -> None:
    response = api.client.post(
        "/api/v1/cases",
        content=b"{not json",
        headers={**api.auth("editor"), "content-type": "application/json"},
    )
    assert response.status_code == 422


# -- limits and failures ---------------------------------------------------------------------------


@pytest.fixture
def small_app(settings: Settings, fake_matching: object) -> Iterator[TestClient]:
    small = settings.model_copy(update={"max_request_bytes": 2048})
    with TestClient(create_app(small)) as client:
        yield client


def test_oversized_bodies_are_413(small_app: TestClient) -> None:
    declared = small_app.post("/api/v1/match", json={"text": "x" * 5000})
    assert declared.status_code == 413 and "2,048 bytes" in declared.json()["detail"]
    assert_security_headers(declared.headers)

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"text": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}'

    streamed = small_app.post(
        "/api/v1/match", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413 and streamed.json()["detail"].startswith("the request")
    assert small_app.post("/api/v1/match", json={"text": "short"}).status_code == 200


def test_unexpected_errors_are_a_generic_500(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(top: int = 15) -> None:
        raise RuntimeError("secret internals at /srv/db")

    monkeypatch.setattr(api.service, "stats", boom)
    client = TestClient(api.client.app, raise_server_exceptions=False)
    response = client.get("/api/v1/stats")
    assert response.status_code == 500 and response.json() == {"detail": "internal error"}
    assert "secret" not in response.text and "Traceback" not in response.text
    assert_security_headers(response.headers)
    assert "secret internals" in caplog.text  # logged for the operator


def test_database_errors_are_503_without_details(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(case_id: str) -> None:
        raise StoreError("database write failed: (sqlite3.OperationalError) disk I/O error")

    monkeypatch.setattr(api.service, "get_public", broken)
    response = api.client.get("/api/v1/cases/x")
    assert response.status_code == 503 and "sqlite3" not in response.text


# -- documentation ---------------------------------------------------------------------------------


def test_openapi_document_lists_the_versioned_paths(api: Api) -> None:
    response = api.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.text)
    assert document["openapi"].startswith("3.")
    assert {
        "/api/v1/cases",
        "/api/v1/cases/{case_id}",
        "/api/v1/cases/{case_id}/related",
        "/api/v1/search",
        "/api/v1/match",
        "/api/v1/facets/{kind}",
        "/api/v1/stats",
        "/api/v1/health",
    } <= set(document["paths"])
    assert set(document["paths"]["/api/v1/cases/{case_id}"]) == {"get", "patch", "delete"}
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    api_paths = [p for p in document["paths"] if not p.startswith("/api/v1/")]
    assert api_paths == []


def test_docs_page_works_offline_with_strict_headers(api: Api) -> None:
    response = api.client.get("/docs")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert_security_headers(response.headers)
    html = response.text
    assert "<script>" not in html.replace("<script src", "")  # no inline script
    assert " style=" not in html
    references = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert references, html
    for reference in references:
        assert not reference.startswith(("http://", "https://", "//")), reference
        assert reference.startswith("/")
        assert api.client.get(reference).status_code == 200, reference
    assert "/api/v1/match" in html  # the endpoint list for browsers without JavaScript


def test_app_without_web_package(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, fake_matching: object
) -> None:
    monkeypatch.setitem(__import__("sys").modules, "disproof.web.routes", None)
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.get("/api/v1/health").status_code == 200
    assert isinstance(app.state.service, Disproof) and app.state.matchers is not None
    assert isinstance(app.state.secret_key, str) and len(app.state.secret_key) >= 32


def test_each_app_gets_its_own_random_secret_key_unless_configured(settings: Settings) -> None:
    one, two = create_app(settings), create_app(settings)
    assert one.state.secret_key != two.state.secret_key
    fixed = settings.model_copy(update={"secret_key": "k" * 40})
    assert create_app(fixed).state.secret_key == "k" * 40


def test_create_app_defaults_to_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPROOF_DB", str(tmp_path / "env.db"))
    monkeypatch.setenv("DISPROOF_MAX_REQUEST_BYTES", "4096")
    app = create_app()
    assert app.state.settings.max_request_bytes == 4096
    assert (tmp_path / "env.db").exists()


# -- with the real model ---------------------------------------------------------------------------


@pytest.mark.model
def test_match_and_related_with_the_real_model(tmp_path: Path) -> None:
    settings = Settings(db=str(tmp_path / "demo.db"))
    service = Disproof.open(settings)
    service.load_demo()
    service.matchers.get()  # built ahead, as `disproof demo` does (else: BM25 meanwhile)
    with TestClient(create_app(settings, service=service)) as client:
        text = "Das Pentagon finanziert in der Ukraine geheime Biolabore."
        result = client.post("/api/v1/match", json={"text": text, "top_k": 1}).json()
        assert result["notes"] == []  # the full index answered
        assert result["matches"][0]["case_id"] == "demo-ukraine-biolabs-2022"
        # a German text against an English case: the cross-language calibration, which never
        # confirms (no cross-language operating point reached its precision on real quotes)
        assert result["matches"][0]["band"] == "suggested"
        assert result["matches"][0]["why"]["calibration"] == "cross-language"
        related = client.get("/api/v1/cases/demo-ukraine-biolabs-2022/related").json()
        assert related and all(r["case_id"] != "demo-ukraine-biolabs-2022" for r in related)
        semantic = client.get(
            "/api/v1/search", params={"q": "Labore für Biowaffen", "semantic": True, "limit": 3}
        ).json()
        assert "demo-ukraine-biolabs-2022" in [c["id"] for c in semantic["results"]]
