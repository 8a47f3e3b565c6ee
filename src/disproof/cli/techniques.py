"""`disproof techniques …`: train the persuasion-technique detector, find techniques in texts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from disproof import render
from disproof.cli.common import InputLine, console, err_console, settings_of
from disproof.cli.progress import StepProgress, progress_bar
from disproof.errors import DisproofError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from disproof.techniques import Detector
    from disproof.techniques.shown import SpanLike

app = typer.Typer(
    help="Persuasion techniques (loaded language, name calling, doubt, appeal to fear …): "
    "train the detector on labelled articles, find the techniques a text uses.",
    no_args_is_help=True,
)

#: Said with every human-readable result: these labels are a model's guesses.
MODEL_NOTE = "technique labels are model output, not an analyst's judgement"


@app.command("train")
def train_command(
    ctx: typer.Context,
    data: Annotated[
        Path,
        typer.Option(
            "--data",
            help="Folder of labelled articles: articles/LANG/ID.txt, labels.jsonl and "
            "(optional) paragraph_labels.jsonl (docs/techniques.md).",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Model file to write (default: beside the database, where `detect` finds it).",
            show_default=False,
        ),
    ] = None,
    languages: Annotated[
        str | None,
        typer.Option("--languages", help="Comma-separated languages to learn from (default: all)."),
    ] = None,
    embed: Annotated[
        bool,
        typer.Option(
            "--embed/--no-embed",
            help="Read each paragraph's e5 embedding beside its n-grams (better, and slow: "
            "every paragraph is encoded; --no-embed skips that).",
        ),
    ] = True,
) -> None:
    """Train the technique detector and save it (atomically)."""
    from disproof.techniques.corpus import read_corpus
    from disproof.techniques.model import beside_database
    from disproof.techniques.training import train

    target = out or beside_database(settings_of(ctx))
    if target is None:
        raise typer.BadParameter("a server database has no folder: give --out", param_hint="--out")
    wanted = [lang.strip() for lang in languages.split(",") if lang.strip()] if languages else None
    articles = read_corpus(data, wanted)
    if not articles:
        raise DisproofError(f"{data}: no articles" + (f" in {languages}" if languages else ""))
    paragraphs = sum(len(a.paragraphs) for a in articles)
    err_console.print(
        render.safe(f"learning from {len(articles):,} articles, {paragraphs:,} paragraphs")
    )
    with progress_bar() as bar:
        steps: dict[str, StepProgress] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in steps:
                steps[stage] = StepProgress(bar, stage)
            steps[stage](done, total)

        model = train(articles, embed=embed, progress=progress)
    model.save(target)
    console.print(render.safe(f"saved the technique model to {target} ({model.trained_on})"))


def _detector(ctx: typer.Context, model_path: Path | None) -> Detector:
    from disproof.techniques import Detector
    from disproof.techniques.model import model_for

    return Detector(model_for(settings_of(ctx), model_path))


ModelOption = Annotated[
    Path | None,
    typer.Option(
        "--model",
        help="Model file (default: the one trained beside the database, else the shipped one).",
        show_default=False,
    ),
]


@app.command("detect")
def detect_command(
    ctx: typer.Context,
    text: Annotated[str | None, typer.Argument(help="Text to read.", show_default=False)] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", help="Read the text from this UTF-8 file.", show_default=False),
    ] = None,
    jsonl: Annotated[
        bool,
        typer.Option(
            "--jsonl",
            help='Read {"id", "text"} lines on stdin, write {"id", "techniques": [{"technique", '
            '"start", "end", "score"}]} lines (a bad line gets {"id", "line", "error"}; exit 1 '
            "at the end if any).",
        ),
    ] = False,
    model: ModelOption = None,
) -> None:
    """Find the persuasion techniques a text uses, as character spans."""
    if (text is not None) + (file is not None) + jsonl != 1:
        raise typer.BadParameter("give exactly one of TEXT, --file PATH or --jsonl")
    detector = _detector(ctx, model)
    if jsonl:
        _detect_jsonl(detector)
        return
    if file is not None:
        from disproof.techniques.corpus import read_text

        text = read_text(file)
    assert text is not None
    print_spans(text, detector.detect(text))


def print_spans(text: str, spans: Sequence[SpanLike]) -> None:
    from disproof.techniques import technique_info

    if not spans:
        console.print("no persuasion technique found")
    for span in spans:
        info = technique_info(span.technique)
        fragment = " ".join(text[span.start : span.end].split())
        if len(fragment) > 160:
            fragment = fragment[:157] + "…"
        console.print(
            render.safe(f"{span.start}-{span.end}  {info.display} ({span.score:.2f})"),
            style="bold",
        )
        console.print(render.safe(f"    {info.definition}"), style="dim")
        console.print(render.safe(f"    “{fragment}”"))
    console.print(render.safe(f"({MODEL_NOTE})"), style="dim")


def _detect_jsonl(detector: Detector) -> None:
    from disproof.cli.batches import answer_jsonl_lines

    def answer(good: list[InputLine]) -> list[str]:
        found = detector.detect_many([line.text or "" for line in good])
        return [
            json.dumps(
                {"id": line.id, "techniques": [s.as_json() for s in spans]}, ensure_ascii=False
            )
            for line, spans in zip(good, found, strict=True)
        ]

    answer_jsonl_lines("reading texts", 32, answer, "read")
