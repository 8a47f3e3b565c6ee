"""Trends: cases per month or week for the top keywords, narratives, countries, outlets or
languages, as an SVG line chart and a table (a GET form chooses what to count)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, cast

from fastapi import APIRouter, Query, Request
from markupsafe import Markup
from starlette.responses import Response

from disproof.api.budget import run_expensive
from disproof.api.deps import get_service
from disproof.errors import InvalidInput
from disproof.normalize import country_name, language_name
from disproof.trends import PERIODS, TREND_BYS, Period, TrendBy, Trends, trend_chart
from disproof.trends.periods import check_date
from disproof.web.errors import HtmlRoute, error_page
from disproof.web.session import require_read
from disproof.web.templating import render

router = APIRouter(route_class=HtmlRoute)

TOP = 8

Text = Annotated[str, Query(max_length=20)]


def _date(value: str, name: str, problems: list[str]) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return check_date(dt.date.fromisoformat(value.strip()), name)
    except ValueError:
        problems.append(f"“{value}” is not a date (YYYY-MM-DD); {name} is ignored.")
    except InvalidInput as exc:
        problems.append(f"{exc}; {name} is ignored.")
    return None


def _labelled(result: Trends) -> Trends:
    """Country and language codes as names."""
    names = {"country": country_name, "language": language_name}.get(result.by)
    if names is None:
        return result
    series = [s.model_copy(update={"label": names(s.label)}) for s in result.series]
    return result.model_copy(update={"series": series})


#: Budget units of one trends page (see :mod:`disproof.api.budget`).
TRENDS_COST = 2.0


def _compute(
    request: Request, by: TrendBy, period: Period, start: dt.date | None, end: dt.date | None
) -> tuple[Trends, Markup | None]:
    """The trends and their chart (SVG), computed in a worker thread."""
    result = _labelled(
        get_service(request).trends(by, period, top=TOP, date_from=start, date_to=end)
    )
    return result, trend_chart(result) if result.series else None


@router.get("/trends", name="web_trends")
async def trends(
    request: Request,
    by: Text = "keyword",
    period: Text = "month",
    date_from: Annotated[str, Query(alias="from", max_length=20)] = "",
    date_to: Annotated[str, Query(alias="to", max_length=20)] = "",
) -> Response:
    require_read(request)
    problems: list[str] = []
    if by not in TREND_BYS:
        problems.append(f"Unknown kind “{by}”; showing keywords.")
        by = "keyword"
    if period not in PERIODS:
        problems.append(f"Unknown period “{period}”; showing months.")
        period = "month"
    start, end = _date(date_from, "from", problems), _date(date_to, "to", problems)
    if start and end and start > end:
        problems.append("The start date is after the end date; the dates are ignored.")
        start = end = None
    kind, unit = cast(TrendBy, by), cast(Period, period)
    try:
        result, chart = await run_expensive(
            request, TRENDS_COST, _compute, request, kind, unit, start, end
        )
    except InvalidInput as exc:  # a range of too many periods: refused, naming the limit
        return error_page(request, 422, f"{exc}.")
    context = {
        "trends": result,
        "chart": chart,
        "rows": list(zip(result.periods, result.totals, strict=True)),
        "choices": {"by": TREND_BYS, "period": PERIODS},
        "form": {"by": by, "period": period, "from": date_from, "to": date_to},
        "problems": problems,
    }
    return render(request, "trends.html", context)
