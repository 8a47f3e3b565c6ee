"""Loading VoxCheck's Propaganda Diary (``../shared/data/propaganda_diary``) and scoring runs.

The 68 English debunked claims (``targets.jsonl``) are imported beside the EUvsDisinfo 2015–2017
cases, so the matcher ranks within a realistic database. As
``../shared/notes/propaganda-diary-eval.md`` explains, an EUvsDisinfo case can be a right
answer for a quote although the qrels name only the diary's claims: the fine-grained task is
scored by the rank of the diary's claims among themselves (a deep list from the matcher, other
cases dropped), and how often another case is on top overall is reported beside it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "propaganda_diary"
CASES = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "euvsdisinfo" / "cases_2015_2017.csv"
)
LANGUAGES = ("en", "de", "it", "ru", "uk")
TARGET_PREFIX = "pd-"


@dataclass(frozen=True)
class Query:
    qid: str
    lang: str
    text: str
    group: str
    outlet: str = ""


def load_queries(folder: Path = DATA) -> list[Query]:
    out = []
    for line in (folder / "queries_dev.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            outlet = item.get("outlet") or ""
            out.append(Query(item["qid"], item["lang"], item["text"], item["group"], outlet))
    return out


def load_qrels(kind: str = "strict", folder: Path = DATA) -> dict[str, set[str]]:
    """``strict`` (the quote's own claim) or ``narrative`` (any claim of its narrative)."""
    name = "qrels_dev.tsv" if kind == "strict" else "qrels_dev_narrative.tsv"
    qrels: dict[str, set[str]] = defaultdict(set)
    for line in (folder / name).read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[3].strip() != "0":
            qrels[parts[0]].add(parts[2])
    return dict(qrels)


def group_folds(queries: Iterable[Query], folds: int) -> dict[str, int]:
    """A fold per quote group (all five language versions of a quote in the same fold)."""
    groups = sorted({q.group for q in queries})
    return {group: i % folds for i, group in enumerate(groups)}


@dataclass
class Scores:
    """Per-language ranking figures over the diary's claims only (other cases dropped)."""

    queries: int = 0
    r1: float = 0.0
    r5: float = 0.0
    mrr10: float = 0.0
    other_on_top: float = 0.0

    def add(self, ranked: list[str], relevant: set[str]) -> None:
        targets = [case for case in ranked if case.startswith(TARGET_PREFIX)]
        rank = next((i for i, case in enumerate(targets, 1) if case in relevant), 0)
        self.queries += 1
        self.r1 += rank == 1
        self.r5 += 0 < rank <= 5
        self.mrr10 += 1 / rank if 0 < rank <= 10 else 0.0
        self.other_on_top += bool(ranked) and not ranked[0].startswith(TARGET_PREFIX)

    def row(self) -> tuple[float, float, float, float]:
        n = max(self.queries, 1)
        return self.r1 / n, self.r5 / n, self.mrr10 / n, self.other_on_top / n


def score_runs(
    runs: dict[str, list[str]], queries: list[Query], qrels: dict[str, set[str]]
) -> dict[str, Scores]:
    """Scores per language (and ``all``) for the queries that have qrels."""
    out: dict[str, Scores] = defaultdict(Scores)
    for q in queries:
        if q.qid in qrels:
            out[q.lang].add(runs.get(q.qid, []), qrels[q.qid])
            out["all"].add(runs.get(q.qid, []), qrels[q.qid])
    return dict(out)


@dataclass(frozen=True)
class ReusePair:
    """A later case whose disproof an analyst reused from earlier cases (``earlier``)."""

    query_id: str
    text: str
    earlier: frozenset[str]


def debunk_reuse_pairs(rows: Iterable[tuple[str, str, str, str, str | None]]) -> list[ReusePair]:
    """Pairs from ``(id, title, summary, disproof, date)`` rows: cases that share a disproof text
    (whitespace and case folded, at least 40 characters) but not a title. The later case's claim
    is the query; every earlier case with that disproof is a right answer ("which debunk
    answers this?"). The query's own case is never a right answer."""
    groups: dict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
    for case_id, title, summary, disproof, date in rows:
        key = " ".join(disproof.lower().split())
        if len(key) >= 40 and date:
            groups[key].append((date, case_id, title, summary))
    pairs = []
    for members in groups.values():
        members.sort()
        seen_titles: set[str] = set()
        earlier: list[str] = []
        for _, case_id, title, summary in members:
            normalised = " ".join(title.lower().split())
            if earlier and normalised not in seen_titles:
                pairs.append(ReusePair(case_id, f"{title}\n{summary}".strip(), frozenset(earlier)))
            seen_titles.add(normalised)
            earlier.append(case_id)
    return sorted(pairs, key=lambda p: p.query_id)
