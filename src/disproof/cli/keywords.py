"""`disproof keywords …`: train a keyword model on the cases, suggest keywords for texts."""

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from disproof.cli.common import (
    err_console,
    open_service,
    parse_date,
    read_jsonl_stdin,
    settings_of,
)
from disproof.cli.progress import StepProgress, progress_bar
from disproof.errors import DisproofError

if TYPE_CHECKING:
    from disproof.embed import Embedder

app = typer.Typer(
    help="Keyword suggestion: train a model on the cases' keywords, suggest keywords for texts.",
    no_args_is_help=True,
)

BACKEND_HELP = "Embedding backend: e5 (default) or use."
OUT_HELP = "Folder of the model (default: beside the database, DB.keywords)."
#: ``KeywordOptions().min_count``, spelled out so that the help needs no model code.
MIN_COUNT = 5


def _embedder(backend: str | None) -> "tuple[Embedder, str | None]":
    """The embedder and the backend name to record (None: the default, whichever loads)."""
    from disproof.embed import DEFAULT_BACKEND, load_embedder

    embedder, notes = load_embedder(backend, fallback=backend is None)
    for note in notes:
        err_console.print(note)
    if backend is None and not notes:
        backend = DEFAULT_BACKEND
    return embedder, backend


def _model_dir(ctx: typer.Context, given: Path | None) -> Path:
    folder = given or settings_of(ctx).keywords_dir()
    if folder is None:
        raise DisproofError("the database is not a file: pass --out / --model with a folder")
    return folder


@app.command("train")
def train_command(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option("--out", help=OUT_HELP)] = None,
    min_count: Annotated[
        int, typer.Option("--min-count", min=1, help="Leave out keywords of fewer cases.")
    ] = MIN_COUNT,
    until: Annotated[
        str | None, typer.Option("--until", help="Train on cases dated on or before YYYY-MM-DD.")
    ] = None,
    backend: Annotated[str | None, typer.Option("--backend", help=BACKEND_HELP)] = None,
) -> None:
    """Train on the cases' title and summary (text) and keywords (labels).

    Thresholds are calibrated on the newest 10 % of the cases, held out while the scorers are
    first fitted; the saved model is then refitted on every case.
    """
    from disproof.keywords import KeywordOptions, save_model, train_from_store

    until_date = parse_date(until, "--until")
    folder = _model_dir(ctx, out)
    service = open_service(ctx)
    options = KeywordOptions(min_count=min_count)
    embedder, name = _embedder(backend)
    with progress_bar() as bar:
        advance = StepProgress(bar, "encoding cases")
        model = train_from_store(
            service.store, embedder, options, until=until_date, backend=name, progress=advance
        )
    save_model(model, folder)
    err_console.print(
        f"trained on {model.meta['cases']} cases ({model.meta['calibration_cases']} newest for "
        f"calibration): {model.learnt_count} keywords of {min_count}+ cases, "
        f"{len(model.labels) - model.learnt_count} rarer ones by name → {folder}"
    )


@app.command("suggest")
def suggest_command(
    ctx: typer.Context,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help='Read {"id", "text"} lines on stdin, write JSON lines.')
    ] = False,
    model: Annotated[Path | None, typer.Option("--model", help=OUT_HELP)] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="At most this many keywords.")] = 10,
    backend: Annotated[str | None, typer.Option("--backend", help=BACKEND_HELP)] = None,
) -> None:
    """Predicted keywords of texts, best first, with their scores (none when none is likely)."""
    if not jsonl:
        raise typer.BadParameter("only --jsonl input is supported", param_hint="--jsonl")
    from disproof.keywords import KeywordSuggester

    folder = _model_dir(ctx, model)

    def embedder_for(recorded: str | None) -> "Embedder":
        return _embedder(backend or recorded)[0]

    suggester = KeywordSuggester.load(folder, embedder_for)
    items = read_jsonl_stdin()
    texts = [text for _, text in items]
    for (item_id, _), keywords in zip(items, suggester.suggest(texts, top), strict=True):
        line = {
            "id": item_id,
            "keywords": [{"keyword": k.keyword, "score": k.score} for k in keywords],
        }
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
