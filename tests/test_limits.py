"""Limits on hostile clients: failed sign-ins per address (429 with Retry-After, on a fake
clock), and the size limits of /api/v1/match and the check page (413/422 with a message)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from disproof.api.app import create_app
from disproof.api.routes.match import MAX_MATCH_TEXT
from disproof.auth import Role
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.web import csrf
from disproof.web.pages.account import FAILED_SIGNIN_WINDOW, MAX_FAILED_SIGNINS
from disproof.web.pages.check import MAX_CHARS, MAX_UPLOAD
from disproof.web.ratelimit import FailureLimiter
from tests.conftest import Api

WRONG = "dsp_" + "x" * 43


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- the limiter -------------------------------------------------------------------------------


def test_the_limiter_blocks_a_key_after_its_failures_within_the_window() -> None:
    clock = Clock()
    limiter = FailureLimiter(3, 60, clock=clock)
    for _ in range(2):
        limiter.failed("a")
        clock.now += 10
    assert limiter.retry_after("a") is None
    limiter.failed("a")  # failures at 1000, 1010, 1020
    assert limiter.retry_after("a") == 40  # until the first is 60 s old
    assert limiter.retry_after("b") is None  # other clients are not affected
    clock.now += 39.5
    assert limiter.retry_after("a") == 1
    clock.now += 0.5
    assert limiter.retry_after("a") is None  # a sliding window: one failure expired
    limiter.failed("a")
    assert limiter.retry_after("a") == 10


def test_the_limiter_forgets_idle_keys_first_when_full() -> None:
    clock = Clock()
    limiter = FailureLimiter(1, 60, clock=clock, max_keys=3)
    for key in ("a", "b", "c"):
        limiter.failed(key)
    limiter.failed("a")  # "a" is active again: "b" is now the longest idle
    limiter.failed("d")
    assert limiter.retry_after("b") is None
    assert all(limiter.retry_after(k) for k in ("a", "c", "d"))
    assert len(limiter._failures) == 3
    clock.now += 61
    limiter.failed("e")  # expired keys go before any live one
    assert limiter.retry_after("e") and len(limiter._failures) == 1


def test_limiter_arguments_are_checked() -> None:
    with pytest.raises(ValueError):
        FailureLimiter(0)


# -- sign-in ---------------------------------------------------------------------------------------


@pytest.fixture
def signin_app(settings: Settings) -> Iterator[tuple[FastAPI, Clock, str]]:
    service = Disproof.open(settings)
    token = service.tokens.create("analyst", Role.viewer)
    app = create_app(settings, service=service)
    clock = Clock()
    app.state.signin_limiter = FailureLimiter(MAX_FAILED_SIGNINS, FAILED_SIGNIN_WINDOW, clock=clock)
    yield app, clock, token


def browser_at(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, client=(address, 50000), follow_redirects=False)


def signin_form_token(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get("/signin").text)
    assert found
    return found.group(1)


def sign_in(client: TestClient, token: str) -> int:
    data = {csrf.FIELD: signin_form_token(client), "token": token, "next": "/"}
    response = client.post("/signin", data=data)
    if response.status_code == 429:
        assert int(response.headers["retry-after"]) >= 1
        assert "Too many failed sign-ins" in response.text
        assert csrf.SESSION_COOKIE not in response.headers.get("set-cookie", "")
    return response.status_code


def test_failed_sign_ins_are_limited_per_address(signin_app: tuple[FastAPI, Clock, str]) -> None:
    app, clock, token = signin_app
    attacker, colleague = browser_at(app, "203.0.113.7"), browser_at(app, "198.51.100.2")
    assert [sign_in(attacker, WRONG) for _ in range(MAX_FAILED_SIGNINS)] == [401] * 5
    assert sign_in(attacker, WRONG) == 429
    assert sign_in(attacker, token) == 429  # no token is checked while blocked
    assert sign_in(colleague, token) == 303  # other addresses are not blocked
    clock.now += FAILED_SIGNIN_WINDOW
    assert sign_in(attacker, token) == 303


def test_the_429_says_when_to_retry(signin_app: tuple[FastAPI, Clock, str]) -> None:
    app, clock, _ = signin_app
    client = browser_at(app, "203.0.113.9")
    for _ in range(MAX_FAILED_SIGNINS):
        sign_in(client, WRONG)
        clock.now += 5
    blocked = client.post("/signin", data={csrf.FIELD: signin_form_token(client), "token": WRONG})
    assert blocked.status_code == 429
    assert blocked.headers["retry-after"] == "35"  # 60 s after the first of the five
    assert "Try again in 35 seconds" in blocked.text
    assert blocked.headers["x-frame-options"] == "DENY"


def test_refused_csrf_does_not_count_as_a_failed_sign_in(
    signin_app: tuple[FastAPI, Clock, str],
) -> None:
    app, _, token = signin_app
    client = browser_at(app, "203.0.113.10")
    for _ in range(MAX_FAILED_SIGNINS + 2):
        assert client.post("/signin", data={"token": WRONG}).status_code == 403
    assert sign_in(client, token) == 303


# -- size limits ---------------------------------------------------------------------------------


def test_match_text_longer_than_the_limit_is_422(api: Api) -> None:
    response = api.client.post("/api/v1/match", json={"text": "a" * (MAX_MATCH_TEXT + 1)})
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "text"] and f"{MAX_MATCH_TEXT}" in problem["msg"]
    assert "aaaa" not in response.text  # the input is not echoed back


def test_a_body_over_the_request_limit_is_413(api: Api) -> None:
    limit = api.service.settings.max_request_bytes
    for path in ("/api/v1/match", "/check"):
        response = api.client.post(
            path, content=b"x" * (limit + 1), headers={"content-type": "application/json"}
        )
        assert response.status_code == 413, path
        assert response.json() == {"detail": f"the request body is larger than {limit:,} bytes"}


def test_the_check_page_refuses_long_texts_and_big_uploads_with_413(api: Api) -> None:
    long = api.client.post("/check", data={"text": "word " * (MAX_CHARS // 5 + 1)})
    assert long.status_code == 413
    limit = min(MAX_CHARS, api.service.settings.max_text_anonymous)  # no token: shorter
    assert f"the limit is {limit:,}" in long.text and 'name="text"' in long.text
    upload = ("big.txt", b"a " * (MAX_UPLOAD // 2 + 1), "text/plain")
    big = api.client.post("/check", files={"file": upload})
    assert big.status_code == 413 and f"larger than {MAX_UPLOAD // 1024} KB" in big.text
    assert api.client.post("/check", data={"text": "word " * 100}).status_code == 200
