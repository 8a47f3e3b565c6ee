"""Case field vectors for the narrative benchmarks, as the match index stores them, cached.

    nice python -m benchmarks.narrative_vectors [--claims]

(``--claims``: encode the narratives' claims and foils into the package data instead, after
``disproof.claims.json`` changed.)

The semantic check of inferred narratives (``disproof.narratives.semantic``) reads the vectors
the match index keeps for each case (its title and its claim summary, ``match.index.field_text``,
encoded with the embedder's document side). Encoding both EUvsDisinfo files takes a while on two
shared cores, so the benchmark encodes each distinct field text once and keeps the rows in
``benchmarks/.work/narrative_vectors/`` (keyed by the text's digest and the model id): reruns
read them back.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from disproof.embed import Embedder, load_embedder
from disproof.match.index import FIELDS, field_text
from disproof.models import Case
from disproof.store.corpus import CaseText

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work" / "narrative_vectors"
BATCH = 256


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _as_text(case: Case) -> CaseText:
    return CaseText(0, case.id, case.title, case.summary, case.date, "")


def field_texts(case: Case) -> dict[str, str]:
    """The case's field texts as the index encodes them."""
    text = _as_text(case)
    return {field: field_text(text, field) for field in FIELDS}


class VectorCache:
    """Document vectors of texts for one model, encoded once and kept on disk."""

    def __init__(self, embedder: Embedder, folder: Path = WORK) -> None:
        self.embedder = embedder
        self.folder = folder / _digest(embedder.model_id)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.rows: dict[str, npt.NDArray[np.float32]] = {}
        for part in sorted(self.folder.glob("part-*.npz")):
            with np.load(part) as data:
                for key, row in zip(data["keys"], data["vectors"], strict=True):
                    self.rows[str(key)] = row

    def vectors(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One row per text (zeros for an empty text), encoding only what is not cached."""
        missing = list(dict.fromkeys(t for t in texts if t and _digest(t) not in self.rows))
        for start in range(0, len(missing), BATCH):
            batch = missing[start : start + BATCH]
            encoded = self.embedder.encode_documents(batch)
            keys = np.array([_digest(t) for t in batch])
            np.savez(self.folder / f"part-{len(self.rows):07d}.npz", keys=keys, vectors=encoded)
            self.rows.update(zip(keys.tolist(), encoded, strict=True))
            print(f"  encoded {start + len(batch)}/{len(missing)}", file=sys.stderr, flush=True)
        out = np.zeros((len(texts), self.embedder.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            if text:
                out[row] = self.rows[_digest(text)]
        return out


def write_claim_vectors(embedder: Embedder) -> Path:
    """Encode the shipped narrative claims and foils into the package data."""
    from importlib import resources

    from disproof.narratives.semantic import VECTORS_FILE, ClaimVectors, builtin_claims

    folder = Path(str(resources.files("disproof.data.taxonomies")))
    path = folder / VECTORS_FILE
    ClaimVectors.encode(embedder, builtin_claims()).save(path)
    return path


def main(argv: list[str] | None = None) -> int:
    from benchmarks.narrative_inference import load_cases

    embedder, notes = load_embedder("e5", fallback=False)
    if "--claims" in (argv if argv is not None else sys.argv[1:]):
        print(f"wrote {write_claim_vectors(embedder)}", file=sys.stderr)
        return 0
    cache = VectorCache(embedder)
    cases = load_cases(None)
    for label, chosen in _priorities(cases):
        texts = [t for case in chosen for t in field_texts(case).values()]
        print(f"{label}: {len(chosen):,} cases, {len(set(texts)):,} texts", file=sys.stderr)
        cache.vectors(texts)
    return 0


def _priorities(cases: list[Case]) -> list[tuple[str, list[Case]]]:
    """What the benchmark needs first: cases a keyword rule flags, then the narratives' pools,
    then every case."""
    from benchmarks.narrative_inference import SUBJECTS, case_key, pools
    from disproof.narratives.mapping import builtin_mapping

    mapping = builtin_mapping()
    in_pools = {key for units in pools(cases).values() for key in units}
    flagged = [
        c
        for c in cases
        if any(n.inferred for n in mapping.of_case(c))
        and case_key(c) in in_pools
        and any(n.id in SUBJECTS for n in mapping.of_case(c))
    ]
    ruled = [c for c in cases if case_key(c) in in_pools and set(mapping.implied(c.keywords, ""))]
    pooled = [c for c in cases if case_key(c) in in_pools]
    return [("flagged", flagged), ("ruled", ruled), ("pools", pooled), ("all", cases)]


if __name__ == "__main__":
    raise SystemExit(main())
