"""Input the pages and commands refuse with a message, not a 500 or a traceback (issue 15,
item 6): filter values over their limit on the search page, dates at the calendar's end in
trends and emerging terms."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from disproof.models import MAX_SHORT, Case
from disproof.service import Disproof
from disproof.trends import Period
from disproof.trends.periods import EARLIEST, LATEST
from tests.conftest import Api
from tests.fakes import add_cases

Cli = Any
DATED = Case(
    id="dated", title="A dated claim", summary="The claim.", date=dt.date(2024, 5, 6),
    keywords=["NATO"],
)  # fmt: skip


@pytest.mark.parametrize("param", ["keyword", "country", "language", "outlet", "narrative"])
def test_a_filter_value_over_its_limit_is_a_422_page_naming_it(api: Api, param: str) -> None:
    response = api.client.get("/search", params={param: "x" * (MAX_SHORT + 1), "q": "claim"})
    assert response.status_code == 422
    assert "text/html" in response.headers["content-type"]
    assert f"{param}: String should have at most {MAX_SHORT} characters" in response.text
    assert "x" * 100 not in response.text  # the value is not echoed back
    at_limit = api.client.get("/search", params={param: "x" * MAX_SHORT})
    assert at_limit.status_code == 200


@pytest.mark.parametrize("period", ["month", "week"])
@pytest.mark.parametrize(
    ("start", "end", "named"),
    [
        ("9999-01-01", "9999-12-31", "from 9999-01-01 is out of range"),
        ("2024-01-01", "9999-12-31", "to 9999-12-31 is out of range"),
        ("0001-01-01", "2024-12-31", "from 0001-01-01 is out of range"),
    ],
)
def test_trends_dates_at_the_calendars_end_get_a_message(
    api: Api, period: str, start: str, end: str, named: str
) -> None:
    add_cases(api.service, DATED)
    response = api.client.get("/trends", params={"from": start, "to": end, "period": period})
    assert response.status_code == 200
    assert named in response.text and "is ignored" in response.text


@pytest.mark.parametrize("period", ["month", "week"])
def test_trends_up_to_the_last_supported_day_work(service: Disproof, period: Period) -> None:
    add_cases(service, DATED)
    late = service.trends("keyword", period, date_from=dt.date(9998, 11, 1), date_to=LATEST)
    assert late.periods and all(t == 0 for t in late.totals)
    early = service.trends("keyword", period, date_from=EARLIEST, date_to=dt.date(1000, 2, 1))
    assert early.periods


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["trends", "--to", "9999-12-31"], "the end date (to) 9999-12-31 is out of range"),
        (["trends", "--from", "9999-01-01", "--to", "9999-12-31"], "9999-01-01 is out of range"),
        (["trends", "--from", "2020-01-01", "--to", "9999-12-31", "--period", "week"], "9999"),
        (["emerging", "--since", "0001-01-01"], "--since 0001-01-01 is out of range"),
        (["emerging", "--since", "2024-01-01", "--until", "9999-12-31"], "--until 9999-12-31"),
    ],
)
def test_the_cli_says_which_date_is_out_of_range(
    cli: Cli, tmp_path: Path, args: list[str], named: str
) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(DATED.model_dump_json() + "\n", encoding="utf-8")
    assert cli("import", str(cases)).code == 0
    result = cli(*args)
    assert result.code == 1, result
    assert "Traceback" not in result.err and named in result.err
    assert len(result.err.strip().splitlines()) == 1
