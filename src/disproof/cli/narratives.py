"""`disproof narratives …`: train a narrative classifier and classify texts with it."""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from disproof.cli.common import err_console, open_service, read_jsonl_stdin
from disproof.embed import load_embedder
from disproof.narratives.classify import LabelScore, TrainingOptions, save_model
from disproof.narratives.pipeline import NarrativeClassifier, train_cases, train_semeval

app = typer.Typer(
    help="Narrative classification: train a model on labelled documents, classify texts.",
    no_args_is_help=True,
)


class TrainFormat(enum.StrEnum):
    semeval = "semeval"
    cases = "cases"


@app.command("train")
def train_command(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Folder to write the model into.")],
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH",
            help="SemEval language folders (…/EN, …/PT); none with --format cases.",
            show_default=False,
        ),
    ] = None,
    format_: Annotated[
        TrainFormat,
        typer.Option(
            "--format",
            help="semeval: PATHs are SemEval-2025 Task 10 folders. cases: the cases of the "
            "database (--db), labelled with the narratives they advance (their own and those "
            "their keywords imply under the shipped taxonomy).",
        ),
    ] = TrainFormat.semeval,
    l2: Annotated[
        float, typer.Option("--l2", min=1e-6, help="L2 strength.")
    ] = TrainingOptions().l2,
    backend: Annotated[str | None, typer.Option("--backend", help="Embedder (e5, use).")] = None,
) -> None:
    """Train on labelled documents; thresholds are calibrated by 5-fold cross-validation."""
    embedder, notes = load_embedder(backend)
    for note in notes:
        err_console.print(note)
    options = TrainingOptions(l2=l2)
    if format_ is TrainFormat.cases:
        if paths:
            raise typer.BadParameter(
                "--format cases trains on the database; import files first (disproof import)",
                param_hint="PATH",
            )
        service = open_service(ctx)
        err_console.print(f"reading {service.count():,} cases…")
        model = train_cases(service.store.iter_cases(), embedder, options)
    else:
        if not paths:
            raise typer.BadParameter("give at least one SemEval folder", param_hint="PATH")
        model = train_semeval(paths, embedder, options)
    save_model(model, out)
    err_console.print(
        f"trained on {model.meta['documents']} documents: {len(model.narratives)} narratives, "
        f"{len(model.subnarratives)} subnarratives → {out}"
    )


def _scores(items: tuple[LabelScore, ...]) -> list[dict[str, object]]:
    return [{"label": item.label, "score": item.score} for item in items]


@app.command("classify")
def classify_command(
    model: Annotated[Path, typer.Option("--model", help="Folder written by `narratives train`.")],
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help='Read {"id", "text"} lines on stdin, write JSON lines.')
    ] = False,
    backend: Annotated[str | None, typer.Option("--backend", help="Embedder (e5, use).")] = None,
) -> None:
    """Predicted narratives and subnarratives of texts ("Other" when none fits)."""
    if not jsonl:
        raise typer.BadParameter("only --jsonl input is supported", param_hint="--jsonl")
    embedder, notes = load_embedder(backend)
    for note in notes:
        err_console.print(note)
    classifier = NarrativeClassifier.load(model, embedder)
    items = read_jsonl_stdin()
    ids, texts = [i for i, _ in items], [t for _, t in items]
    for item_id, prediction in zip(ids, classifier.classify(texts), strict=True):
        line = {
            "id": item_id,
            "narratives": _scores(prediction.narratives),
            "subnarratives": _scores(prediction.subnarratives),
        }
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
