"""`disproof narratives …`: train a narrative classifier and classify texts with it."""

from __future__ import annotations

import enum
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from disproof.cli.common import console, err_console, open_service, read_jsonl_stdin
from disproof.cli.progress import RateColumn
from disproof.render import taxonomy_tree

if TYPE_CHECKING:  # the models are imported by the commands that use them (fast start-up)
    from disproof.narratives.classify import LabelScore
    from disproof.narratives.features import FeatureSet

app = typer.Typer(
    help="Narratives: show a taxonomy; train a classifier on labelled documents, classify texts.",
    no_args_is_help=True,
)


@dataclass
class StageProgress:
    """Training's progress (stage, done, total): a bar with rate and ETA per stage on a
    terminal, and one line per finished stage with its time in any case."""

    bar: Progress
    tasks: dict[str, TaskID] = field(default_factory=dict)
    started: dict[str, float] = field(default_factory=dict)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == "vectors from the cache":
            self.bar.console.print(f"{stage}: {done:,} of {total:,} texts")
            return
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(stage, total=total)
            self.started[stage] = time.perf_counter()
        self.bar.update(self.tasks[stage], completed=done, total=total)
        if done >= total:
            seconds = time.perf_counter() - self.started[stage]
            timed = stage == "embedding" and seconds > 0 and done > 0
            rate = f", {done / seconds:.1f}/s" if timed else ""
            unit = {"embedding": " chunks", "TF-IDF": ""}.get(stage, " fits")
            self.bar.console.print(f"{stage}: {done:,}{unit} in {seconds:.0f} s{rate}")


def stage_progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )


class Features(enum.StrEnum):
    e5_tfidf = "e5+tfidf"
    e5 = "e5"


class TaxonomyFormat(enum.StrEnum):
    disproof = "disproof"
    semeval = "semeval"


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
            "inferred from their keywords and text under the shipped taxonomy).",
        ),
    ] = TrainFormat.semeval,
    features: Annotated[
        Features,
        typer.Option(
            "--features",
            help="e5+tfidf: the embedding of the lead and TF-IDF of the whole text (better within "
            "a language, slower to train); e5: the embedding alone (carries across languages).",
        ),
    ] = Features.e5_tfidf,
    l2: Annotated[
        float | None,
        typer.Option(
            "--l2",
            min=1e-6,
            help="L2 strength (default: 0.1 for e5+tfidf, 100 for e5).",
            show_default=False,
        ),
    ] = None,
    taxonomy: Annotated[
        Path | None,
        typer.Option(
            "--taxonomy",
            help="With --format semeval: the SemEval taxonomy.json whose definitions and "
            "examples are also learnt from (default: the one beside the PATH folders, if any).",
            show_default=False,
        ),
    ] = None,
    descriptions: Annotated[
        bool,
        typer.Option(
            "--descriptions/--no-descriptions",
            help="Also learn from the taxonomy's own descriptions and examples of each label "
            "(the SemEval taxonomy, or the shipped one with --format cases).",
        ),
    ] = True,
    chars: Annotated[
        bool,
        typer.Option(
            "--chars/--no-chars",
            help="e5+tfidf: character 3-5-grams beside the words in the TF-IDF half (measured: "
            "no gain on SemEval, docs/benchmarks.md).",
        ),
    ] = False,
    vector_cache: Annotated[
        Path | None,
        typer.Option(
            "--vector-cache",
            help="File of the texts' vectors kept between trainings, so retraining encodes only "
            "new or changed texts (default: beside --out, named OUT.vectors.npz).",
            show_default=False,
        ),
    ] = None,
    backend: Annotated[
        str | None,
        typer.Option(
            "--backend",
            help="Embedder: e5 (default) or use (USE multilingual v3: ~30x cheaper to encode, "
            "but on SemEval 2.6 points lower English F1 and below target on unseen Hindi; "
            "docs/benchmarks.md). The model records it; classify reads with the same one.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Train on labelled documents; scores are calibrated by 5-fold cross-validation.

    An e5+tfidf model also holds an embedding-only model, which classifies texts whose words
    the training vocabulary barely knows (coverage below 0.7: e.g. a language absent from
    training). A progress bar per stage shows rate and ETA on a terminal. Encoding the texts
    is the slow stage; their vectors are kept in --vector-cache for the next training."""
    from disproof.embed import load_embedder
    from disproof.narratives.pipeline import (
        check_output,
        default_options,
        train_cases,
        train_semeval,
    )
    from disproof.narratives.semeval import load_semeval_taxonomy, taxonomy_beside
    from disproof.narratives.vectors import cache_beside

    check_output(out)
    if taxonomy is not None and format_ is TrainFormat.cases:
        raise typer.BadParameter(
            "--format cases learns the shipped taxonomy's narratives", param_hint="--taxonomy"
        )
    if taxonomy is not None and not descriptions:
        raise typer.BadParameter(
            "--taxonomy is read only for its descriptions", param_hint="--no-descriptions"
        )
    embedder, notes = load_embedder(backend)
    for note in notes:
        err_console.print(note)
    chosen: FeatureSet = "e5+tfidf" if features is Features.e5_tfidf else "e5"
    cache = vector_cache or cache_beside(out)
    options = default_options(chosen)
    if l2 is not None:
        options = replace(options, l2=l2)
    if format_ is TrainFormat.cases:
        if paths:
            raise typer.BadParameter(
                "--format cases trains on the database; import files first (disproof import)",
                param_hint="PATH",
            )
        service = open_service(ctx)
        err_console.print(f"reading {service.count():,} cases…")
        with stage_progress() as bar:
            trained = train_cases(
                service.store.iter_cases(),
                embedder,
                options,
                features=chosen,
                descriptions=descriptions,
                progress=StageProgress(bar),
                chars=chars,
                vector_cache=cache,
            )
    else:
        if not paths:
            raise typer.BadParameter("give at least one SemEval folder", param_hint="PATH")
        source = taxonomy or (taxonomy_beside(paths) if descriptions else None)
        chosen_taxonomy = load_semeval_taxonomy(source) if source else None
        if descriptions and source is None:
            err_console.print("no taxonomy.json beside the folders: learning from documents only")
        with stage_progress() as bar:
            trained = train_semeval(
                paths,
                embedder,
                options,
                features=chosen,
                taxonomy=chosen_taxonomy,
                progress=StageProgress(bar),
                chars=chars,
                vector_cache=cache,
            )
    trained.save(out)
    model = trained.model
    texts = model.meta.get("taxonomy_texts") or 0
    err_console.print(
        f"trained on {model.meta['documents']} documents"
        + (f" and {texts} taxonomy descriptions" if texts else "")
        + f" ({chosen}): "
        f"{len(model.narratives)} narratives, {len(model.subnarratives)} subnarratives → {out}"
    )


@app.command("taxonomy")
def taxonomy_command(
    path: Annotated[
        Path | None,
        typer.Argument(
            metavar="[FILE]",
            help="A taxonomy file (default: the shipped taxonomy).",
            show_default=False,
        ),
    ] = None,
    format_: Annotated[
        TaxonomyFormat,
        typer.Option(
            "--format",
            help="disproof: the project's JSON ({id, name, narratives: [{id, name, parent, "
            "description, examples, keywords}]}). semeval: a SemEval-2025 Task 10 "
            "taxonomy.json, with the definitions CSVs beside it.",
        ),
    ] = TaxonomyFormat.disproof,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print it as the project's JSON (to edit or keep).")
    ] = False,
) -> None:
    """Show a narrative taxonomy as a tree, checked as it is read, or convert it to JSON."""
    from disproof.narratives.semeval import load_semeval_taxonomy
    from disproof.narratives.taxonomy import builtin_taxonomy, load_taxonomy

    if path is None:
        if format_ is TaxonomyFormat.semeval:
            raise typer.BadParameter("give the SemEval taxonomy.json", param_hint="FILE")
        taxonomy = builtin_taxonomy()
    elif format_ is TaxonomyFormat.semeval:
        taxonomy = load_semeval_taxonomy(path)
    else:
        taxonomy = load_taxonomy(path)
    if as_json:
        sys.stdout.write(taxonomy.model_dump_json(indent=2) + "\n")
    else:
        console.print(taxonomy_tree(taxonomy))


def _scores(items: tuple[LabelScore, ...]) -> list[dict[str, object]]:
    return [{"label": item.label, "score": item.score} for item in items]


@app.command("classify")
def classify_command(
    model: Annotated[Path, typer.Option("--model", help="Folder written by `narratives train`.")],
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help='Read {"id", "text"} lines on stdin, write JSON lines.')
    ] = False,
    backend: Annotated[
        str | None,
        typer.Option(
            "--backend",
            help="Embedder (e5, use); default: the one the model was trained with (recorded in "
            "its meta.json), never another one in its place.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Predicted narratives and subnarratives of texts ("Other" when none fits)."""
    if not jsonl:
        raise typer.BadParameter("only --jsonl input is supported", param_hint="--jsonl")
    from disproof.narratives.pipeline import NarrativeClassifier

    classifier, notes = NarrativeClassifier.open(model, backend)
    for note in notes:
        err_console.print(note)
    items = read_jsonl_stdin()
    ids, texts = [i for i, _ in items], [t for _, t in items]
    predictions, routed = classifier.classify_rows(texts)
    if routed.any():
        languages = Counter(
            code for code, moved in zip(classifier.languages(texts), routed, strict=True) if moved
        )
        counts = ", ".join(f"{code} {n}" for code, n in languages.most_common())
        err_console.print(
            f"note: {int(routed.sum())} text(s) whose words this model's vocabularies barely "
            f"know ({counts}): classified by its embedding-only model"
        )
    for item_id, prediction in zip(ids, predictions, strict=True):
        line = {
            "id": item_id,
            "narratives": _scores(prediction.narratives),
            "subnarratives": _scores(prediction.subnarratives),
        }
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
