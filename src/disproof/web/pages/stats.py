"""Statistics: cases per year as a column chart; top keywords, countries, outlets as bars."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.responses import Response

from disproof.api.deps import get_service
from disproof.models import Facet
from disproof.normalize import country_name
from disproof.web.charts import Bar, bar_chart, column_chart
from disproof.web.errors import HtmlRoute
from disproof.web.session import require_read
from disproof.web.templating import render
from disproof.web.urls import page_path

router = APIRouter(route_class=HtmlRoute)

TOP = 12


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    url: str | None


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    chart: Markup
    column: str
    rows: list[Row]


def _panel(
    request: Request, key: str, title: str, column: str, facets: list[Facet], param: str | None
) -> Panel:
    labels = [country_name(f.value) if key == "countries" else f.value for f in facets]
    bars = [Bar(label, f.count) for label, f in zip(labels, facets, strict=True)]
    rows = [
        Row(
            label,
            f.count,
            page_path(request, "web_search", {param: f.value})
            if param and f.value != "undated"
            else None,
        )
        for label, f in zip(labels, facets, strict=True)
    ]
    chart = (
        column_chart(bars, title, key=key) if key == "years" else bar_chart(bars, title, key=key)
    )
    return Panel(key, title, chart, column, rows)


@router.get("/stats", name="web_stats")
def stats(request: Request) -> Response:
    require_read(request)
    numbers = get_service(request).stats(TOP)
    panels = [
        _panel(request, "years", "Cases per year", "Year", numbers.by_year, "year"),
        _panel(request, "keywords", "Top keywords", "Keyword", numbers.by_keyword, "keyword"),
        _panel(request, "countries", "Top countries", "Country", numbers.by_country, "country"),
        _panel(request, "outlets", "Top outlets", "Outlet", numbers.by_outlet, "outlet"),
    ]
    return render(request, "stats.html", {"stats": numbers, "panels": panels})
