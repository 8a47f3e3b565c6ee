"""`disproof trends` and `disproof emerging`: case counts over time and emerging-narrative alerts.

Registered on the main app in :mod:`disproof.cli`; the work is done by the service.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.table import Table

from disproof import render
from disproof.cli.common import console, err_console, open_service, parse_date
from disproof.errors import DisproofError

if TYPE_CHECKING:
    from disproof.trends import EmergingReport, Period, TrendBy, Trends

app = typer.Typer()

BY_HELP = (
    "Count by keyword, narrative, country, outlet, language or technique (the persuasion "
    "techniques the detector reads in each case's title and summary: model output, computed "
    "once per case text and cached)."
)
PERIOD_HELP = "Bucket cases by month or week (weeks start on Monday)."
#: ``disproof.trends.TREND_BYS`` and ``PERIODS``, named here for a fast start-up (a test checks).
TREND_BYS = ("keyword", "narrative", "country", "outlet", "language", "technique")
PERIODS = ("month", "week")


def _choice(value: str, choices: tuple[str, ...], option: str) -> str:
    if value not in choices:
        raise typer.BadParameter(f"choose one of {', '.join(choices)}", param_hint=option)
    return value


def trends_table(result: "Trends") -> Table:
    """Series as rows: label, total, busiest period, a sparkline over every period."""
    from disproof.trends.chart import sparkline

    first, last = (result.periods[0], result.periods[-1]) if result.periods else ("", "")
    table = Table(
        title=f"Cases per {result.period} by {result.by}, {first} … {last}",
        title_justify="left",
    )
    table.add_column(result.by, max_width=28, overflow="ellipsis", no_wrap=True)
    table.add_column("cases", justify="right")
    table.add_column(f"peak {result.period}", no_wrap=True)
    table.add_column("over time", no_wrap=True)
    rows = [
        ("all cases", sum(result.totals), result.totals),
        *[(s.label, s.total, s.counts) for s in result.series],
    ]
    for label, total, counts in rows:
        peak = max(range(len(counts)), key=counts.__getitem__) if counts else None
        table.add_row(
            render.safe(label),
            f"{total:,}",
            f"{result.periods[peak]} ({counts[peak]:,})" if peak is not None else "—",
            sparkline(counts, 40),
        )
    return table


def emerging_tables(report: "EmergingReport") -> list[Table]:
    """The flagged terms, then one table per cluster of unlabelled recent cases."""
    window = f"{report.since} … {report.until or 'now'}"
    terms = Table(
        title=f"Rising {report.by}s, {window} vs {report.baseline_from} … "
        f"({report.recent_total:,} vs {report.baseline_total:,} cases; "
        f"{report.tested:,} tested, FDR q ≤ {report.alpha})",
        title_justify="left",
    )
    for name in (report.by, "recent", "expected", "ratio", "p", "q"):
        terms.add_column(name, justify="left" if name == report.by else "right")
    for s in report.series:
        terms.add_row(
            render.safe(s.label + (" (new)" if s.new else ""), 40),
            f"{s.recent:,}",
            f"{s.expected:.1f}",
            "new" if s.rate_ratio is None else f"{s.rate_ratio:.1f}×",
            f"{s.p_value:.1e}",
            f"{s.q_value:.1e}",
        )
    tables = [terms] if report.series else []
    for number, cluster in enumerate(report.clusters[:10], start=1):
        table = Table(
            title=f"Cluster {number}: {render.count(cluster.size, 'case')} without a narrative — "
            + ", ".join(cluster.keywords),
            title_justify="left",
        )
        table.add_column("date", no_wrap=True)
        table.add_column("title", max_width=80, overflow="ellipsis", no_wrap=True)
        for case in cluster.cases[:5]:
            table.add_row(str(case.date or "—"), render.safe(case.title, 200))
        if cluster.size > 5:
            table.add_row("", f"… and {cluster.size - 5} more")
        tables.append(table)
    return tables


def trends(
    ctx: typer.Context,
    by: Annotated[str, typer.Option("--by", help=BY_HELP)] = "keyword",
    period: Annotated[str, typer.Option("--period", help=PERIOD_HELP)] = "month",
    date_from: Annotated[str | None, typer.Option("--from", help="On or after YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="On or before YYYY-MM-DD.")] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=100, help="How many series.")] = 10,
    dataset: Annotated[str | None, typer.Option(help="Only cases of this dataset.")] = None,
    narrative: Annotated[
        str | None, typer.Option("--narrative", help="Only cases of this narrative (its id).")
    ] = None,
    outlet: Annotated[
        str | None,
        typer.Option("--outlet", help="Only cases of outlets whose name contains this."),
    ] = None,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Also write an SVG line chart to this file.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Cases per month or week for the top keywords, narratives, countries, outlets, languages
    or persuasion techniques."""
    from disproof.cli.progress import StepProgress, progress_bar

    with progress_bar() as bar:
        result = open_service(ctx).trends(
            cast("TrendBy", _choice(by, TREND_BYS, "--by")),
            cast("Period", _choice(period, PERIODS, "--period")),
            top=top,
            date_from=parse_date(date_from, "--from"),
            date_to=parse_date(date_to, "--to"),
            dataset=dataset,
            narrative=narrative,
            outlet=outlet,
            progress=StepProgress(bar, "reading case texts for techniques")
            if by == "technique"
            else None,
        )
    if by == "technique":
        err_console.print("note: technique labels are model output, not an analyst's judgement")
    if chart is not None:
        from disproof.trends.chart import trend_chart

        try:
            chart.write_text(str(trend_chart(result)), encoding="utf-8")
        except OSError as exc:
            raise DisproofError(f"cannot write the chart to {chart}: {exc}") from None
        err_console.print(render.safe(f"chart written to {chart}"))
    if as_json:
        print(result.model_dump_json(indent=2))
    else:
        console.print(trends_table(result))


def emerging(
    ctx: typer.Context,
    since: Annotated[str, typer.Option("--since", help="Recent window starts YYYY-MM-DD.")],
    until: Annotated[
        str | None, typer.Option("--until", help="Recent window ends YYYY-MM-DD (default: all).")
    ] = None,
    by: Annotated[str, typer.Option("--by", help="keyword or narrative.")] = "keyword",
    period: Annotated[str, typer.Option("--period", help=PERIOD_HELP)] = "month",
    baseline_periods: Annotated[
        int,
        typer.Option("--baseline-periods", min=1, max=520, help="Baseline length in periods."),
    ] = 12,
    dataset: Annotated[str | None, typer.Option(help="Only cases of this dataset.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Keywords or narratives rising significantly since a date, and clusters of recent cases
    that fit no narrative (see docs/trends.md for the test)."""
    start = parse_date(since, "--since")
    assert start is not None
    report = open_service(ctx).emerging(
        start,
        until=parse_date(until, "--until"),
        by=_choice(by, ("keyword", "narrative"), "--by"),
        period=cast("Period", _choice(period, PERIODS, "--period")),
        baseline_periods=baseline_periods,
        dataset=dataset,
    )
    if as_json:
        print(report.model_dump_json(indent=2))
        return
    for table in emerging_tables(report):
        console.print(table)
    if not report.series:
        console.print("no term rises significantly above its baseline")


app.command("trends")(trends)
app.command("emerging")(emerging)
