"""Trends and emerging-narrative alerts: SQL counts per period, the share test with exact
binomial tails and Benjamini–Hochberg, keyword clusters, the CLI and the /trends page."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from disproof.models import Case
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.store.trends import TrendStore, WindowCounts
from disproof.trends import (
    Trends,
    TrendSeries,
    benjamini_hochberg,
    binomial_sf,
    compute_trends,
    poisson_sf,
    rising_shares,
    sparkline,
    trend_chart,
)
from disproof.trends.clusters import jaccard, keyword_clusters
from disproof.trends.periods import labels_between, shift
from tests.conftest import Api

pytestmark = pytest.mark.both_backends

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
D = dt.date


def _case(case_id: str, day: dt.date | None, keywords: Sequence[str] = (), **fields: Any) -> Case:
    return Case(id=case_id, title=f"claim {case_id}", date=day, keywords=list(keywords), **fields)


def _add(service: Disproof, cases: list[Case]) -> None:
    with service.store.transaction() as connection:
        for start in range(0, len(cases), 500):
            service.store.upsert(connection, cases[start : start + 500], NOW)


@pytest.fixture
def small(service: Disproof) -> Disproof:
    """Seven cases in January and March 2020 (February empty) and one undated case."""
    _add(
        service,
        [
            _case(
                "c1", D(2020, 1, 6), ["Alpha", "Beta"], countries=["RU"], source={"dataset": "x"}
            ),
            _case("c2", D(2020, 1, 8), ["alpha"], countries=["RU"], source={"dataset": "y"}),
            _case("c3", D(2020, 1, 13), ["Alpha"], narratives=["colour-revolutions"]),
            _case("c4", D(2020, 3, 10), ["Beta"], narratives=["colour-revolutions"]),
            _case("c5", D(2020, 3, 2), ["Gamma"]),
            _case("c6", None, ["Alpha"]),
            _case("c7", D(2020, 1, 12), ["Delta"]),  # a Sunday: week of Monday 6 January
        ],
    )
    return service


# -- trends -----------------------------------------------------------------------------------


def test_month_trends_fill_gaps_and_skip_undated_cases(small: Disproof) -> None:
    result = small.trends("keyword", "month")
    assert result.periods == ["2020-01", "2020-02", "2020-03"]
    assert result.totals == [4, 0, 2]
    series = {s.key: (s.total, s.counts) for s in result.series}
    assert series["alpha"] == (3, [3, 0, 0])
    assert series["beta"] == (2, [1, 0, 1])
    assert [s.key for s in result.series][:2] == ["alpha", "beta"]


def test_week_trends_start_on_monday(small: Disproof) -> None:
    result = small.trends("keyword", "week")
    assert result.periods[0] == "2020-01-06" and result.periods[-1] == "2020-03-09"
    assert len(result.periods) == 10
    counts = {s.key: dict(zip(result.periods, s.counts, strict=True)) for s in result.series}
    assert counts["alpha"]["2020-01-06"] == 2 and counts["alpha"]["2020-01-13"] == 1
    assert counts["delta"]["2020-01-06"] == 1  # Sunday 12 January
    assert result.totals[:2] == [3, 1]


def test_trend_filters_and_top(small: Disproof) -> None:
    assert [s.total for s in small.trends("keyword", dataset="x").series] == [1, 1]
    late = small.trends("keyword", "month", date_from=D(2020, 1, 10))
    assert {s.key: s.total for s in late.series}["alpha"] == 1
    bounded = small.trends("keyword", date_from=D(2019, 12, 1), date_to=D(2020, 1, 31))
    assert bounded.periods == ["2019-12", "2020-01"]
    assert [s.key for s in small.trends("keyword", top=1).series] == ["alpha"]
    countries = small.trends("country")
    assert [(s.label, s.total) for s in countries.series] == [("RU", 2)]


def test_narrative_trends_use_taxonomy_names(small: Disproof) -> None:
    result = small.trends("narrative")
    assert [(s.key, s.total) for s in result.series] == [("colour-revolutions", 2)]
    assert result.series[0].label == small.narrative_names()["colour-revolutions"]


def test_portable_path_matches_sqlite_buckets(small: Disproof) -> None:
    fast = TrendStore(small.store.engine)
    portable = TrendStore(small.store.engine)
    portable.is_sqlite = False  # group by day in SQL, bucket in Python (other dialects)
    for period in ("week", "month"):
        a = compute_trends(fast, "keyword", period)
        b = compute_trends(portable, "keyword", period)
        assert a == b


def test_period_arithmetic() -> None:
    assert shift(D(2020, 3, 15), "month", -12) == D(2019, 3, 1)
    assert shift(D(2020, 1, 1), "month", -1) == D(2019, 12, 1)
    assert shift(D(2020, 1, 8), "week", -2) == D(2019, 12, 23)
    assert labels_between("2019-11", "2020-02", "month") == [
        "2019-11",
        "2019-12",
        "2020-01",
        "2020-02",
    ]


def test_sparkline_and_chart_are_safe() -> None:
    assert sparkline([0, 1, 2, 4]) == " ▃▅█"
    assert len(sparkline(list(range(100)), 40)) <= 40
    hostile = "<script>alert(1)</script>"
    trends = Trends(
        by="keyword",
        period="month",
        periods=["2020-01", "2020-02"],
        totals=[3, 4],
        series=[TrendSeries(key="x", label=hostile, total=7, counts=[3, 4])],
    )
    svg = str(trend_chart(trends))
    assert "<script>" not in svg
    ET.fromstring(svg)  # well-formed XML


# -- statistics ---------------------------------------------------------------------------------


def _binomial_tail(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


@pytest.mark.parametrize(
    ("k", "n", "p"), [(5, 10, 0.5), (0, 7, 0.3), (3, 20, 0.05), (30, 200, 0.08), (11, 10, 0.5)]
)
def test_binomial_tail_against_direct_sum(k: int, n: int, p: float) -> None:
    assert binomial_sf(k, n, p) == pytest.approx(_binomial_tail(k, n, p), rel=1e-9, abs=1e-300)


def test_tail_known_values() -> None:
    assert binomial_sf(5, 10, 0.5) == pytest.approx(638 / 1024, rel=1e-12)
    assert binomial_sf(10, 10, 0.5) == pytest.approx(1 / 1024, rel=1e-12)
    assert binomial_sf(100, 100, 0.01) == pytest.approx(1e-200, rel=1e-9)  # no underflow to 0
    assert poisson_sf(1, 2.0) == pytest.approx(1 - math.exp(-2), rel=1e-12)
    assert poisson_sf(5, 1.0) == pytest.approx(
        1 - math.exp(-1) * (1 + 1 + 1 / 2 + 1 / 6 + 1 / 24), rel=1e-9
    )
    assert poisson_sf(0, 3.0) == 1.0 and poisson_sf(3, 0.0) == 0.0


def test_benjamini_hochberg() -> None:
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    # Benjamini & Hochberg (1995), section 4: 15 p-values, 4 discoveries at q = 0.05
    paper = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459,
             0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000]  # fmt: skip
    q = benjamini_hochberg(paper)
    assert sum(v <= 0.05 for v in q) == 4
    assert q[0] == pytest.approx(0.0015) and max(q) <= 1.0
    assert benjamini_hochberg([]) == []


# -- the detector -------------------------------------------------------------------------------

STEADY = [WindowCounts(f"steady{i}", f"steady {i}", 10, 120) for i in range(30)]


def test_burst_is_flagged() -> None:
    rows = [*STEADY, WindowCounts("burst", "Burst", 20, 24)]  # ~2/month → 20 in a month
    flagged, tested = rising_shares(rows, recent_total=100, baseline_total=1200)
    assert tested == 31
    assert [s.key for s in flagged] == ["burst"]
    burst = flagged[0]
    assert burst.q_value < 0.05 and burst.expected == pytest.approx(2.0)
    assert burst.rate_ratio == pytest.approx(10.0) and not burst.new


def test_growth_from_total_volume_is_not_flagged() -> None:
    # 10/month of 100 in the baseline; 20 of 200 now: the same share
    rows = [WindowCounts("doubled", "Doubled", 20, 120), *STEADY]
    flagged, _ = rising_shares(rows, recent_total=200, baseline_total=1200)
    assert flagged == []
    assert poisson_sf(20, 10.0) < 0.01  # a count-only test would have raised an alert


def test_new_term_is_flagged_new_and_small_ones_are_not() -> None:
    rows = [*STEADY, WindowCounts("fresh", "Fresh", 6, 0), WindowCounts("tiny", "Tiny", 3, 0)]
    flagged, _ = rising_shares(rows, recent_total=100, baseline_total=1200)
    assert [(s.key, s.new, s.rate_ratio) for s in flagged] == [("fresh", True, None)]


def test_nothing_is_flagged_without_a_baseline() -> None:
    assert rising_shares([WindowCounts("a", "A", 50, 0)], 50, 0) == ([], 1)


def _history(service: Disproof) -> None:
    """2020: each month 10 'steady' and 2 'burst' cases; January 2021: 10 steady, 20 burst,
    6 brand-new cases, and 4 unlabelled cases on one topic."""
    cases: list[Case] = []
    for month in range(1, 13):
        day = D(2020, month, 15)
        cases += [_case(f"s{month}-{i}", day, ["Steady"]) for i in range(10)]
        cases += [_case(f"b{month}-{i}", day, ["Burst"]) for i in range(2)]
    day = D(2021, 1, 10)
    cases += [_case(f"s13-{i}", day, ["Steady"], narratives=["x"]) for i in range(10)]
    cases += [_case(f"b13-{i}", day, ["Burst"], narratives=["x"]) for i in range(20)]
    cases += [_case(f"n13-{i}", day, ["Brand new"], narratives=["x"]) for i in range(6)]
    cases += [_case(f"u{i}", day, ["Salt", "Pipeline"]) for i in range(3)]
    cases += [_case("u3", day, ["Salt", "Pipeline", "Germany"])]
    cases += [_case("lonely", day, ["Something else"])]
    _add(service, cases)


def test_emerging_end_to_end(service: Disproof) -> None:
    _history(service)
    report = service.emerging(D(2021, 1, 1), by="keyword", period="month", baseline_periods=12)
    assert report.baseline_from == D(2020, 1, 1)
    assert report.recent_total == 41 and report.baseline_total == 144
    flagged = {s.key: s for s in report.series}
    assert set(flagged) == {"burst", "brand new"}
    assert flagged["burst"].q_value < 0.05 and flagged["brand new"].new
    assert report.unlabelled == 5
    assert [(c.size, c.keywords[:2]) for c in report.clusters] == [(4, ["Pipeline", "Salt"])]
    assert {c.id for c in report.clusters[0].cases} == {"u0", "u1", "u2", "u3"}


# -- clustering ---------------------------------------------------------------------------------


def test_keyword_clusters() -> None:
    sets = [["a", "b"], ["a", "b", "c"], ["b", "c"], ["x", "y"], ["x", "y"], [], ["z"]]
    assert jaccard({"a", "b"}, {"a", "b", "c"}) == pytest.approx(2 / 3)
    assert keyword_clusters(sets) == [[0, 1, 2]]
    assert keyword_clusters(sets, min_size=2) == [[0, 1, 2], [3, 4]]
    assert keyword_clusters(sets, threshold=0.9, min_size=2) == [[3, 4]]
    assert keyword_clusters([]) == []


# -- command line and web -----------------------------------------------------------------------


def test_cli_json_shapes(cli: Callable[..., Any], tmp_path: Path) -> None:
    _history(Disproof.open(Settings(db=os.environ["DISPROOF_DB"])))
    result = cli("trends", "--by", "keyword", "--period", "month", "--top", "2", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert set(data) >= {"by", "period", "periods", "totals", "series"}
    assert data["periods"][0] == "2020-01" and data["periods"][-1] == "2021-01"
    assert [s["key"] for s in data["series"]] == ["steady", "burst"]
    assert set(data["series"][0]) == {"key", "label", "total", "counts"}

    result = cli("emerging", "--since", "2021-01-01", "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert {s["key"] for s in report["series"]} == {"burst", "brand new"}
    assert set(report["series"][0]) == {
        "key", "label", "recent", "baseline", "expected", "rate_ratio", "p_value", "q_value", "new"
    }  # fmt: skip
    assert report["clusters"][0]["size"] == 4


def test_cli_tables_chart_and_errors(cli: Callable[..., Any], tmp_path: Path) -> None:
    _history(Disproof.open(Settings(db=os.environ["DISPROOF_DB"])))
    result = cli("trends", "--period", "week", "--chart", "out.svg")
    assert result.code == 0 and "Steady" in result.out and "all cases" in result.out
    ET.fromstring((tmp_path / "out.svg").read_text(encoding="utf-8"))
    result = cli("emerging", "--since", "2021-01-01")
    assert result.code == 0 and "Burst" in result.out and "Cluster 1" in result.out
    assert cli("trends", "--by", "colour").code == 2
    assert cli("emerging", "--since", "yesterday").code == 2


def test_trends_page(api: Api) -> None:
    _history(api.service)
    _add(api.service, [_case("evil", D(2020, 6, 1), ["<script>alert(1)</script>"])])
    page = api.client.get("/trends", params={"by": "keyword", "period": "month"})
    assert page.status_code == 200
    assert "<svg" in page.text and "Steady" in page.text and "2020-06" in page.text
    assert "<script>alert(1)" not in page.text
    assert 'href="/trends"' in api.client.get("/stats").text
    odd = api.client.get("/trends", params={"by": "nope", "from": "x", "period": "week"})
    assert odd.status_code == 200 and "Unknown kind" in odd.text and "not a date" in odd.text
