"""Matching commands: match a text against the cases, build the index."""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from disproof import render
from disproof.cli.common import (
    InputLine,
    console,
    err_console,
    open_service,
    read_input_text,
)
from disproof.cli.progress import AHEAD_HINT, IndexProgress, StepProgress, progress_bar
from disproof.errors import DisproofError

if TYPE_CHECKING:
    from disproof.match.calibration import Band
    from disproof.match.matcher import Matcher
    from disproof.models import MatchResult
    from disproof.service import Disproof


def matcher_for(
    service: "Disproof", backend: str | None, show_progress: bool, hint: str = AHEAD_HINT
) -> "Matcher":
    """The matcher for the cases. An index that must be built first is said on stderr (one
    line, whatever ``show_progress``), then shown with rate and ETA while texts are encoded.
    The default backend's matcher becomes the service's shared one (related cases use it)."""
    with progress_bar(show_progress) as bar:
        progress = IndexProgress(bar, hint)
        if backend in (None, service.settings.embedder):
            return service.matchers.get(progress=progress)
        return service.matcher(backend, progress=progress)


BACKEND_HELP = "Embedding backend: e5 (default) or use; falls back to the other if it cannot load."
BAND_HELP = (
    "Lowest band to list: none, suggested or confirmed (default: none for a single claim or "
    "post; for an article, only the cases that pass the article rule)."
)


def parse_band(value: str | None) -> "Band | None":
    """The ``--min-band`` value (a usage error, exit 2, for anything but the three bands)."""
    if value not in (None, "none", "suggested", "confirmed"):
        raise typer.BadParameter("choose none, suggested or confirmed", param_hint="--min-band")
    return cast("Band | None", value)


def _match_line(item_id: object, result: "MatchResult") -> str:
    matches = [
        m.model_dump(
            mode="json",
            include={"case_id", "score", "band", "title", "date", "outlets", "span", "why"},
        )
        for m in result.matches
    ]
    return json.dumps({"id": item_id, "matches": matches}, ensure_ascii=False)


def match(
    ctx: typer.Context,
    text: Annotated[str | None, typer.Argument(help="The text to check.")] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", help="Check the text of this file (- reads standard input)."),
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

    Long texts are split into sentences and clauses; boilerplate is skipped and each claim-like
    passage is matched. Each case is listed once, with a calibrated score, a band (confirmed,
    suggested or none) and the passages that repeat it.
    """
    sources = (text is not None) + (file is not None) + jsonl
    if sources != 1:
        raise typer.BadParameter("give exactly one of TEXT, --file PATH or --jsonl")
    band = parse_band(min_band)
    service = open_service(ctx)
    if jsonl:
        _match_jsonl(matcher_for(service, backend, show_progress=True), top_k, band)
        return
    if file is not None:
        text = read_input_text(file)
    assert text is not None
    if not text.strip():
        raise DisproofError(f"{file} is empty: nothing to check" if file else "the text is empty")
    matcher = matcher_for(service, backend, show_progress=not as_json)
    with progress_bar(not as_json) as bar:  # a long file: every passage is checked
        advance = StepProgress(bar, "checking passages")
        result = matcher.match(text, top_k=top_k, min_band=band, progress=advance)
    if as_json:
        print(result.model_dump_json(indent=2))
    else:
        render.match_report(console, result)


def index(
    ctx: typer.Context,
    backend: Annotated[str | None, typer.Option("--backend", help=BACKEND_HELP)] = None,
) -> None:
    """Build or refresh the matching index (encodes new and changed cases; resumable).

    Shows the cases encoded, their rate and the time left (on a terminal a bar, otherwise a
    line every 30 s); other commands that need the index build it themselves when missing."""
    service = open_service(ctx)
    matcher = matcher_for(service, backend, True, "resumable: an interrupted run goes on later")
    model = matcher.embedder.model_id if matcher.embedder else "none (BM25 only)"
    for note in matcher.notes:
        err_console.print(render.safe(f"note: {note}"))
    console.print(
        render.safe(
            f"index ready: {render.count(matcher.index.cases, 'case')}, embedding model {model}"
        )
    )


def _match_jsonl(matcher: "Matcher", top_k: int, band: "Band | None") -> None:
    """Match stdin's lines in order; a bad line gets ``{"id", "line", "error"}`` in its place
    (and a line on stderr) and the batch goes on; exit 1 at the end when any line was bad."""
    from disproof.cli.batches import answer_jsonl_lines

    def answer(good: list[InputLine]) -> list[str]:
        texts = [line.text or "" for line in good]
        results = matcher.match_many(texts, top_k=top_k, min_band=band)
        return [_match_line(line.id, r) for line, r in zip(good, results, strict=True)]

    answer_jsonl_lines("matching lines", 64, answer, "matched")
