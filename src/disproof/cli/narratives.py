"""`disproof narratives …`: train a narrative classifier and classify texts with it."""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from disproof.cli.common import err_console, read_jsonl_stdin
from disproof.embed import load_embedder
from disproof.narratives.classify import LabelScore, TrainingOptions, save_model
from disproof.narratives.pipeline import NarrativeClassifier, train_semeval

app = typer.Typer(
    help="Narrative classification: train a model on labelled documents, classify texts.",
    no_args_is_help=True,
)


class TrainFormat(enum.StrEnum):
    semeval = "semeval"


@app.command("train")
def train_command(
    paths: Annotated[list[Path], typer.Argument(help="SemEval language folders (…/EN, …/PT).")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the model into.")],
    format_: Annotated[
        TrainFormat, typer.Option("--format", help="Layout of PATH (semeval).")
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
    model = train_semeval(paths, embedder, TrainingOptions(l2=l2))
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
