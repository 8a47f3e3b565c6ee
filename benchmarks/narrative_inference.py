"""Precision and recall of the narratives disproof infers for real cases, against a labelled sample.

    python -m benchmarks.narrative_inference [--db PATH] [--per-rule] [--no-semantic]

The cases are the rows of both EUvsDisinfo files as the product's importers read them
(``--db``: the cases of a database instead). For six narratives whose subject is unmistakable
(MH17, the Skripal poisoning, US "biolabs", chemical attacks in Syria, the 2008 war in Georgia,
Crimea) a sample of cases was labelled by hand — does the case's claim advance the narrative? —
under the rule written down in ``benchmarks/data/narrative_labels.md`` before any inference rule
was tuned.

**Sampling design.** For each narrative the *pool* is every case that (a) carries a keyword the
taxonomy lists as related to the narrative (``Narrative.keywords``: what the first version
inferred from), or (b) names the narrative's subject in its title or summary (``SUBJECTS``), or
(c) carries one of the narrative's subject keywords (``STRATA``). The pool was split into the
cases with a subject keyword and the rest, and up to 40 cases drawn from each (seed 13), 471
labels in all. Estimates are stratified (post-stratified by the current database's membership),
so precision and recall hold for the whole pool, not only the sample: a rule's precision is
its estimated true positives over the cases it flags in the pool, recall the same over the
estimated positives of the pool. Positives outside the pool (a case with none of the related
keywords whose title and summary do not name the subject) are not counted, so recall is an
upper bound. 95 % intervals come from a stratified bootstrap of the labels.

**Held-out sample.** The first sample shaped the rules (v2) and the semantic check (v3), so
its figures are training figures. A second sample of the four narratives that missed the target
(``benchmarks/data/narrative_labels_heldout.jsonl``, drawn by ``benchmarks.narrative_sample``
from the same pools, none of the first sample's cases) was labelled under the same rule before
v3 was designed; its table is the held-out figure.

**v3** adds the semantic check (``disproof.narratives.semantic``) on the case vectors the match
index would store (title and claim summary, e5 document side), encoded once and cached by
``benchmarks.narrative_vectors`` (``--no-semantic``: skip it, no encoder needed); its claims
and foils are kept in ``benchmarks/data/narrative_claims_v3.json`` and encoded here.

**v4** (shipped) has more foils and one margin per narrative learned from the first two samples
(``benchmarks.narrative_margins``). A **third sample** (``narrative_labels_fresh.jsonl``, drawn
by ``benchmarks.narrative_sample --fresh``, labelled and committed before v4 was designed) is
its test: nothing was fitted on it.

**v5** (shipped) requires, for Syria chemical attacks and Georgia 2008, that the case's text
names the narrative's subject (``disproof.narratives.subject``), chosen by cross-validation on
the first three samples (``benchmarks.narrative_subject``). A **fourth sample**
(``narrative_labels_fourth.jsonl``, ``benchmarks.narrative_sample --fourth``, labelled under the
amended rule and committed before v5 was scored) is its test. Each sample's v5 row also gives
the raw counts of its labelled cases and Wilson 95 % intervals on them.

Labels are keyed by a digest of the case's normalised title and date (``case_key``), so they
carry no text of the data. Rows are scored as read, before the import folds rows of one claim
into one case (a merged case has the full case's title, so an index row's label would not find
it); a merged case holds the union of both rows' keywords and the full case's text, which the
rules only gain from.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.narrative_vectors import VectorCache, field_texts
from disproof.models import Case
from disproof.narratives.mapping import KeywordMapping, builtin_mapping, claim_text
from disproof.narratives.taxonomy import builtin_taxonomy
from disproof.normalize import keyword_key

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "euvsdisinfo"
FILES = ("cases_2015_2017.csv", "case_index_2015_2019.csv")
LABELS = ROOT / "benchmarks" / "data" / "narrative_labels.jsonl"
HELDOUT = ROOT / "benchmarks" / "data" / "narrative_labels_heldout.jsonl"
FRESH = ROOT / "benchmarks" / "data" / "narrative_labels_fresh.jsonl"
FOURTH = ROOT / "benchmarks" / "data" / "narrative_labels_fourth.jsonl"
#: The margins v4 shipped where v5 changed them (v4 had no subject check), to score v4 beside v5.
V4_MARGINS = {"syria-chemical-attacks-staged": -0.0104, "georgia-2008-aggressor": 0.0081}
#: The claims and foils of v3 (one margin for all), to score v3 beside the shipped v4.
CLAIMS_V3 = ROOT / "benchmarks" / "data" / "narrative_claims_v3.json"

#: The subject of each evaluated narrative, as the pool's text criterion (title + summary).
SUBJECTS: dict[str, str] = {
    "mh17-ukraine-guilty": r"\bMH[\s-]?17\b|Malaysia(n)? Airlines|Malaysian (Boeing|plane|airliner"
    r"|aircraft)",
    "skripal-staged": r"Skripal|novichok|Amesbury",
    "us-biolabs": r"bio-?lab|biological (weapon|laborator|warfare|research)|bio-?weapon|Lugar",
    "syria-chemical-attacks-staged": r"White Helmets|Douma|Khan Shei?khoun|Ghouta|((chemical|sarin"
    r"|chlorine|gas) (weapon|attack).*(Syria|Assad|Idlib|Aleppo))|((Syria|Assad|Idlib|Aleppo).*"
    r"(chemical|sarin|chlorine|gas) (weapon|attack))",
    "georgia-2008-aggressor": r"South Ossetia|Abkhazia|Tskhinvali|Russo-Georgian|(2008|August) war"
    r"|war (in|with|against|on) Georgia|Georgian (war|aggression|attack)",
    "crimea-russian": r"Crimea|Sevastopol",
}

#: The subject keywords that split each pool into two strata when the sample was drawn.
STRATA: dict[str, list[list[str]]] = {
    "mh17-ukraine-guilty": [["MH17"]],
    "skripal-staged": [["Sergei Skripal"], ["Skripal"], ["novichok"], ["Amesbury poisoning"]],
    "us-biolabs": [["Biological weapons"], ["Lugar Laboratory"]],
    "syria-chemical-attacks-staged": [
        ["White Helmets"],
        ["Douma"],
        ["Khan Sheikhoun"],
        ["Chemical weapons/attack", "Syrian War"],
    ],
    "georgia-2008-aggressor": [
        ["Russo-Georgian War"],
        ["South Ossetia"],
        ["Abkhazia"],
        ["Georgian region of South Ossetia"],
        ["Georgian region of Abkhazia"],
    ],
    "crimea-russian": [["Crimea"], ["illegal annexation"]],
}

BOOTSTRAP = 2000


def case_key(case: Case) -> str:
    """A digest of the normalised title and the date: the label's identity of a case."""
    title = re.sub(r"\W+", " ", case.title.casefold()).strip()
    date = case.date.isoformat() if case.date else ""
    return hashlib.sha256(f"{title}|{date}".encode()).hexdigest()[:16]


def _keys(case: Case) -> set[str]:
    return {keyword_key(k) for k in case.keywords}


def _has_any(keys: set[str], groups: Iterable[Iterable[str]]) -> bool:
    return any(all(keyword_key(k) in keys for k in group) for group in groups)


@dataclass
class Unit:
    """One distinct case (by key) of a narrative's pool."""

    key: str
    stratum: int  # 0: carries a subject keyword, 1: the rest of the pool
    keywords: set[str]
    narratives: list[str]
    text: str = ""
    #: The field texts of the unit's rows (title, summary), as the match index encodes them.
    fields: list[str] = field(default_factory=list)


def pools(cases: Sequence[Case]) -> dict[str, dict[str, Unit]]:
    related = {n.id: [[k] for k in n.keywords] for n in builtin_taxonomy().narratives}
    out: dict[str, dict[str, Unit]] = {n: {} for n in SUBJECTS}
    for case in cases:
        keys = _keys(case)
        text = f"{case.title}\n{case.summary}"
        for narrative, pattern in SUBJECTS.items():
            subject = _has_any(keys, STRATA[narrative])
            if not (
                subject
                or _has_any(keys, related[narrative])
                or re.search(pattern, text, re.IGNORECASE | re.DOTALL)
            ):
                continue
            unit = out[narrative].setdefault(
                case_key(case), Unit(case_key(case), 1, set(), list(case.narratives))
            )
            unit.keywords |= {k for k in case.keywords}
            unit.text = f"{unit.text}\n{claim_text(case)}".strip()
            unit.fields += [t for t in field_texts(case).values() if t not in unit.fields]
            if subject:
                unit.stratum = 0
    return out


@dataclass
class Estimate:
    precision: float
    recall: float
    flagged: float
    p_low: float
    p_high: float
    r_low: float
    r_high: float


def estimate(
    units: dict[str, Unit],
    labels: dict[str, int],
    flags: Callable[[Unit], bool],
    seed: int = 0,
    bootstrap: int = BOOTSTRAP,
) -> Estimate:
    """Stratified precision / recall of ``flags`` over a pool, with bootstrap intervals
    (``bootstrap`` = 0: the point estimate alone, its interval NaN)."""
    rng = np.random.default_rng(seed)
    sizes = [0, 0]
    samples: list[list[tuple[int, int]]] = [[], []]  # (flagged, label) per labelled unit
    flagged_total = 0
    for unit in units.values():
        sizes[unit.stratum] += 1
        flagged_total += flags(unit)
        if unit.key in labels:
            samples[unit.stratum].append((int(flags(unit)), labels[unit.key]))

    def point(draws: list[np.ndarray]) -> tuple[float, float]:
        tp = positives = flagged = 0.0
        for size, draw in zip(sizes, draws, strict=True):
            if len(draw) == 0:
                continue
            tp += size * float((draw[:, 0] * draw[:, 1]).mean())
            positives += size * float(draw[:, 1].mean())
            flagged += size * float(draw[:, 0].mean())
        return (tp / flagged if flagged else float("nan"), tp / positives if positives else 0.0)

    arrays = [np.array(s, dtype=float).reshape(-1, 2) for s in samples]
    precision, recall = point(arrays)
    if bootstrap == 0:
        nan = float("nan")
        return Estimate(precision, recall, flagged_total, nan, nan, nan, nan)
    boots = np.array(
        [
            point([a[rng.integers(0, len(a), len(a))] if len(a) else a for a in arrays])
            for _ in range(bootstrap)
        ]
    )
    p_low, p_high = np.nanpercentile(boots[:, 0], [2.5, 97.5])
    r_low, r_high = np.nanpercentile(boots[:, 1], [2.5, 97.5])
    return Estimate(
        precision, recall, flagged_total, float(p_low), float(p_high), float(r_low), float(r_high)
    )


def first_version_flags(narrative: str) -> Callable[[Unit], bool]:
    """Version 1 of the mapping: any one related keyword implied the narrative."""
    related = next(n.keywords for n in builtin_taxonomy().narratives if n.id == narrative)
    keys = {keyword_key(k) for k in related}
    return lambda unit: bool(keys & {keyword_key(k) for k in unit.keywords})


def product_flags(
    mapping: KeywordMapping, narrative: str, vectors: VectorCache | None = None
) -> Callable[[Unit], bool]:
    """What the product shows: analysts' labels, keyword rules and their parents; with
    ``vectors``, the semantic check on the unit's field vectors too (v3)."""

    def flags(unit: Unit) -> bool:
        fields = vectors.vectors(unit.fields) if vectors is not None else None
        found = mapping.narratives(unit.narratives, unit.keywords, unit.text, fields)
        return narrative in {n.id for n in found}

    return flags


def load_labels(path: Path = LABELS) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        out.setdefault(row["narrative"], {})[row["key"]] = int(row["label"])
    return out


def load_cases(db: Path | None) -> list[Case]:
    """The cases to score: the records of both files as the product's importers read them (the
    frame the sample was drawn from: one case per row, before rows of one claim are merged),
    or the cases of a database."""
    if db is not None:
        from disproof.service import Disproof
        from disproof.settings import Settings

        return list(Disproof.open(Settings(db=str(db))).store.iter_cases())
    from disproof.io import Record, detect_importer, read_text

    out: list[Case] = []
    for name in FILES:
        path = DATA / name
        text = read_text(path)
        out += [
            r.case for r in detect_importer(path, text).read(path, text) if isinstance(r, Record)
        ]
    return out


def _cells(found: Estimate) -> str:
    return (
        f"| {found.flagged:,.0f} | {_fmt(found.precision)} ({_fmt(found.p_low)}–"
        f"{_fmt(found.p_high)}) | {_fmt(found.recall)} ({_fmt(found.r_low)}–{_fmt(found.r_high)}) "
    )


def _vectors(mapping: KeywordMapping) -> VectorCache | None:
    """The case vector cache of the claims' model (None when the claims have no vectors)."""
    from disproof.embed import load_embedder

    if mapping.claims is None:
        print("no claim vectors shipped for these claims: v3 skipped", file=sys.stderr)
        return None
    embedder, _ = load_embedder("e5", fallback=False)
    if embedder.model_id != mapping.claims.model_id:
        print(f"claim vectors are of {mapping.claims.model_id}: v3 skipped", file=sys.stderr)
        return None
    return VectorCache(embedder)


def v3_mapping(mapping: KeywordMapping, vectors: VectorCache) -> KeywordMapping:
    """The mapping of v3: its claims and foils, one margin for all."""
    from disproof.narratives.semantic import ClaimVectors, load_claims

    claims = load_claims(CLAIMS_V3.read_text(encoding="utf-8"))
    return KeywordMapping(mapping.taxonomy, ClaimVectors.encode(vectors.embedder, claims))


def v4_mapping(mapping: KeywordMapping) -> KeywordMapping | None:
    """The mapping of v4: the shipped claims with v4's margins, no subject check."""
    from dataclasses import replace

    from disproof.narratives.semantic import ClaimVectors

    claims = mapping.claims
    if claims is None:
        return None
    old = {n: replace(c, margin=V4_MARGINS.get(n, c.margin)) for n, c in claims.claims.items()}
    vectors = ClaimVectors(
        claims.model_id, old, claims.claim_vectors, claims.foil_vectors, claims.document_prefix
    )
    return KeywordMapping(mapping.taxonomy, vectors)


def wilson(hits: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``hits`` / ``total`` (NaN when total is 0)."""
    if total == 0:
        return float("nan"), float("nan")
    share = hits / total
    centre = (share + z * z / (2 * total)) / (1 + z * z / total)
    half = z * (share * (1 - share) / total + z * z / (4 * total * total)) ** 0.5
    return max(0.0, centre - half / (1 + z * z / total)), min(
        1.0, centre + half / (1 + z * z / total)
    )


def counts(units: dict[str, Unit], labels: dict[str, int], flags: Callable[[Unit], bool]) -> str:
    """Raw counts of the labelled cases and their Wilson intervals: "precision k/n (low–high),
    recall k/n (low–high)"."""
    judged = [(flags(units[k]), v) for k, v in labels.items() if k in units]
    flagged = sum(f for f, _ in judged)
    positives = sum(v for _, v in judged)
    right = sum(1 for f, v in judged if f and v)
    p_low, p_high = wilson(right, flagged)
    r_low, r_high = wilson(right, positives)
    return (
        f"P {right}/{flagged} ({_fmt(p_low)}–{_fmt(p_high)}), "
        f"R {right}/{positives} ({_fmt(r_low)}–{_fmt(r_high)})"
    )


SAMPLES = (
    ("first sample (v2/v3 designed on it; v4 fitted on it; v5 chosen on it)", LABELS),
    ("held-out sample (v4 fitted on it; v5 chosen on it)", HELDOUT),
    ("fresh sample (test of v4; v5 chosen on it)", FRESH),
    ("fourth sample (test of v5: nothing fitted or chosen on it)", FOURTH),
)


def _fmt(value: float) -> str:
    return "–" if value != value else f"{value:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="score a database's cases instead of the files")
    parser.add_argument("--per-rule", action="store_true", help="also each rule's precision")
    parser.add_argument("--no-semantic", action="store_true", help="rules only (no encoder)")
    args = parser.parse_args(argv)
    if args.db is None and not all((DATA / name).exists() for name in FILES):
        print(f"needs the EUvsDisinfo files in {DATA}", file=sys.stderr)
        return 1
    labels = load_labels()
    cases = load_cases(args.db)
    mapping = builtin_mapping()
    rule_only = KeywordMapping(mapping.taxonomy)
    vectors = None if args.no_semantic else _vectors(mapping)
    v3 = v3_mapping(mapping, vectors) if vectors is not None else None
    v4 = v4_mapping(mapping)
    by_pool = pools(cases)
    print(f"{len(cases):,} cases; {sum(len(v) for v in labels.values())} labels\n")
    for title, path in SAMPLES:
        sample = load_labels(path)
        print(f"{title}:\n")
        print(
            "| narrative | pool | labelled | v1: cases | v1 P | v1 R | v2: cases | v2 P (95 %) "
            "| v2 R (95 %) | v3: cases | v3 P (95 %) | v3 R (95 %) "
            "| v4: cases | v4 P (95 %) | v4 R (95 %) "
            "| v5: cases | v5 P (95 %) | v5 R (95 %) | v5 labelled counts (Wilson 95 %) |"
        )
        print("|---|" + "---:|" * 18 + "---|")
        for narrative, units in by_pool.items():
            mine = sample.get(narrative, {})
            if not mine:
                continue
            old = estimate(units, mine, first_version_flags(narrative))
            v2 = estimate(units, mine, product_flags(rule_only, narrative))
            row = f"| {narrative} | {len(units):,} | {sum(k in units for k in mine)} "
            row += f"| {old.flagged:,.0f} | {_fmt(old.precision)} | {_fmt(old.recall)} "
            row += _cells(v2)
            if vectors is not None and v3 is not None and v4 is not None:
                row += _cells(estimate(units, mine, product_flags(v3, narrative, vectors)))
                row += _cells(estimate(units, mine, product_flags(v4, narrative, vectors)))
                v5 = product_flags(mapping, narrative, vectors)
                row += _cells(estimate(units, mine, v5)) + f"| {counts(units, mine, v5)} "
            print(row + "|")
        print()
    if args.per_rule:
        print("\n| narrative | rule | cases | labelled | precision |")
        print("|---|---|---:|---:|---:|")
        for narrative, units in by_pool.items():
            mine = labels.get(narrative, {})
            node = next(n for n in builtin_taxonomy().narratives if n.id == narrative)
            for rule in node.implied_by:
                alone = KeywordMapping(
                    builtin_taxonomy().model_copy(
                        update={
                            "narratives": [
                                n.model_copy(update={"implied_by": [rule] if n is node else []})
                                for n in builtin_taxonomy().narratives
                            ]
                        }
                    )
                )
                hit = [u for u in units.values() if product_flags(alone, narrative)(u)]
                judged = [mine[u.key] for u in hit if u.key in mine]
                share = sum(judged) / len(judged) if judged else float("nan")
                print(
                    f"| {narrative} | {' + '.join(rule.keywords)} | {len(hit)} "
                    f"| {len(judged)} | {_fmt(share)} |"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
