"""Trends: cases per month or week for the top keywords, narratives, countries, outlets or
languages, as an SVG line chart (also downloadable as a file) and a compact table (a GET form
chooses what to count and how many series)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Query, Request
from markupsafe import Markup
from starlette.responses import Response

from disproof.api.budget import run_expensive
from disproof.api.deps import get_service
from disproof.errors import InvalidInput
from disproof.normalize import country_name, language_name
from disproof.techniques.shown import NOTE
from disproof.trends import TREND_BYS, Grouping, Period, TrendBy, Trends, regroup, trend_chart
from disproof.trends.periods import check_date
from disproof.web.errors import HtmlRoute, error_page
from disproof.web.session import require_read
from disproof.web.templating import render

router = APIRouter(route_class=HtmlRoute)

#: How many series the form offers to draw (more lines on one chart are hard to tell apart).
TOPS = ("3", "5", "8")
TOP = "5"
#: What the "per" choice offers: the counted periods and months summed into quarters or years.
SPANS = ("week", "month", "quarter", "year")
PLURALS = {"country": "countries"}
#: Below this share of periods with cases, the page suggests a longer period.
SPARSE = 0.3
#: Periods with cases above which the table starts folded (the chart is what to look at).
OPEN_ROWS = 24

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


@dataclass(frozen=True)
class Ask:
    """What the form asks for, read leniently: unknown values fall back, with a note why."""

    by: TrendBy
    period: Period | Grouping
    top: int
    start: dt.date | None
    end: dt.date | None
    form: dict[str, str]
    problems: list[str]
    narrative: str | None = None
    outlet: str | None = None


def _ask(
    by: Text = "keyword",
    period: Text = "month",
    top: Text = TOP,
    date_from: Annotated[str, Query(alias="from", max_length=20)] = "",
    date_to: Annotated[str, Query(alias="to", max_length=20)] = "",
    narrative: Annotated[str, Query(max_length=200)] = "",
    outlet: Annotated[str, Query(max_length=200)] = "",
) -> Ask:
    """The form's choices, read from the query string (a dependency of both trends routes)."""
    problems: list[str] = []
    if by not in TREND_BYS:
        problems.append(f"Unknown kind “{by}”; showing keywords.")
        by = "keyword"
    if period not in SPANS:
        problems.append(f"Unknown period “{period}”; showing months.")
        period = "month"
    if top not in TOPS:
        problems.append(f"“{top}” series is not offered; showing {TOP}.")
        top = TOP
    start, end = _date(date_from, "from", problems), _date(date_to, "to", problems)
    if start and end and start > end:
        problems.append("The start date is after the end date; the dates are ignored.")
        start = end = None
    form = {"by": by, "period": period, "top": top, "from": date_from, "to": date_to}
    form |= {name: value for name, value in (("narrative", narrative), ("outlet", outlet)) if value}
    kind, unit = cast(TrendBy, by), cast("Period | Grouping", period)
    return Ask(kind, unit, int(top), start, end, form, problems, narrative or None, outlet or None)


def _compute(request: Request, ask: Ask, standalone: bool) -> tuple[Trends, Markup | None]:
    """The trends and their chart (SVG), computed in a worker thread."""
    counted: Period = "week" if ask.period == "week" else "month"
    result = _labelled(
        get_service(request).trends(
            ask.by,
            counted,
            top=ask.top,
            date_from=ask.start,
            date_to=ask.end,
            narrative=ask.narrative,
            outlet=ask.outlet,
        )
    )
    if ask.period in ("quarter", "year"):
        result = regroup(result, ask.period)
    if not result.series and not standalone:  # the page says so; a file shows an empty chart
        return result, None
    return result, trend_chart(result, max_series=ask.top, standalone=standalone)


def _rows(result: Trends) -> list[tuple[str, int, list[int]]]:
    """Table rows of the periods with cases only (a month table is otherwise mostly zeros)."""
    return [
        (period, total, [s.counts[i] for s in result.series])
        for i, (period, total) in enumerate(zip(result.periods, result.totals, strict=True))
        if total
    ]


@router.get("/trends", name="web_trends")
async def trends(request: Request, ask: Annotated[Ask, Depends(_ask)]) -> Response:
    require_read(request)
    try:
        result, chart = await run_expensive(request, TRENDS_COST, _compute, request, ask, False)
    except InvalidInput as exc:  # a range of too many periods: refused, naming the limit
        return error_page(request, 422, f"{exc}.")
    rows = _rows(result)
    longer = SPANS[SPANS.index(result.period) + 1 :]
    sparse = bool(longer) and len(rows) < SPARSE * len(result.periods)
    context = {
        "trends": result,
        "chart": chart,
        "rows": rows,
        "empty": len(result.periods) - len(rows),
        "open_table": len(rows) <= OPEN_ROWS,
        "kinds": PLURALS.get(result.by, f"{result.by}s"),
        "longer": [(span, {**ask.form, "period": span}) for span in longer] if sparse else [],
        "choices": {"by": TREND_BYS, "period": SPANS, "top": TOPS},
        "form": ask.form,
        "problems": ask.problems,
        "technique_note": NOTE if result.by == "technique" else None,
    }
    return render(request, "trends.html", context)


@router.get("/trends.svg", name="web_trends_svg")
async def trends_svg(request: Request, ask: Annotated[Ask, Depends(_ask)]) -> Response:
    """The chart as a standalone SVG file (title, axis labels, legend), to download."""
    require_read(request)
    try:
        result, chart = await run_expensive(request, TRENDS_COST, _compute, request, ask, True)
    except InvalidInput as exc:
        return error_page(request, 422, f"{exc}.")
    name = f"trends-{result.by}-{result.period}.svg"
    return Response(
        f'<?xml version="1.0" encoding="UTF-8"?>\n{chart or ""}\n',
        media_type="image/svg+xml",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
