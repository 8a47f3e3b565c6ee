"""``disproof sources add|list|remove`` and ``disproof watch``: monitoring from the terminal."""

import enum
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from disproof.cli.common import console, err_console, open_service
from disproof.render import safe

if TYPE_CHECKING:
    from disproof.watch.poll import PollReport

sources_app = typer.Typer(
    help=(
        "Sources to watch: RSS/Atom feeds (URL or file), Telegram Desktop exports (result.json), "
        "JSONL drops and folders of .txt/.html files. `disproof watch` polls them."
    ),
    no_args_is_help=True,
)


class KindChoice(enum.StrEnum):
    rss = "rss"
    atom = "atom"
    telegram = "telegram"
    jsonl = "jsonl"
    folder = "folder"


_DURATION = re.compile(r"^(\d+)\s*([smhd]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_every(value: str) -> int:
    """Seconds from ``90``, ``90s``, ``15m``, ``2h`` or ``1d``."""
    found = _DURATION.match(value.strip().lower())
    if not found:
        raise typer.BadParameter(
            f"{value!r} is not a duration like 15m, 2h or 900", param_hint="--every"
        )
    return int(found.group(1)) * _UNITS[found.group(2)]


def sources_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A short unique name (letters, digits, . _ -).")],
    location: Annotated[
        str,
        typer.Argument(help="Feed URL (http/https), or a file or folder path (kept absolute)."),
    ],
    kind: Annotated[
        KindChoice, typer.Option("--kind", help="What the location holds.")
    ] = KindChoice.rss,
    outlet: Annotated[
        str | None,
        typer.Option(
            help="The outlet its items are published by (for appearances); for a "
            "Telegram export of a public channel, '@username' makes message links."
        ),
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Language hint for items that do not say.")
    ] = None,
    every: Annotated[
        str, typer.Option("--every", help="How often to poll: 900, 90s, 15m, 2h, 1d.")
    ] = "15m",
    follow_links: Annotated[
        bool,
        typer.Option(
            "--follow-links",
            help="Feeds only: fetch the page each new entry links to and match its main text "
            "(for feeds that carry a teaser only).",
        ),
    ] = False,
) -> None:
    """Watch a new source (first polled by the next `disproof watch`)."""
    from disproof.watch.models import SourceCreate
    from disproof.watch.service import Monitoring

    if not location.startswith(("http://", "https://")):  # a path: kept absolute
        location = str(Path(location).expanduser().resolve())
    create = SourceCreate(
        name=name,
        kind=kind.value,
        location=location,
        outlet=outlet,
        language=lang,
        interval_seconds=parse_every(every),
        follow_links=follow_links,
    )
    source = Monitoring(open_service(ctx)).add_source(create)
    console.print(
        safe(f"watching {source.name} ({source.kind}, every {source.interval_seconds} s)")
    )


def _state(source: object) -> str:
    failures = getattr(source, "failures", 0)
    if failures:
        return f"FAILING ×{failures}: {getattr(source, 'last_error', '')}"
    return "ok" if getattr(source, "last_success_at", None) else "not polled yet"


def sources_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the sources as JSON.")] = False,
) -> None:
    """List watched sources with their state: last success, failures and last error, next poll."""
    from disproof.watch.service import Monitoring

    sources = Monitoring(open_service(ctx)).list_sources()
    if as_json:
        print(json.dumps([s.model_dump(mode="json") for s in sources], indent=2))
        return
    if not sources:
        console.print("no sources; add one with `disproof sources add NAME URL`")
        return
    table = Table(expand=True)
    for column in ("name", "kind", "location", "items", "last success", "next due", "state"):
        table.add_column(column, overflow="fold")
    for s in sources:
        table.add_row(
            safe(s.name),
            f"{s.kind} + links" if s.follow_links else s.kind,
            safe(s.location, 80),
            str(s.items_seen),
            s.last_success_at.strftime("%Y-%m-%d %H:%M") if s.last_success_at else "—",
            s.next_due_at.strftime("%Y-%m-%d %H:%M:%S"),
            safe(_state(s), 200),
        )
    console.print(table)


def sources_remove(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The source's name.")]
) -> None:
    """Stop watching a source; its items and their sightings go too (dismissals are kept)."""
    from disproof.watch.service import Monitoring

    Monitoring(open_service(ctx)).remove_source(name)
    console.print(safe(f"removed {name}"))


def _print(report: "PollReport") -> None:
    if report.error:
        err_console.print(safe(f"{report.source}: FAILED: {report.error}"), style="red")
        return
    state = (
        "not modified"
        if report.not_modified
        else (
            f"{report.new_items} new items, {report.sightings} sightings, "
            f"{report.skipped} seen before"
        )
    )
    console.print(safe(f"{report.source}: {state}"))
    for problem in report.problems[:20]:
        err_console.print(safe(f"{report.source}: {problem}", 300), style="yellow")


def watch(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Poll the sources due now, then stop.")
    ] = False,
    host_delay: Annotated[
        float,
        typer.Option(help="Seconds between two requests to the same host.", min=0.0, max=600.0),
    ] = 1.0,
    timeout: Annotated[
        float,
        typer.Option(help="Seconds to wait for a server to connect or send.", min=0.1, max=600.0),
    ] = 10.0,
) -> None:
    """Poll the watched sources when due, match every new item against the cases, and record a
    sighting for each case it repeats (confirmed or suggested). Each item is processed exactly
    once, across restarts. Then raise the alerts of the new sightings and deliver the due
    webhooks (`disproof alerts`). Stop with Ctrl-C."""
    from disproof.sources import HttpFetcher, HttpLimits
    from disproof.watch.runner import run
    from disproof.watch.service import Monitoring

    monitoring = Monitoring(open_service(ctx))
    fetcher = HttpFetcher(HttpLimits(timeout=timeout, host_delay=host_delay))
    engine = monitoring.alert_engine()

    def alerts() -> None:
        raised, delivered, failed = engine.run_once()
        if raised or delivered or failed:
            console.print(f"alerts: {raised} new, {delivered} delivered, {failed} failed attempts")

    polled: list[PollReport] = []

    def report(done: "PollReport") -> None:
        polled.append(done)
        _print(done)

    try:
        run(monitoring.poller(fetcher), report, once=once, after=alerts)
    finally:
        fetcher.close()
    if once and not polled:
        upcoming = min(monitoring.list_sources(), key=lambda s: s.next_due_at, default=None)
        when = (
            f"; next: {upcoming.name} at {upcoming.next_due_at:%Y-%m-%d %H:%M:%S} UTC"
            if upcoming
            else ""
        )
        console.print(safe(f"no source is due{when}"))
