"""Bounded work per request (issue 15, item 3): trends ranges of too many periods are refused
(422 naming the limit), texts are shorter without a token, each client has a budget for
expensive requests (429 + Retry-After) and a full queue of expensive work answers 503.

Small limits come from the settings; no test measures time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from disproof.api.app import create_app
from disproof.api.budget import Expensive, TokenBucket, text_cost
from disproof.auth import Role
from disproof.models import Case
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.trends.series import MAX_PERIODS
from tests.fakes import add_cases


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _cases(service: Disproof) -> None:
    days = ["2024-01-03", "2024-02-10", "2024-03-20"]
    add_cases(
        service,
        *(
            Case(id=f"c{n}", title=f"Claim {n} about gas", keywords=["Gas"], date=day)
            for n, day in enumerate(days)
        ),
    )


def _client(settings: Settings, **changes: Any) -> tuple[TestClient, Disproof, str]:
    settings = settings.model_copy(update=changes)
    service = Disproof.open(settings)
    _cases(service)
    token = service.tokens.create("analyst", Role.viewer)
    return TestClient(create_app(settings, service=service)), service, token


@pytest.fixture
def small(settings: Settings, fake_matching: object) -> Iterator[tuple[TestClient, str]]:
    client, _, token = _client(
        settings,
        max_text_anonymous=200,
        max_text_signed_in=1_000,
        budget_burst=3.0,
        budget_per_minute=0.5,
    )
    with client:
        yield client, token


# -- the token bucket --------------------------------------------------------------------------


def test_the_bucket_allows_a_burst_then_refills_at_its_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(3, 0.5, clock=clock)
    assert [bucket.take("a", 1) for _ in range(3)] == [None, None, None]
    assert bucket.take("a", 1) == 2  # one unit comes back every 2 s
    assert bucket.take("b", 3) is None  # other clients have their own bucket
    clock.now += 2
    assert bucket.take("a", 1) is None
    assert bucket.take("a", 10) == 6  # a cost over the capacity costs the whole bucket
    clock.now += 6
    assert bucket.take("a", 10) is None


def test_the_bucket_keeps_at_most_max_keys() -> None:
    clock = Clock()
    bucket = TokenBucket(1, 1, clock=clock, max_keys=2)
    for key in "abc":
        bucket.take(key, 1)
    assert len(bucket._buckets) == 2 and "a" not in bucket._buckets
    with pytest.raises(ValueError):
        TokenBucket(0, 1)


def test_longer_texts_cost_more() -> None:
    assert text_cost("x") == 1 and text_cost("x" * 999) == 1 and text_cost("x" * 100_000) == 101


# -- trends ------------------------------------------------------------------------------------


def test_a_trends_range_of_too_many_periods_is_a_422_naming_the_limit(
    settings: Settings, fake_matching: object
) -> None:
    client, _, _ = _client(settings)
    with client:
        response = client.get(
            "/trends", params={"period": "week", "from": "1000-01-01", "to": "1100-01-01"}
        )
        assert response.status_code == 422
        assert f"at most {MAX_PERIODS:,} periods" in response.text
        assert "is 5,219 weeks" in response.text
        ok = client.get("/trends", params={"period": "month", "from": "2000-01-01"})
        assert ok.status_code == 200


def test_the_trends_command_refuses_too_many_periods_in_one_line(cli: Any) -> None:
    result = cli("trends", "--from", "1000-01-01", "--to", "9998-12-31", "--period", "week")
    assert result.code == 1 and "469,546 weeks" in result.err and "Traceback" not in result.err


def test_one_ancient_case_does_not_make_trends_count_a_thousand_years(service: Disproof) -> None:
    _cases(service)
    add_cases(service, Case(id="old", title="Ancient claim", keywords=["Gas"], date="1000-01-01"))
    result = service.trends("keyword", "week")
    assert len(result.periods) == MAX_PERIODS and result.periods[-1] == "2024-03-18"
    assert result.date_from == dt.date(2024, 3, 18) - dt.timedelta(weeks=MAX_PERIODS - 1)


# -- text length by role -----------------------------------------------------------------------


def test_texts_are_shorter_without_a_token(small: tuple[TestClient, str]) -> None:
    client, token = small
    text = "Gas claim. " * 30  # 330 characters
    for path in ("/api/v1/match", "/api/v1/report", "/api/v1/techniques"):
        refused = client.post(path, json={"text": text})
        assert refused.status_code == 422, path
        [problem] = refused.json()["detail"]
        assert problem["loc"] == ["body", "text"] and "at most 200 characters" in problem["msg"]
        signed_in = client.post(
            path, json={"text": text}, headers={"Authorization": f"Bearer {token}"}
        )
        assert signed_in.status_code == 200, path
    page = client.post("/check", data={"text": text})
    assert page.status_code == 413 and "the limit is 200" in page.text


# -- the budget --------------------------------------------------------------------------------


def test_a_spent_budget_is_a_429_with_retry_after(small: tuple[TestClient, str]) -> None:
    client, token = small
    answers = [client.post("/api/v1/match", json={"text": "Gas claim."}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1].headers["Retry-After"]) == 120  # one unit per two minutes
    assert "too many expensive requests" in answers[-1].json()["detail"]
    assert client.post("/api/v1/report", json={"text": "Gas."}).status_code == 429
    page = client.get("/trends")
    assert page.status_code == 429 and "Retry-After" in page.headers
    checked = client.post("/check", data={"text": "Gas claim."})
    assert checked.status_code == 429
    # reading is not expensive, and a signed-in client spends its own budget
    assert client.get("/api/v1/cases/c0").status_code == 200
    auth = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/match", json={"text": "Gas."}, headers=auth).status_code == 200


def test_a_full_queue_of_expensive_work_is_a_503(small: tuple[TestClient, str]) -> None:
    client, _ = small
    client.get("/api/v1/stats")
    expensive = Expensive.from_settings(client.app.state.settings)  # type: ignore[attr-defined]
    expensive.waiting = expensive.queue + 1
    client.app.state.expensive = expensive  # type: ignore[attr-defined]
    busy = client.post("/api/v1/match", json={"text": "Gas claim."})
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"


def test_the_openapi_document_lists_the_429(small: tuple[TestClient, str]) -> None:
    client, _ = small
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/match", "/api/v1/report", "/api/v1/techniques"):
        assert "429" in paths[path]["post"]["responses"]
