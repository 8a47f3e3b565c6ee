"""`disproof report`: what an analyst would draft from a text, as Markdown or HTML."""

import enum
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from disproof import render
from disproof.cli.common import err_console, open_service, read_input_text, settings_of
from disproof.cli.matching import BACKEND_HELP, BAND_HELP, matcher_for, parse_band
from disproof.errors import DisproofError
from disproof.links import http_url


class ReportFormat(enum.StrEnum):
    markdown = "markdown"
    html = "html"


def database_label(db: str) -> str:
    """How a report names the database: the path, or the URL without its password."""
    if "://" not in db:
        return db
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(db).render_as_string(hide_password=True)
    except ArgumentError:
        return "a server database"


def read_text(text: str | None, file: Path | None) -> str:
    """The text to report on: TEXT, or the file (``-`` is standard input)."""
    if (text is None) == (file is None):
        raise typer.BadParameter("give exactly one of TEXT or --file PATH (--file - reads stdin)")
    if file is None:
        assert text is not None
        if not text.strip():
            raise DisproofError("the text is empty")
        return text
    content = read_input_text(file)
    if not content.strip():
        raise DisproofError(f"{'standard input' if str(file) == '-' else file} is empty")
    return content


def case_links(base_url: str | None) -> Callable[[str], str | None] | None:
    """Case id → its page on the disproof server at ``base_url`` (None: no server)."""
    if base_url is None:
        return None
    from disproof.web.urls import quote_case_id

    base = http_url(base_url)
    if base is None:
        raise typer.BadParameter("give an http(s) URL", param_hint="--base-url")
    return lambda case_id: f"{base.rstrip('/')}/cases/{quote_case_id(case_id)}"


def write_out(path: Path, content: str, force: bool) -> None:
    """Write the rendered report; an existing file is only replaced with ``force``."""
    if path.is_dir():
        raise DisproofError(f"{path} is a directory; give a file name")
    try:
        with path.open("w" if force else "x", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
    except FileExistsError:
        raise DisproofError(f"{path} exists; use --force to replace it") from None
    except OSError as exc:
        raise DisproofError(f"cannot write {path}: {exc}") from None


def report(
    ctx: typer.Context,
    text: Annotated[str | None, typer.Argument(help="The text to report on.")] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", help="Report on the text of this file (- reads standard input)."),
    ] = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="markdown or html.")
    ] = ReportFormat.markdown,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the report to this file.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --out file.")] = False,
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=100, help="Matches per claim.")] = 5,
    min_band: Annotated[str | None, typer.Option("--min-band", help=BAND_HELP)] = None,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="Also classify narratives with this trained model folder."),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Link cases to their pages on this disproof server."),
    ] = None,
    backend: Annotated[str | None, typer.Option("--backend", help=BACKEND_HELP)] = None,
) -> None:
    """A report on a text, as an analyst would draft it: the claims in it, the known cases
    they repeat with their disproofs, the narratives it advances and related cases.

    Markdown goes to standard output unless --out is given. A match is a lead, not a verdict:
    every report says what it does not say.
    """
    from disproof.narratives.pipeline import NarrativeClassifier
    from disproof.report import build_report, to_html, to_markdown

    content = read_text(text, file)
    band = parse_band(min_band)
    if out is not None and out.exists() and not force:  # say so before the matching work
        raise DisproofError(f"{out} exists; use --force to replace it")
    links = case_links(base_url)
    service = open_service(ctx)
    matcher = matcher_for(service, backend, show_progress=True)
    classifier = None
    if model is not None:
        classifier, notes = NarrativeClassifier.open(model, embedder=matcher.embedder)
        for note in notes:
            err_console.print(render.safe(f"note: {note}"))
    for note in matcher.notes:
        err_console.print(render.safe(f"note: {note}"))
    built = build_report(
        service,
        content,
        top_k=top_k,
        min_band=band,
        matcher=matcher,
        classifier=classifier,
        case_url=links,
        database=database_label(settings_of(ctx).db),
    )
    rendered = to_html(built) if fmt is ReportFormat.html else to_markdown(built)
    if out is None:
        sys.stdout.write(rendered)
        return
    write_out(out, rendered, force)
    found = len(built.cases)
    summary = f"{render.count(found, 'known case')} matched" if found else "no known case"
    err_console.print(render.safe(f"report written to {out} ({fmt.value}, {summary})"))
