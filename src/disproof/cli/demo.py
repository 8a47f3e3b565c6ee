"""The demo: load the project's own cases and show a first look around."""

from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from disproof import render
from disproof.cli.common import console, open_service, settings_of
from disproof.cli.matching import matcher_for
from disproof.errors import DisproofError

if TYPE_CHECKING:
    from disproof.service import Disproof


def demo(
    ctx: typer.Context,
    force: Annotated[
        bool,
        typer.Option("--force", help="Add the demo cases even to a database holding other cases."),
    ] = False,
) -> None:
    """Load the project's demo cases into the database, build their match index (so that the
    first check, here or on `disproof serve`'s pages, is fast) and show a first look around."""
    from disproof.models import CaseQuery
    from disproof.service import DEMO_DATASET

    service = open_service(ctx, create=True)
    others = service.non_demo_count()
    if others and not force:
        raise DisproofError(
            f"the database {settings_of(ctx).db} already holds {others:,} other cases; "
            "the demo would mix its cases into them. Use another database "
            "(disproof --db demo.db demo) or --force."
        )
    report = service.load_demo()
    console.print(render.safe(f"Demo database: {settings_of(ctx).db}"))
    render.import_summary(console, report)
    # up front, so that the first check (here, or on `disproof serve`'s pages) is fast
    matcher = matcher_for(service, None, True, "once, so that every check after it is fast")
    for table in render.stats_tables(service.stats(5))[1:3]:
        console.print(table)
    example = "colour revolution"
    page = service.search(CaseQuery(text=example, dataset=DEMO_DATASET, limit=3))
    console.print(render.search_table(page, example))
    if page.results:
        from disproof.narratives.stored import stored_fields

        first = page.results[0]
        fields = stored_fields(service.store.engine, first)
        console.print(render.case_panel(first, service.narrative_names(), fields))
    console.print(Text("\nA first check — a post in German:", style="bold"))
    console.print(render.safe(f"  {DEMO_CHECK}"))
    check = matcher.match(DEMO_CHECK)
    render.match_report(console, check)
    _watch_feed(service)
    console.print(
        '\nNext: `disproof match "…"` or `disproof report --file article.txt`, '
        "`disproof search --keyword MH17`, `disproof show ID`, `disproof related ID`, "
        "`disproof stats`, `disproof serve` (then http://127.0.0.1:8000).",
        markup=False,
    )


def _watch_feed(service: "Disproof") -> None:
    from disproof.watch.demo import DEMO_SOURCE, watch_demo_feed

    polled = watch_demo_feed(service)
    if polled is None:
        return
    if polled.error:
        console.print(render.safe(f"\nWatching a demo feed failed: {polled.error}"))
        return
    console.print(Text("\nA watched source — the project's demo feed:", style="bold"))
    console.print(
        render.safe(
            f"  {DEMO_SOURCE}: {render.count(polled.new_items, 'new item')}, "
            f"{render.count(polled.sightings, 'sighting')} of known cases to triage "
            "(`disproof watch`, or the Triage page of `disproof serve` once signed in)"
        )
    )


#: The demo's first check: a post in German repeating a known claim in other words.
DEMO_CHECK = (
    "Unglaublich: Das Pentagon finanziert in der Ukraine geheime Labore, in denen an "
    "biologischen Waffen gegen Russland geforscht wird."
)
