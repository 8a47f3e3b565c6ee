"""Commands on the case database: init, import, export, show, search, stats."""

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from disproof import render
from disproof.cli.common import (
    console,
    err_console,
    open_service,
    parse_date,
    settings_of,
)
from disproof.cli.progress import StepProgress, progress_bar
from disproof.formats import EXPORT_FORMATS, IMPORT_FORMATS
from disproof.links import public_base_url

if TYPE_CHECKING:
    from disproof.models import Case
    from disproof.service import Disproof


def init(ctx: typer.Context) -> None:
    """Create (or migrate) the database and say where it is."""
    service = open_service(ctx, create=True)
    cases = render.count(service.count(), "case")
    console.print(render.safe(f"database ready: {settings_of(ctx).db} ({cases})"))


FORMAT_HELP = "Input format: auto (detect), " + ", ".join(IMPORT_FORMATS) + "."


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

    Prints what was created, updated, left unchanged, merged (the same claim from another outlet),
    merged across sources (the same claim already stored from another file, e.g. the EUvsDisinfo
    index and full cases) and rejected, with line numbers and reasons. Importing the same file
    twice changes nothing.
    """
    service = open_service(ctx, create=True)
    reports = []
    for path in files:
        with progress_bar(not as_json) as bar:
            advance = StepProgress(bar, f"importing {path.name}")
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
                "merged_across_sources": [j.__dict__ for j in r.joined],
                "retired": r.retired,
                "ambiguous": r.ambiguous,
                "rejected": [p.__dict__ for p in r.rejected],
                "warnings": [p.__dict__ for p in r.warnings],
                "reject_report": str(r.reject_report) if r.reject_report else None,
            }
            for r in reports
        ]
        print(json.dumps(payload, ensure_ascii=False, indent=2))


def export(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="Output file, or - for standard output.")],
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help="Output format: " + ", ".join(EXPORT_FORMATS) + "."),
    ] = "jsonl",
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            metavar="URL",
            help="ClaimReview only: the public address of this disproof site "
            "(https://host[/prefix]); a case with no source URL of its own gets URL/cases/ID as "
            "its url. Default: the DISPROOF_PUBLIC_URL environment variable. Without either, "
            "such cases make the export fail (a ClaimReview needs a url).",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite PATH if it exists.")] = False,
) -> None:
    """Export every case: canonical JSONL (lossless), CSV, or schema.org ClaimReview JSON-LD.

    Never onto the database or its files (-wal, -shm, .index/ …); an existing PATH only with
    --force."""
    if base_url is not None:
        if fmt != "claimreview":
            raise typer.BadParameter("only --format claimreview has links", param_hint="--base-url")
        try:
            base_url = public_base_url(base_url)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--base-url") from None
    service = open_service(ctx)
    if path == "-":
        count = service.export(sys.stdout, fmt, base_url=base_url)
    else:
        count = service.export_to_path(Path(path), fmt, base_url=base_url, force=force)
        err_console.print(render.safe(f"exported {render.count(count, 'case')} to {path} ({fmt})"))


def show(
    ctx: typer.Context,
    case_id: Annotated[str, typer.Argument(metavar="ID", help="The case id (or case URL).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the case as JSON.")] = False,
    techniques: Annotated[
        bool,
        typer.Option(
            "--techniques",
            help="Also the persuasion techniques of its title and summary (model output; "
            "read once per text and model, then cached in the database).",
        ),
    ] = False,
) -> None:
    """Show one case: claim, disproof, appearances, keywords, evidence, related cases."""
    service = open_service(ctx)
    case = service.get(case_id)
    if techniques:
        _show_techniques(service, case, as_json)
        return
    if as_json:
        print(case.model_dump_json(indent=2))
    else:
        _print_case(service, case)


def _print_case(service: "Disproof", case: "Case") -> None:
    from disproof.narratives.mapping import builtin_mapping

    fields = None
    if builtin_mapping().may_infer(case.narratives, case.keywords):
        from disproof.narratives.stored import stored_fields

        fields = stored_fields(service.store.engine, case)
    console.print(render.case_panel(case, service.narrative_names(), fields))


def _show_techniques(service: "Disproof", case: "Case", as_json: bool) -> None:
    """The case (as ``show`` prints it) and then the techniques of its claim text."""
    from disproof.cli.techniques import print_spans
    from disproof.techniques.cached import case_result, claim_text, text_techniques

    if as_json:
        found = case_result(service.store.engine, service.settings, case)
        print(
            json.dumps(
                case.model_dump(mode="json") | {"techniques": found}, ensure_ascii=False, indent=2
            )
        )
        return
    text = claim_text(case)
    spans = text_techniques(service.store.engine, service.settings, [text])[text] if text else []
    _print_case(service, case)
    console.print(render.safe("Persuasion techniques in the title and summary:"), style="bold")
    print_spans(text, spans)


def related(
    ctx: typer.Context,
    case_id: Annotated[str, typer.Argument(metavar="ID", help="The case id (or case URL).")],
    limit: Annotated[int, typer.Option(min=1, max=100, help="How many to list.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """Cases related to one case and why: those its disproof links, names or is cited by, then
    similar claims sharing keywords and narratives."""
    from disproof.cli.matching import matcher_for

    service = open_service(ctx)
    service.get(case_id)  # an unknown id is said before any index is built
    matcher_for(service, None, show_progress=not as_json)  # similarity needs the match index
    found = service.related_cases(case_id, limit)
    if as_json:
        print(json.dumps([r.model_dump(mode="json") for r in found], ensure_ascii=False, indent=2))
    else:
        console.print(render.related_table(case_id, found))


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
        typer.Option(
            "--narrative",
            help="Advances this narrative: id, name, or words naming only it (MH17); repeatable.",
        ),
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
    from disproof.models import CaseQuery

    query = CaseQuery(
        text=text,
        keywords=keyword or [],
        countries=country or [],
        languages=language or [],
        outlets=outlet or [],
        narratives=narrative or [],
        dataset=dataset,
        date_from=parse_date(date_from, "--from"),
        date_to=parse_date(date_to, "--to"),
        limit=limit,
        offset=offset,
    )
    service = open_service(ctx)
    checked = service.check_filters(query)
    _say_resolved_narratives(query.narratives, checked.narratives)
    page = service.search(checked)
    if as_json:
        print(page.model_dump_json(indent=2))
    else:
        console.print(render.search_table(page, text))


def _say_resolved_narratives(given: list[str], ids: list[str]) -> None:
    """Which narrative words such as "MH17" were taken to mean (on stderr)."""
    from disproof.narratives.taxonomy import builtin_taxonomy

    names = {n.id: n.name for n in builtin_taxonomy().narratives}
    for value, narrative_id in zip(given, ids, strict=True):
        if value.strip().casefold() not in (
            narrative_id.casefold(),
            names.get(narrative_id, "").casefold(),
        ):
            said = f"narrative {value!r}: {names.get(narrative_id, narrative_id)} ({narrative_id})"
            err_console.print(render.safe(said))


def stats(
    ctx: typer.Context,
    top: Annotated[int, typer.Option(min=1, max=500, help="Rows per table.")] = 15,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Counts of cases by year, keyword, country, language, outlet and dataset."""
    service = open_service(ctx)
    result = service.stats(top)
    if as_json:
        print(result.model_dump_json(indent=2))
        return
    size = service.database_size()
    console.print(
        render.safe(
            f"{render.count(result.cases, 'case')}, "
            f"{render.count(result.appearances, 'appearance')}"
            + (f", {size / 1e6:.1f} MB on disk" if size else "")
        )
    )
    for table in render.stats_tables(result):
        console.print(table)
