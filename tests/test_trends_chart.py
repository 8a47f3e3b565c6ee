"""The trends chart and page (issue 16, item 8): a standalone SVG with a title, labelled axes, a
legend with full names that wraps, hover titles and at most a few lines; months summed into
quarters or years; a compact table of the periods with cases; the SVG download."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from disproof.trends import Trends, TrendSeries, regroup, trend_chart
from disproof.trends.chart import MAX_SERIES
from disproof.trends.chart_layout import CHAR_WIDTH, legend_layout, wrap_text, x_ticks, y_ticks
from disproof.trends.series import MAX_PERIODS
from tests.conftest import Api
from tests.test_trends import D, _add, _case, _history

NS = {"s": "http://www.w3.org/2000/svg"}
LONG = (
    "The West is driven by irrational Russophobia and wants to dismember Russia, "
    "as it has always wanted since the Napoleonic wars"
)
HOSTILE = "<script>alert(1)</script> & \"quotes\" 'too'"


def _months(n: int, start: int = 2019) -> list[str]:
    return [f"{start + i // 12}-{i % 12 + 1:02d}" for i in range(n)]


def _trends(labels: list[str], n: int = 130) -> Trends:
    periods = _months(n)
    series = [
        TrendSeries(
            key=f"k{k}",
            label=label,
            total=sum(counts),
            counts=counts,
        )
        for k, label in enumerate(labels)
        for counts in [[1 if i % (7 * (k + 1)) == 0 else 0 for i in range(n)]]
    ]
    totals = [sum(s.counts[i] for s in series) for i in range(n)]
    return Trends(by="narrative", period="month", periods=periods, totals=totals, series=series)


def _texts(root: ET.Element, css: str) -> list[str]:
    return [
        "".join(t.itertext())
        for t in root.iterfind(".//s:text", NS)
        if css in (t.get("class") or "").split()
    ]


def test_the_exported_chart_has_a_title_axis_labels_and_a_legend_of_full_names() -> None:
    root = ET.fromstring(str(trend_chart(_trends([LONG, "Short"]))))
    assert root.findtext("s:title", namespaces=NS) == "Cases per month by narrative"
    assert _texts(root, "heading") == ["Cases per month by narrative"]
    assert sorted(_texts(root, "axis-label")) == ["Cases", "Month"]
    legend = [
        " ".join(t.itertext()) for t in root.iterfind(".//s:text", NS) if t.get("class") == "legend"
    ]
    assert legend[0] == f"{LONG} (19)"  # the whole name, wrapped over tspans, not cut
    assert len(root.findall(".//s:text[@class='legend']/s:tspan", NS)) >= 3
    assert "…" not in str(trend_chart(_trends([LONG])))
    years = [t for t in _texts(root, "tick") if len(t) == 4]
    assert years[:3] == ["2019", "2020", "2021"]  # a long month axis is labelled by year


def test_hostile_names_are_escaped_everywhere() -> None:
    svg = str(trend_chart(_trends([HOSTILE]), title="<b>title</b>"))
    assert "<script>" not in svg and "<b>" not in svg
    root = ET.fromstring(svg)  # well-formed XML
    assert root.findtext("s:title", namespaces=NS) == "<b>title</b>"
    hovers = [t.text or "" for t in root.iterfind(".//s:circle/s:title", NS)]
    assert hovers[0] == f"{HOSTILE}, 2019-01: 1 case"


def test_lines_are_capped_and_the_others_named() -> None:
    labels = [f"Narrative {k}" for k in range(8)]
    root = ET.fromstring(str(trend_chart(_trends(labels))))
    assert len(root.findall(".//s:polyline", NS)) == MAX_SERIES == 6
    note = " ".join(" ".join(_texts(root, "note")).split())
    assert "not drawn: Narrative 6, Narrative 7" in note
    assert (
        len(
            ET.fromstring(str(trend_chart(_trends(labels), max_series=3))).findall(
                ".//s:polyline", NS
            )
        )
        == 3
    )


def test_hover_titles_on_lines_and_points() -> None:
    root = ET.fromstring(str(trend_chart(_trends(["Alpha"], n=12), standalone=False)))
    assert root.findtext(".//s:polyline/s:title", namespaces=NS) == "Alpha: 2 cases"
    points = root.findall(".//s:circle", NS)
    assert len(points) == 12  # few periods: a point on every one, zeros too
    assert points[1].findtext("s:title", namespaces=NS) == "Alpha, 2019-02: 0 cases"
    assert not _texts(root, "heading")  # the page has its own heading
    many = ET.fromstring(str(trend_chart(_trends(["Alpha"], n=130))))
    assert len(many.findall(".//s:circle", NS)) == 19  # many periods: points where cases are


def test_an_empty_chart_says_so() -> None:
    empty = Trends(by="keyword", period="month", periods=[], totals=[], series=[])
    assert "No dated cases" in str(trend_chart(empty))


def test_layout_arithmetic() -> None:
    assert y_ticks(0) == (1, [0, 1])
    assert y_ticks(3) == (3, [0, 1, 2, 3])
    assert y_ticks(7) == (8, [0, 2, 4, 6, 8])
    assert y_ticks(1234) == (1500, [0, 500, 1000, 1500])
    assert wrap_text("a bb ccc", 4) == ["a bb", "ccc"]
    assert wrap_text("x" * 10, 4) == ["xxxx", "xxxx", "xx"]
    items, height = legend_layout(["one", "two", LONG], 300)
    assert [i.y for i in items[:2]] == [0, 0] and items[2].y > 0 and items[2].x == 0
    assert "".join(items[2].lines).replace(" ", "") == LONG.replace(" ", "")
    assert height >= 16 * len(items[2].lines)
    for period, n in (("month", 130), ("month", 12), ("week", 300)):
        periods = (
            _months(n)
            if period == "month"
            else [f"{2014 + i // 52}-01-{i % 28 + 1:02d}" for i in range(n)]
        )
        ticks = x_ticks(periods, period, 900)
        step = 900 / (n - 1)
        for (a, label), (b, _) in zip(ticks, ticks[1:], strict=False):
            assert (b - a) * step >= len(label) * CHAR_WIDTH  # labels never overlap


def test_months_summed_into_quarters_and_years() -> None:
    monthly = _trends(["Alpha", "Beta"], n=14)
    yearly = regroup(monthly, "year")
    assert yearly.period == "year" and yearly.periods == ["2019", "2020"]
    assert sum(yearly.totals) == sum(monthly.totals)
    assert [sum(s.counts) for s in yearly.series] == [sum(s.counts) for s in monthly.series]
    quarterly = regroup(monthly, "quarter")
    assert quarterly.periods == ["2019-Q1", "2019-Q2", "2019-Q3", "2019-Q4", "2020-Q1"]
    assert quarterly.series[0].counts == [1, 0, 1, 0, 0]
    assert "Quarter" in str(trend_chart(quarterly))


# -- the page and the download ------------------------------------------------------------------


@pytest.fixture
def history(api: Api) -> Api:
    _history(api.service)
    _add(api.service, [_case("old", D(2015, 6, 1), ["Steady"])])  # five empty years before
    return api


def test_the_table_lists_only_periods_with_cases(history: Api) -> None:
    page = history.client.get("/trends", params={"by": "keyword", "period": "month"}).text
    table = page[page.index("<table") : page.index("</table>")]
    assert table.count('<th scope="row">') == 15  # 14 months with cases and the total
    assert "2015-06" in table and "2016-01" not in table
    assert "(54 without cases left out)" in page
    assert "<details" in page and "Few months have cases" in page
    assert 'href="/trends?by=keyword&amp;period=year&amp;top=5"' in page
    assert 'href="/trends.svg?by=keyword&amp;period=month&amp;top=5"' in page
    assert page.count("<polyline") == 5 and 'class="heading"' not in page


def test_lines_and_longer_periods_are_chosen_in_the_form(history: Api) -> None:
    page = history.client.get("/trends", params={"period": "year", "top": "3"}).text
    assert "Cases per year, top 3 keywords" in page
    table = page[page.index("<table") : page.index("</table>")]
    assert '<th scope="row">2020</th><td class="num">144</td>' in table
    odd = history.client.get("/trends", params={"top": "99", "by": "country"}).text
    assert "“99” series is not offered" in odd and "countries" in odd


def test_the_svg_download_is_a_standalone_file(history: Api) -> None:
    response = history.client.get("/trends.svg", params={"period": "quarter", "top": "3"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.headers["content-disposition"] == (
        'attachment; filename="trends-keyword-quarter.svg"'
    )
    root = ET.fromstring(response.content)
    assert _texts(root, "heading") == ["Cases per quarter by keyword"]
    assert sorted(_texts(root, "axis-label")) == ["Cases", "Quarter"]
    assert len(root.findall(".//s:polyline", NS)) == 3


def test_too_many_periods_stay_refused_on_the_page_and_the_download(api: Api) -> None:
    params = {"period": "year", "from": "1000-01-01", "to": "1200-01-01"}
    for path in ("/trends", "/trends.svg"):
        response = api.client.get(path, params=params)
        assert response.status_code == 422, path
        assert f"{MAX_PERIODS:,} periods" in response.text
