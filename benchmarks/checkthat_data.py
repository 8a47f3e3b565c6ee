"""Loading the CheckThat! 2022 Task 2A files (verified claims, tweets, qrels) for evaluation."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "checkthat2022"


@dataclass(frozen=True)
class VClaim:
    id: str
    title: str
    claim: str


def load_vclaims(folder: Path = DATA) -> list[VClaim]:
    out = []
    for line in (folder / "vclaims.jsonl").read_text(encoding="utf-8").split("\n"):
        if line.strip():
            item = json.loads(line)
            out.append(VClaim(item["vclaim_id"], item.get("title") or "", item.get("vclaim") or ""))
    return out


def load_queries(name: str, folder: Path = DATA) -> dict[str, str]:
    """``train_dev`` or ``devtest`` tweets: id → text (the files are CSV-quoted TSV)."""
    with (folder / f"{name}_queries.tsv").open(encoding="utf-8", newline="") as handle:
        return {row[0]: row[1] for row in csv.reader(handle, delimiter="\t") if len(row) >= 2}


def load_qrels(name: str, folder: Path = DATA) -> dict[str, set[str]]:
    """``train``, ``dev`` or ``devtest`` relevance: query id → relevant vclaim ids."""
    qrels: dict[str, set[str]] = {}
    for line in (folder / f"{name}_qrels.tsv").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[3].strip() != "0":
            qrels.setdefault(parts[0], set()).add(parts[2])
    return qrels


def average_precision(relevant: set[str], ranked: list[str], k: int = 5) -> float:
    """AP@k as the CheckThat! scorer computes it (divided by min(|relevant|, k))."""
    if not relevant:
        return 0.0
    hits, total = 0, 0.0
    for i, doc in enumerate(ranked[:k], start=1):
        if doc in relevant:
            hits += 1
            total += hits / i
    return total / min(len(relevant), k)


def mean_average_precision(
    qrels: dict[str, set[str]], runs: dict[str, list[str]], k: int = 5
) -> float:
    return sum(average_precision(rel, runs.get(q, []), k) for q, rel in qrels.items()) / len(qrels)


def recall_at(qrels: dict[str, set[str]], runs: dict[str, list[str]], k: int) -> float:
    return sum(bool(rel & set(runs.get(q, [])[:k])) for q, rel in qrels.items()) / len(qrels)
