"""The `disproof` command line: the service's use cases for terminals and scripts.

Exit codes: 0 ok, 1 user error (a clear message, no traceback), 2 usage error.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from disproof import __version__, cli_narratives, cli_trends, render
from disproof.api.serve import run as run_server
from disproof.api.serve import serve_refusal
from disproof.auth import Role
from disproof.errors import DisproofError
from disproof.io import EXPORTERS, IMPORTERS
from disproof.match.calibration import Band
from disproof.match.matcher import Matcher
from disproof.models import CaseQuery, MatchResult, TokenInfo
from disproof.service import DEMO_DATASET, Disproof
from disproof.settings import Settings

app = typer.Typer(
    name="disproof",
    help=(
        "disproof keeps a database of disinformation cases (the claim, where it appeared, its "
        "disproof, keywords and narratives) and lets you import, search and export them.\n\n"
        'Start with `disproof demo`, then try `disproof search "biolabs"`.'
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])


def _settings(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings


def _open(ctx: typer.Context) -> Disproof:
    return Disproof.open(_settings(ctx))


def _version(value: bool) -> None:
    if value:
        console.print(f"disproof {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database file (SQLite) or SQLAlchemy URL. Default: a per-user data folder; "
            "the DISPROOF_DB environment variable overrides it.",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    ctx.obj = Settings(db=db) if db else Settings()


@app.command()
def init(ctx: typer.Context) -> None:
    """Create (or migrate) the database and say where it is."""
    service = _open(ctx)
    console.print(render.safe(f"database ready: {_settings(ctx).db} ({service.count():,} cases)"))


FORMAT_HELP = "Input format: auto (detect), " + ", ".join(IMPORTERS) + "."


@app.command("import")
def import_(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Files to import, one transaction each.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help=FORMAT_HELP)] = "auto",
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Import the valid rows and write the invalid ones to a reject report "
            "(default: any invalid row aborts the file and nothing is imported).",
        ),
    ] = False,
    reject_report: Annotated[
        Path | None,
        typer.Option(
            help="Where --skip-invalid writes rejected rows (default: FILE.rejects.csv "
            "in the current folder)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the reports as JSON.")] = False,
) -> None:
    """Import cases from files (EUvsDisinfo CSVs, CheckThat! claims, canonical JSONL).

    Prints what was created, updated, left unchanged, merged (the same claim from another outlet)
    and rejected, with line numbers and reasons. Importing the same file twice changes nothing.
    """
    service = _open(ctx)
    reports = []
    for path in files:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=as_json or not err_console.is_terminal,
        ) as bar:
            task = bar.add_task(f"importing {path.name}", total=None)

            def advance(done: int, total: int, task: Any = task, bar: Progress = bar) -> None:
                bar.update(task, completed=done, total=total)

            report = service.import_file(
                path, fmt, skip_invalid=skip_invalid, reject_report=reject_report, progress=advance
            )
        reports.append(report)
        if not as_json:
            render.import_summary(console, report)
    if as_json:
        payload = [
            {
                "file": r.file,
                "format": r.format,
                "rows": r.rows,
                "created": len(r.created),
                "updated": len(r.updated),
                "unchanged": len(r.unchanged),
                "merged": [m.__dict__ for m in r.merged],
                "rejected": [p.__dict__ for p in r.rejected],
                "warnings": [p.__dict__ for p in r.warnings],
                "reject_report": str(r.reject_report) if r.reject_report else None,
            }
            for r in reports
        ]
        print(json.dumps(payload, ensure_ascii=False, indent=2))


@app.command()
def export(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="Output file, or - for standard output.")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="Output format: " + ", ".join(EXPORTERS) + ".")
    ] = "jsonl",
) -> None:
    """Export every case: canonical JSONL (lossless), CSV, or schema.org ClaimReview JSON-LD."""
    service = _open(ctx)
    if path == "-":
        count = service.export(sys.stdout, fmt)
    else:
        count = service.export_to_path(Path(path), fmt)
        err_console.print(render.safe(f"exported {count:,} cases to {path} ({fmt})"))


@app.command()
def show(
    ctx: typer.Context,
    case_id: Annotated[str, typer.Argument(metavar="ID", help="The case id (or case URL).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the case as JSON.")] = False,
) -> None:
    """Show one case: claim, disproof, appearances, keywords, evidence, related cases."""
    service = _open(ctx)
    case = service.get(case_id)
    if as_json:
        print(case.model_dump_json(indent=2))
    else:
        console.print(render.case_panel(case, service.narrative_names()))


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None


@app.command()
def search(
    ctx: typer.Context,
    text: Annotated[
        str, typer.Argument(help="Words to look for in title, claim and disproof.")
    ] = "",
    keyword: Annotated[
        list[str] | None, typer.Option("--keyword", "-k", help="Has this keyword (repeatable).")
    ] = None,
    country: Annotated[
        list[str] | None,
        typer.Option("--country", "-c", help="About this country (name or code; repeatable)."),
    ] = None,
    language: Annotated[
        list[str] | None,
        typer.Option("--language", "-l", help="In this language (name or code; repeatable)."),
    ] = None,
    outlet: Annotated[
        list[str] | None,
        typer.Option(
            "--outlet", "-o", help="Appeared in an outlet whose name contains this (repeatable)."
        ),
    ] = None,
    narrative: Annotated[
        list[str] | None,
        typer.Option("--narrative", help="Advances this narrative id (repeatable)."),
    ] = None,
    dataset: Annotated[str | None, typer.Option(help="From this source dataset.")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="On or after YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="On or before YYYY-MM-DD.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Results per page.")] = 20,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many results.")] = 0,
    as_json: Annotated[
        bool, typer.Option("--json", help='Print {"total", "offset", "results"} as JSON.')
    ] = False,
) -> None:
    """Search cases by words and filters; filters of one kind repeated must all hold."""
    query = CaseQuery(
        text=text,
        keywords=keyword or [],
        countries=country or [],
        languages=language or [],
        outlets=outlet or [],
        narratives=narrative or [],
        dataset=dataset,
        date_from=_date(date_from, "--from"),
        date_to=_date(date_to, "--to"),
        limit=limit,
        offset=offset,
    )
    page = _open(ctx).search(query)
    if as_json:
        print(page.model_dump_json(indent=2))
    else:
        console.print(render.search_table(page, text))


def _progress_bar(label: str, enabled: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not enabled or not err_console.is_terminal,
    )


def _matcher(service: Disproof, backend: str | None, show_progress: bool) -> Matcher:
    with _progress_bar("", show_progress) as bar:
        task = bar.add_task("encoding cases", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return service.matcher(backend, progress=advance)


BACKEND_HELP = "Embedding backend: e5 (default) or use; falls back to the other if it cannot load."
BAND_HELP = (
    "Lowest band to list: none, suggested or confirmed (default: none for a single claim, "
    "suggested for longer texts)."
)


def _match_line(item_id: object, result: MatchResult) -> str:
    matches = [
        m.model_dump(
            mode="json",
            include={"case_id", "score", "band", "title", "date", "outlets", "span", "why"},
        )
        for m in result.matches
    ]
    return json.dumps({"id": item_id, "matches": matches}, ensure_ascii=False)


def _jsonl_inputs() -> list[tuple[object, str]]:
    items: list[tuple[object, str]] = []
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise DisproofError(f"stdin, line {number}: malformed JSON: {exc}") from None
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise DisproofError(f'stdin, line {number}: expected {{"id": …, "text": "…"}}')
        items.append((item.get("id"), item["text"]))
    return items


@app.command()
def match(
    ctx: typer.Context,
    text: Annotated[str | None, typer.Argument(help="The text to check.")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="Check the text of this file.")
    ] = None,
    jsonl: Annotated[
        bool,
        typer.Option(
            "--jsonl",
            help='Batch: read {"id", "text"} lines on stdin, write '
            '{"id", "matches"} lines on stdout.',
        ),
    ] = False,
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=100, help="Matches per claim.")] = 5,
    min_band: Annotated[str | None, typer.Option("--min-band", help=BAND_HELP)] = None,
    backend: Annotated[str | None, typer.Option("--backend", help=BACKEND_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Which known cases does a text repeat? A sentence, a post or a whole article.

    Long texts are split into sentences; boilerplate is skipped and each claim-like sentence is
    matched. Each match has a calibrated score and a band: confirmed, suggested or none.
    """
    sources = (text is not None) + (file is not None) + jsonl
    if sources != 1:
        raise typer.BadParameter("give exactly one of TEXT, --file PATH or --jsonl")
    if min_band not in (None, "none", "suggested", "confirmed"):
        raise typer.BadParameter("choose none, suggested or confirmed", param_hint="--min-band")
    band = cast(Band | None, min_band)
    service = _open(ctx)
    if jsonl:
        items = _jsonl_inputs()
        matcher = _matcher(service, backend, show_progress=True)
        for start in range(0, len(items), 64):
            chunk = items[start : start + 64]
            results = matcher.match_many([t for _, t in chunk], top_k=top_k, min_band=band)
            for (item_id, _), result in zip(chunk, results, strict=True):
                print(_match_line(item_id, result), flush=True)
        return
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DisproofError(f"{file}: cannot read it as UTF-8 text: {exc}") from None
    assert text is not None
    result = _matcher(service, backend, show_progress=not as_json).match(
        text, top_k=top_k, min_band=band
    )
    if as_json:
        print(result.model_dump_json(indent=2))
    else:
        render.match_report(console, result)


@app.command()
def index(
    ctx: typer.Context,
    backend: Annotated[str | None, typer.Option("--backend", help=BACKEND_HELP)] = None,
) -> None:
    """Build or refresh the matching index (encodes new and changed cases; resumable)."""
    service = _open(ctx)
    matcher = _matcher(service, backend, show_progress=True)
    model = matcher.embedder.model_id if matcher.embedder else "none (BM25 only)"
    for note in matcher.notes:
        err_console.print(render.safe(f"note: {note}"))
    console.print(
        render.safe(f"index ready: {len(matcher.index):,} cases, embedding model {model}")
    )


@app.command()
def stats(
    ctx: typer.Context,
    top: Annotated[int, typer.Option(min=1, max=500, help="Rows per table.")] = 15,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Counts of cases by year, keyword, country, language, outlet and dataset."""
    service = _open(ctx)
    result = service.stats(top)
    if as_json:
        print(result.model_dump_json(indent=2))
        return
    size = service.database_size()
    console.print(
        render.safe(
            f"{result.cases:,} cases, {result.appearances:,} appearances"
            + (f", {size / 1e6:.1f} MB on disk" if size else "")
        )
    )
    for table in render.stats_tables(result):
        console.print(table)


@app.command()
def demo(
    ctx: typer.Context,
    force: Annotated[
        bool,
        typer.Option("--force", help="Add the demo cases even to a database holding other cases."),
    ] = False,
) -> None:
    """Load the project's demo cases into the database and show a first look around."""
    service = _open(ctx)
    others = service.non_demo_count()
    if others and not force:
        raise DisproofError(
            f"the database {_settings(ctx).db} already holds {others:,} other cases; "
            "the demo would mix its cases into them. Use another database "
            "(disproof --db demo.db demo) or --force."
        )
    report = service.load_demo()
    console.print(render.safe(f"Demo database: {_settings(ctx).db}"))
    render.import_summary(console, report)
    for table in render.stats_tables(service.stats(5))[1:3]:
        console.print(table)
    example = "colour revolution"
    page = service.search(CaseQuery(text=example, dataset=DEMO_DATASET, limit=3))
    console.print(render.search_table(page, example))
    if page.results:
        console.print(render.case_panel(page.results[0], service.narrative_names()))
    console.print(Text("\nA first check — a post in German:", style="bold"))
    console.print(render.safe(f"  {DEMO_CHECK}"))
    check = _matcher(service, None, show_progress=True).match(DEMO_CHECK)
    render.match_report(console, check)
    console.print(
        '\nNext: `disproof match "…"` or `disproof match --file article.txt`, '
        "`disproof search --keyword MH17`, `disproof show ID`, `disproof stats`.",
        markup=False,
    )


app.command("trends")(cli_trends.trends)
app.command("emerging")(cli_trends.emerging)

token_app = typer.Typer(
    help="API tokens: who may read, edit (editor) or also delete (admin) cases over the API.",
    no_args_is_help=True,
)
app.add_typer(token_app, name="token")
app.add_typer(cli_narratives.app, name="narratives")


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="Who or what uses the token.")],
    role: Annotated[Role, typer.Option("--role", help="viewer, editor or admin.")],
    expires_days: Annotated[
        int | None, typer.Option("--expires-days", min=1, help="Expire after N days.")
    ] = None,
) -> None:
    """Make a token and print it — the only time it is shown (only its hash is stored)."""
    token = _open(ctx).tokens.create(name, role, expires_in_days=expires_days)
    print(token)
    err_console.print(
        render.safe(
            f"token {name!r} ({role.value}) created. Store it now: it cannot be shown again. "
            "Send it as 'Authorization: Bearer <token>'."
        ),
        style="yellow",
    )


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else "—"


def _token_status(info: TokenInfo, now: dt.datetime) -> str:
    if info.revoked_at is not None:
        return "revoked"
    return "active" if info.active(now) else "expired"


@token_app.command("list")
def token_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the tokens as JSON.")] = False,
) -> None:
    """List tokens (never their secrets): role, status, when made, expires, last used."""
    tokens = _open(ctx).tokens.list()
    if as_json:
        print(json.dumps([t.model_dump(mode="json") for t in tokens], indent=2))
        return
    now = dt.datetime.now(dt.UTC)
    rows = [
        [t.name, t.role, _token_status(t, now), t.created_at, t.expires_at, t.last_used_at]
        for t in tokens
    ]
    if not rows:
        console.print("no tokens yet (disproof token create --name NAME --role ROLE)")
        return
    table = Table("name", "role", "status", "created", "expires", "last used")
    for row in rows:
        table.add_row(*[render.safe(_when(v) if not isinstance(v, str) else v) for v in row])
    console.print(table)


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The token's name.")],
) -> None:
    """Revoke the token(s) of that name; they stop working at once."""
    count = _open(ctx).tokens.revoke(name)
    if count == 0:
        raise DisproofError(f"no token named {name!r} to revoke (see disproof token list)")
    console.print(render.safe(f"revoked {count} token(s) named {name!r}"))


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port (default 8000).")] = None,
) -> None:
    """Run the web pages and the REST API (/api/v1, docs at /docs).

    Refuses to listen beyond this machine (a non-loopback --host) until an admin token exists,
    and to start with public reading off (DISPROOF_PUBLIC_READ=false) until any token exists.
    """
    changes = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = _settings(ctx).model_copy(update=changes)
    service = Disproof.open(settings)
    refusal = serve_refusal(settings, service.tokens)
    if refusal:
        raise DisproofError(refusal)
    run_server(service)


#: The demo's first check: a post in German repeating a known claim in other words.
DEMO_CHECK = (
    "Unglaublich: Das Pentagon finanziert in der Ukraine geheime Labore, in denen an "
    "biologischen Waffen gegen Russland geforscht wird."
)


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app, turning domain errors into one clear line and exit code 1."""
    try:
        app(args=argv, prog_name="disproof")
    except DisproofError as exc:
        err_console.print(render.safe(f"error: {exc}"), style="red")
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("interrupted; nothing half-written was kept")
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
