"""What an analyst sees when real articles are checked against a real case database.

    python -m benchmarks.real_articles --db DB [--languages EN] [--out matches.jsonl]
    python -m benchmarks.real_articles --db DB --labels benchmarks/data/real_article_labels.tsv

Every news document of the shared SemEval-2025 Task 10 folders (the Ukraine-war domain: file
names with ``_UA_``; real articles of 2022–2024, many from pro-Kremlin sites) is checked with
``Disproof.match`` exactly as ``disproof match --file`` does, against the database given (the
README's real-data example: both EUvsDisinfo files imported and indexed). Each listed case is
written as one row: document, band, score, the first passage's offsets, the case and the
matcher's evidence (``--out``). Nothing here knows which answers are right.

With ``--labels`` (a TSV of document, passage start, passage end, case id, label 1/0, labelled
under the rule in ``benchmarks/data/real_article_labels.md``), the listed cases are scored:
how many of each band were labelled, and the precision of each band among them, with a 95 %
bootstrap interval over documents. Unlabelled rows are counted, never guessed.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from disproof.service import Disproof
from disproof.settings import Settings

SEMEVAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "semeval2025_t10"
LABELS = Path(__file__).resolve().parent / "data" / "real_article_labels.tsv"


def documents(languages: list[str]) -> Iterator[tuple[str, str]]:
    """(document id, text) of every Ukraine-war document of the given folders, by name."""
    for language in languages:
        folder = SEMEVAL / language / "raw-documents"
        for path in sorted(folder.glob("*_UA_*.txt")):
            yield path.name, path.read_text(encoding="utf-8")


def listed(service: Disproof, languages: list[str]) -> Iterator[dict[str, Any]]:
    """One row per case listed for each document."""
    for doc, text in documents(languages):
        result = service.match(text)
        for match in result.matches:
            yield {
                "doc": doc,
                "start": match.span.start,
                "end": match.span.end,
                "case_id": match.case_id,
                "band": match.band,
                "score": round(match.score, 4),
                "article": result.article,
                "spans": len(match.spans or [match.span]),
                "why": match.why.model_dump(),
            }


def read_labels(path: Path) -> dict[tuple[str, int, int, str], int]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return {
            (row["doc"], int(row["start"]), int(row["end"]), row["case_id"]): int(row["label"])
            for row in rows
        }


def precision(rows: list[dict[str, Any]], labels: dict[tuple[str, int, int, str], int]) -> None:
    """Per band: listed, labelled, right, precision and a bootstrap interval over documents."""
    print("| band | listed | labelled | right | precision (95 % over documents) |")
    print("|---|---:|---:|---:|---|")
    for band in ("confirmed", "suggested"):
        chosen = [r for r in rows if r["band"] == band]
        judged = [
            (r["doc"], labels[key])
            for r in chosen
            if (key := (r["doc"], r["start"], r["end"], r["case_id"])) in labels
        ]
        right = sum(label for _, label in judged)
        value = right / len(judged) if judged else float("nan")
        low, high = _interval(judged)
        print(
            f"| {band} | {len(chosen)} | {len(judged)} | {right} | "
            f"{value:.2f} ({low:.2f}–{high:.2f}) |"
        )


def _interval(judged: list[tuple[str, int]], rounds: int = 2000) -> tuple[float, float]:
    by_doc: dict[str, list[int]] = {}
    for doc, label in judged:
        by_doc.setdefault(doc, []).append(label)
    docs = list(by_doc)
    if not docs:
        return float("nan"), float("nan")
    rng = random.Random(7)
    values = []
    for _ in range(rounds):
        sample = [label for _ in docs for label in by_doc[rng.choice(docs)]]
        values.append(sum(sample) / len(sample))
    values.sort()
    return values[int(0.025 * rounds)], values[int(0.975 * rounds) - 1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="the case database (imported and indexed)")
    parser.add_argument("--languages", nargs="+", default=["EN"], help="SemEval folders")
    parser.add_argument("--out", type=Path, help="write the listed cases as JSONL here")
    parser.add_argument("--labels", type=Path, default=None, help="score against these labels")
    args = parser.parse_args(argv)
    service = Disproof.open(Settings(db=args.db))
    rows = []
    out = args.out.open("w", encoding="utf-8") if args.out else None
    for row in listed(service, args.languages):
        rows.append(row)
        if out is not None:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    if out is not None:
        out.close()
    docs = sum(1 for _ in documents(args.languages))
    print(f"{docs} documents, {len(rows)} listed cases", file=sys.stderr)
    if args.labels is not None:
        precision(rows, read_labels(args.labels))


if __name__ == "__main__":
    main()
