"""Draw the held-out sample of inferred-narrative labels (seeded), and show it for labelling.

    python -m benchmarks.narrative_sample [--fresh] [--show]

The first sample (``benchmarks/data/narrative_labels.jsonl``) shaped the keyword rules and the
semantic check, so figures on it are training figures. This draws a second one for the four
narratives that missed the target (US biolabs, Syria chemical attacks, Georgia 2008, Crimea):
from the same pools as the first (``benchmarks.narrative_inference.pools``), leaving out every
case the first sample labelled, ``PER_STRATUM`` cases of each stratum (the cases with a subject
keyword, and the rest of the pool) with seed ``SEED``. The labels are in
``benchmarks/data/narrative_labels_heldout.jsonl``, given under the rule of
``benchmarks/data/narrative_labels.md`` by reading the printed title, summary and start of the
disproof (not the keywords, not any model's output). ``--show`` prints the drawn cases for the
annotator, to the terminal only: the repository keeps digests, never case text.

``--fresh`` draws the third sample (``benchmarks/data/narrative_labels_fresh.jsonl``, seed
``FRESH_SEED``), leaving out the cases of both earlier samples; it was labelled before v4 was
designed, which was fitted on the first two samples only. Where the subject-keyword stratum has
fewer unlabelled cases than ``PER_STRATUM`` asks, the rest of the pool makes up the difference
(estimates are post-stratified, so the split only changes their variance).

``--fourth`` draws the fourth sample (``benchmarks/data/narrative_labels_fourth.jsonl``, seed
``FOURTH_SEED``) for the two narratives still short of the target after v4, leaving out the
cases of all three earlier samples: Syria chemical attacks ``FOURTH_SIZES`` (40 subject-keyword
cases, 20 of the rest) and Georgia 2008 20 of the rest of its pool — its subject-keyword stratum,
which holds every case a Georgia rule can flag, was labelled in full by the first three samples.
It was labelled under the amended rule before v5 was scored on it (v5 was fitted on the first
three samples only).
"""

from __future__ import annotations

import argparse
import random

from benchmarks.narrative_inference import (
    FRESH,
    HELDOUT,
    LABELS,
    case_key,
    load_cases,
    load_labels,
    pools,
)
from disproof.models import Case

SEED = 20261202
FRESH_SEED = 20261203
FOURTH_SEED = 20261204
#: The fourth sample's draw per narrative: (subject-keyword stratum, rest of the pool).
FOURTH_SIZES = {"syria-chemical-attacks-staged": (40, 20), "georgia-2008-aggressor": (0, 20)}
NARRATIVES = (
    "us-biolabs",
    "syria-chemical-attacks-staged",
    "georgia-2008-aggressor",
    "crimea-russian",
)
#: Cases drawn from (subject-keyword stratum, rest of the pool).
PER_STRATUM = (25, 15)


def draw(cases: list[Case], fresh: bool = False, fourth: bool = False) -> dict[str, list[str]]:
    """The keys drawn per narrative, in drawing order (``fresh``: the third sample,
    ``fourth``: the fourth)."""
    earlier = [load_labels(LABELS)]
    earlier += [load_labels(HELDOUT)] if fresh or fourth else []
    earlier += [load_labels(FRESH)] if fourth else []
    by_pool = pools(cases)
    rng = random.Random(FOURTH_SEED if fourth else FRESH_SEED if fresh else SEED)
    out: dict[str, list[str]] = {}
    for narrative in FOURTH_SIZES if fourth else NARRATIVES:
        seen = {key for labels in earlier for key in labels.get(narrative, {})}
        drawn: list[str] = []
        short = 0
        sizes = FOURTH_SIZES[narrative] if fourth else PER_STRATUM
        for stratum, size in enumerate(sizes):
            keys = sorted(
                u.key
                for u in by_pool[narrative].values()
                if u.stratum == stratum and u.key not in seen
            )
            want = size + short if fresh else size
            drawn += rng.sample(keys, min(want, len(keys)))
            short = max(0, want - len(keys))
        out[narrative] = drawn
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print the drawn cases to label")
    parser.add_argument("--fresh", action="store_true", help="the third sample (v4's test)")
    parser.add_argument("--fourth", action="store_true", help="the fourth sample (v5's test)")
    args = parser.parse_args(argv)
    cases = load_cases(None)
    text: dict[str, Case] = {}
    for case in cases:
        best = text.get(case_key(case))
        if best is None or len(case.summary) > len(best.summary):
            text[case_key(case)] = case
    for narrative, keys in draw(cases, args.fresh, args.fourth).items():
        print(f"== {narrative}: {len(keys)}")
        for key in keys:
            if not args.show:
                print(key)
                continue
            case = text[key]
            print(f"\n[{narrative} {key}] {case.title}\n  {case.summary[:700]}")
            print(f"  disproof: {case.disproof[:160]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
