"""The REST API against its own OpenAPI document.

Schemathesis generates requests for every operation the document lists — valid ones and
invalid ones, with an admin token so that writes really happen — against the demo cases.
No response may be a 5xx, and each must use a status code, content type and body schema the
document declares. The regression tests below pin what the generated requests found.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient

from disproof.api.responses import ErrorBody
from disproof.models import MAX_FILTER_VALUES, MAX_OFFSET, CaseQuery
from tests.conftest import Api, CliResult

OPENAPI = "/api/v1/openapi.json"
#: Generated requests per operation and generation mode (valid, invalid).
EXAMPLES = 130
#: The run must send at least this many requests in all (a parameterless operation such as
#: /health has a single valid request and no invalid one).
MIN_REQUESTS = 2_400


@pytest.fixture
def demo_api(api: Api) -> Api:
    api.service.load_demo()
    return api


def _operations(schema: Any) -> list[Any]:
    """Every operation of the document; deletions last, so the others see the demo cases."""
    operations = [result.ok() for result in schema.get_all_operations()]
    return sorted(operations, key=lambda op: op.method.upper() == "DELETE")


def _failure_key(op: Any, mode: str, exc: BaseException) -> tuple[str, ...]:
    titles = sorted({getattr(e, "title", type(e).__name__) for e in getattr(exc, "exceptions", [])})
    return (op.label, mode, *(titles or [type(exc).__name__]))


def _send_all(
    op: Any,
    mode: str,
    cases: Any,
    headers: dict[str, str],
    required: list[Any],
    sent: Counter[str],
    failures: dict[tuple[str, ...], str],
) -> None:
    """Send :data:`EXAMPLES` generated requests to ``op``; count them and keep the first
    failure of each kind."""
    from hypothesis import HealthCheck, Phase, given, settings

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(cases)
    def send(case: Any) -> None:
        sent[op.label] += 1
        try:
            case.call_and_validate(headers=headers, checks=required)
        except Exception as exc:  # noqa: BLE001 - collected, reported by the test
            failures.setdefault(_failure_key(op, mode, exc), str(exc))

    send()


@pytest.mark.slow
def test_generated_requests_conform_to_the_openapi_document(demo_api: Api) -> None:
    import schemathesis
    from hypothesis import strategies as st
    from hypothesis.errors import Unsatisfiable
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation import GenerationMode
    from schemathesis.specs.openapi import checks

    schema = schemathesis.openapi.from_asgi(OPENAPI, demo_api.client.app)
    ids = [case.id for case in demo_api.service.search(CaseQuery(limit=100)).results]
    headers = demo_api.auth("admin")
    required = [
        not_a_server_error,
        checks.status_code_conformance,
        checks.content_type_conformance,
        checks.response_schema_conformance,
    ]
    sent: Counter[str] = Counter()
    failures: dict[tuple[str, ...], str] = {}

    for op in _operations(schema):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            cases = op.as_strategy(generation_mode=mode)
            if "{case_id}" in op.path:  # half of them for cases that exist
                cases = st.one_of(
                    cases,
                    st.sampled_from(ids).flatmap(
                        lambda case_id, op=op, mode=mode: op.as_strategy(
                            generation_mode=mode, path_parameters={"case_id": case_id}
                        )
                    ),
                )

            try:
                _send_all(op, mode.value, cases, headers, required, sent, failures)
            except Unsatisfiable:  # nothing in the operation can be made invalid
                assert mode == GenerationMode.NEGATIVE

    total = sum(sent.values())
    print(f"\nschemathesis: {total:,} generated requests to {len(sent)} operations")
    for label, count in sorted(sent.items()):
        print(f"  {count:5}  {label}")
    assert not failures, "\n\n".join(failures.values())
    assert {op.label for op in _operations(schema)} == set(sent)
    assert total >= MIN_REQUESTS


# -- regressions found by the generated requests -----------------------------------------------


def _document(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get(OPENAPI).json()
    return document


def test_every_error_status_is_documented(api: Api) -> None:
    """Before, the document listed only 2xx and 422: 401, 403, 404, 409, 400 and 413 answers
    were undocumented (schemathesis: "Undocumented status code")."""
    paths = _document(api.client)["paths"]

    def codes(path: str, method: str) -> set[str]:
        return set(paths[path][method]["responses"])

    for path, operations in paths.items():
        for method in operations:
            expected = {"503"} if path.endswith("/health") else {"401", "422", "503"}
            assert expected <= codes(path, method), (method, path)
    case = "/api/v1/cases/{case_id}"
    assert {"403", "409", "400", "413"} <= codes("/api/v1/cases", "post")
    assert {"403", "404", "400", "413"} <= codes(case, "patch")
    assert {"403", "404"} <= codes(case, "delete")
    assert "404" in codes(case, "get") and "404" in codes(case + "/related", "get")
    assert {"400", "413"} <= codes("/api/v1/match", "post")


def test_a_422_with_a_message_matches_the_documented_error_schema(api: Api) -> None:
    """Before, 422 was documented as a list of problems, but a domain error answers with a
    message (schemathesis: "Response violates schema")."""
    response = api.client.get("/api/v1/search", params={"semantic": "true"})
    assert response.status_code == 422
    assert ErrorBody.model_validate(response.json()).detail == "semantic search needs a text (q)"
    listed = api.client.get("/api/v1/cases", params={"limit": 0})
    assert isinstance(ErrorBody.model_validate(listed.json()).detail, list)
    schema = _document(api.client)["paths"]["/api/v1/search"]["get"]["responses"]["422"]
    assert schema["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")


def test_a_huge_offset_is_refused_not_a_500(api: Api, cli: Any) -> None:
    """Before: OverflowError "Python int too large to convert to SQLite INTEGER" (500)."""
    for path in ("/api/v1/cases", "/api/v1/search"):
        response = api.client.get(path, params={"offset": 10**22})
        assert response.status_code == 422 and response.json()["detail"][0]["loc"] == [
            "query",
            "offset",
        ]
    assert api.client.get("/api/v1/cases", params={"offset": MAX_OFFSET}).status_code == 200
    result: CliResult = cli("search", "--offset", str(10**22), "x")
    assert result.code == 1 and "offset" in result.err and "Traceback" not in result.err


def test_many_filter_values_are_refused_not_a_500(api: Api) -> None:
    """Before: 1,000 repeated ``keyword=`` parameters made SQLite refuse the query ("Expression
    tree is too large (maximum depth 1000)"), a 500."""
    too_many = [("keyword", f"k{i}") for i in range(1_000)]
    for path in ("/api/v1/cases", "/api/v1/search", "/api/v1/facets/keyword"):
        response = api.client.get(path, params=too_many)
        assert response.status_code == 422, path
        assert response.json()["detail"][0]["loc"] == ["query", "keyword"]
    known = {"country": "UA", "language": "ru", "narrative": "us-biolabs"}  # unknown ones: 422
    every_filter_at_its_limit = [
        (name, known.get(name, f"v{i}"))
        for name in ("keyword", "country", "language", "outlet", "narrative")
        for i in range(MAX_FILTER_VALUES)
    ]
    assert api.client.get("/api/v1/cases", params=every_filter_at_its_limit).status_code == 200


@pytest.mark.parametrize("public_read", [True, False])
def test_the_schema_says_which_operations_need_a_token(
    settings: Any, public_read: bool, api: Api
) -> None:
    from disproof.api.app import create_app

    app = create_app(settings.model_copy(update={"public_read": public_read}), service=api.service)
    schema = TestClient(app).get("/api/v1/openapi.json").json()

    def security(method: str, path: str) -> list[dict[str, list[str]]]:
        return list(schema["paths"][path][method]["security"])

    bearer = {"HTTPBearer": []}
    for method, path in [("get", "/api/v1/cases/{case_id}"), ("post", "/api/v1/match")]:
        assert security(method, path) == ([{}, bearer] if public_read else [bearer])
    for method, path in [("post", "/api/v1/cases"), ("get", "/api/v1/cases/{case_id}/history")]:
        assert security(method, path) == [bearer]  # writes and history always need a token
    assert "security" not in schema["paths"]["/api/v1/health"]["get"]
