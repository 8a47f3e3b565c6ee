"""`disproof scan`: many posts against the cases, on a local Dask cluster or a real one."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from disproof import render
from disproof.cli.common import console, err_console, open_service
from disproof.errors import DisproofError

if TYPE_CHECKING:
    from collections.abc import Callable

    from distributed import Client

    from disproof.match.matcher import Matcher
    from disproof.scan.run import ScanOptions
    from disproof.scan.sources import Source
    from disproof.service import Disproof

#: Bad rows also named on stderr (all are counted, the first ones kept in the summary).
SHOWN_BAD_ROWS = 20
INSTALL_HINT = "scanning needs Dask and pyarrow: pip install 'disproof[scan]'"


def _require_engine() -> None:
    try:
        import distributed  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise DisproofError(f"{INSTALL_HINT} ({exc})") from None


def _narratives(service: "Disproof") -> "Callable[[list[str]], dict[str, list[str]]]":
    """case ids → the names of their narratives for the summary: the analysts' own, then those
    the taxonomy infers from the case (marked "inferred"), as a case page shows them."""
    from disproof.errors import CaseNotFound
    from disproof.narratives.mapping import case_narratives
    from disproof.narratives.stored import stored_fields

    names = service.narrative_names()

    def lookup(case_ids: list[str]) -> dict[str, list[str]]:
        out = {}
        for case_id in case_ids:
            try:
                case = service.get(case_id)
            except CaseNotFound:
                continue
            found = case_narratives(case, stored_fields(service.store.engine, case))
            out[case_id] = [names.get(n.id, n.id) for n in found if not n.inferred] + [
                f"{names.get(n.id, n.id)} (inferred)" for n in found if n.inferred
            ]
        return out

    return lookup


def scan(
    ctx: typer.Context,
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Files, folders of .txt/.html files, globs or fsspec URLs: JSONL, CSV/TSV, "
            "Parquet, Telegram Desktop exports (result.json); .gz and the like are read through.",
            show_default=False,
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Output folder (a rerun resumes it).")],
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="A Dask scheduler (tcp://HOST:8786); default: a local cluster on this machine.",
        ),
    ] = None,  # fmt: skip
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, help="Local cluster: worker processes (default: one per core)."
        ),
    ] = None,  # fmt: skip
    threads: Annotated[
        int | None,
        typer.Option("--threads", min=1, help="OpenMP threads per worker (default 1)."),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", help="auto (by file name), jsonl, csv, tsv, parquet, telegram or folder."
        ),
    ] = "auto",  # fmt: skip
    text_col: Annotated[str, typer.Option("--text-col", help="Field of the text.")] = "text",
    id_col: Annotated[str, typer.Option("--id-col", help="Field of the item's id.")] = "id",
    date_col: Annotated[str, typer.Option("--date-col", help="Field of its date.")] = "date",
    url_col: Annotated[str, typer.Option("--url-col", help="Field of its link.")] = "url",
    outlet_col: Annotated[
        str, typer.Option("--outlet-col", help="Field of its outlet or channel.")
    ] = "outlet",
    lang_col: Annotated[str, typer.Option("--lang-col", help="Field of its language.")] = "lang",
    partition_size: Annotated[
        int, typer.Option("--partition-size", min=1, max=100_000, help="Records per task.")
    ] = 500,
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=100, help="Matches per claim.")] = 5,
    min_band: Annotated[
        str | None, typer.Option("--min-band", help="As for `disproof match`.")
    ] = None,
    keep_none: Annotated[
        bool, typer.Option("--keep-none", help="Also write matches in band none.")
    ] = False,
    backend: Annotated[str | None, typer.Option("--backend", help="Embedding backend.")] = None,
) -> None:
    """Scan many posts for the known cases they repeat, on Dask (a local cluster, or a real
    one with --scheduler): the same matches per item as `disproof match --jsonl`.

    Writes OUT/matches/ and OUT/items/ (Parquet), OUT/manifest.jsonl (finished partitions: a
    rerun skips them) and OUT/scan-summary.json, .md and .html. Bad rows are reported and
    counted; the scan goes on. docs/scanning.md has the details and the scaling plan.
    """
    from disproof.cli.matching import matcher_for, parse_band
    from disproof.scan.sources import sources as find_sources

    band = parse_band(min_band)
    found = find_sources(inputs, fmt)
    _require_engine()
    from disproof.scan.items import Columns
    from disproof.scan.run import ScanOptions

    columns = Columns(text_col, id_col, date_col, url_col, outlet_col, lang_col)
    options = ScanOptions(
        columns, partition_size, top_k, band, keep_none, workers, threads, scheduler
    )
    service = open_service(ctx)
    matcher = matcher_for(service, backend, show_progress=True)
    _run(service, matcher, found, options, out, backend)


def _run(
    service: "Disproof",
    matcher: "Matcher",
    sources: "list[Source]",
    options: "ScanOptions",
    out: Path,
    backend: str | None,
) -> None:
    from disproof.cli.progress import StepProgress, progress_bar
    from disproof.scan.bundle import write_bundle
    from disproof.scan.output import Output
    from disproof.scan.report import bad_row_text
    from disproof.scan.run import connect, signature
    from disproof.scan.run import scan as run_scan
    from disproof.scan.summary import summarize, write_summary
    from disproof.store.corpus import CorpusStore

    Output.check(out)
    bundle = write_bundle(matcher, CorpusStore(service.store.engine), out / "bundle", backend)
    output = Output(out, signature(sources, options, bundle))
    output.open()
    client = connect(options)
    try:
        err_console.print(render.safe(f"Dask dashboard: {client.dashboard_link}"))
        with progress_bar() as bar:
            totals = run_scan(
                client, sources, options, bundle, output, StepProgress(bar, "scanning items")
            )
    finally:
        _close(client)
    for row in totals.bad_rows[:SHOWN_BAD_ROWS]:
        err_console.print(render.safe(f"bad row: {bad_row_text(row)}"))
    summary = summarize(out, totals, _narratives(service))
    write_summary(out, summary)
    t = summary["totals"]
    console.print(
        render.safe(
            f"{t['items']:,} items scanned ({totals.skipped:,} of {totals.partitions:,} "
            f"partitions done before), {t['items_matched']:,} repeat a known case "
            f"({t['items_confirmed']:,} confirmed), {t['bad']:,} bad rows; "
            f"results in {out}"
        )
    )


def _close(client: "Client") -> None:
    """Close the client, and the local cluster it started (never a remote scheduler)."""
    cluster = client.cluster
    client.close()
    if cluster is not None:
        cluster.close()
