"""Multilingual matching: the demo cases' claims restated by the team in RU, UK, DE, FR, PL, CS
(``benchmarks/data/multilingual_claims.jsonl``), matched against the English demo cases; and
unrelated text (``tests/data/unrelated.jsonl``), which must never be confirmed.

    python -m benchmarks.multilingual [--backend e5|use]

Prints R@1, MRR and the bands of the right answers per language, and the bands given to
unrelated text.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from disproof.service import Disproof
from disproof.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CLAIMS = ROOT / "benchmarks" / "data" / "multilingual_claims.jsonl"
UNRELATED = ROOT / "tests" / "data" / "unrelated.jsonl"


def read_jsonl(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        service = Disproof.open(Settings(db=str(Path(folder) / "demo.db")))
        service.load_demo()
        matcher = service.matcher(args.backend)
        model = matcher.embedder.model_id if matcher.embedder else "none"
        print(f"model: {model}; {len(matcher.index)} demo cases; notes: {matcher.notes or '-'}\n")
        claims = read_jsonl(CLAIMS)
        results = matcher.match_many([c["text"] for c in claims], top_k=10, min_band="none")
        per_language: dict[str, list[float]] = defaultdict(list)
        bands: dict[str, Counter[str]] = defaultdict(Counter)
        for claim, result in zip(claims, results, strict=True):
            ranked = [m.case_id for m in result.matches]
            rank = ranked.index(claim["case_id"]) + 1 if claim["case_id"] in ranked else 0
            per_language[claim["lang"]].append(1.0 / rank if rank else 0.0)
            top = result.matches[0] if result.matches else None
            right = top is not None and top.case_id == claim["case_id"]
            bands[claim["lang"]][
                f"{top.band if top else 'none'}/{'right' if right else 'wrong'}"
            ] += 1
        print(
            "| language | claims | R@1 | MRR@10 | top-1 confirmed (right/wrong) "
            "| suggested (right/wrong) |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        everything: list[float] = []
        for lang in sorted(per_language):
            rr = per_language[lang]
            everything += rr
            b = bands[lang]
            print(
                f"| {lang} | {len(rr)} | {sum(r == 1.0 for r in rr) / len(rr):.3f} | "
                f"{sum(rr) / len(rr):.3f} | {b['confirmed/right']}/{b['confirmed/wrong']} | "
                f"{b['suggested/right']}/{b['suggested/wrong']} |"
            )
        r_at_1 = sum(r == 1.0 for r in everything) / len(everything)
        mrr = sum(everything) / len(everything)
        print(f"| all | {len(everything)} | {r_at_1:.3f} | {mrr:.3f} | | |")
        unrelated = read_jsonl(UNRELATED)
        outcomes = matcher.match_many([u["text"] for u in unrelated], top_k=1, min_band="none")
        top_bands = Counter(r.matches[0].band if r.matches else "none" for r in outcomes)
        hard = Counter(
            r.matches[0].band if r.matches else "none"
            for u, r in zip(unrelated, outcomes, strict=True)
            if u["id"].startswith("hard-")
        )
        print(
            f"\nunrelated texts ({len(unrelated)}, {sum(hard.values())} hard negatives): top "
            f"match confirmed {top_bands['confirmed']}, suggested {top_bands['suggested']}, "
            f"none {top_bands['none']} (hard negatives: confirmed {hard['confirmed']}, "
            f"suggested {hard['suggested']})"
        )


if __name__ == "__main__":
    main()
