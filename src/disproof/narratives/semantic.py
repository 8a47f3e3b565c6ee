"""Semantic support for an inferred narrative: is the case's claim the narrative's claim?

Keyword rules find a narrative's *subject* (a case tagged "Crimea" or "White Helmets"); they
cannot tell whether the case takes the narrative's *position* on it. Measured on labelled
EUvsDisinfo cases, the errors left after the rules were of that kind: Crimea cases about
Ukrainian sabotage there, White Helmets cases without any chemical attack, "South Ossetia" on
claims that do not blame Georgia for the 2008 war (``docs/benchmarks.md``, *Inferred
narratives*).

So each narrative that needs it has a few short sentences, written by the project, stating its
thesis in several ways (``claims``), and sentences about the same subject that do *not* take
its position (``foils``): ``data/taxonomies/disproof.claims.json``. A case supports the
narrative when one of its stored field vectors (title, claim summary: what the match index
keeps) is nearer one of the narrative's claims than any foil and any other narrative's claim,
by at least the narrative's ``margin`` (cosine; may be negative: a rival may be that much
nearer). The foils carry the distinction a rank among the bare definitions could not make (no
help for Syria, where every case named the White Helmets).

Each narrative's margin is learned from labelled cases (``benchmarks.narrative_margins``: the
largest recall at which the first two labelled samples keep precision 0.93, chosen so that
out-of-fold precision stays at 0.90 or more); a narrative without one uses ``MARGIN``. Where
cross-validation found the subject check alone better (v5: Syria chemical attacks, Georgia
2008), the margin is ``NO_MARGIN`` and the claim sentences only give the nearest claim as a
reason.

The sentences' vectors are computed once per embedding model and shipped beside the sentences
(``disproof.claims.vectors.npz``), tagged with the model id and a digest of the sentences; a
case's vectors are only ever compared with claim vectors of the same model.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from disproof.embed import Embedder

CLAIMS_FILE = "disproof.claims.json"
VECTORS_FILE = "disproof.claims.vectors.npz"
_PACKAGE = "disproof.data.taxonomies"
#: How much nearer a narrative's claim a case must be than its nearest rival (cosine; negative:
#: a rival may be up to that much nearer), for a narrative whose entry has no ``margin`` of its
#: own: the one value v3 used for every narrative (``docs/benchmarks.md``, *Inferred
#: narratives*).
MARGIN = -0.02
#: The margin of a narrative decided without the check (its subject check did better alone,
#: ``disproof.narratives.subject``): the lowest difference of two cosines, every case clears it.
NO_MARGIN = -2.0

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True)
class NarrativeClaims:
    """What a narrative claims and what, about the same subject, it does not."""

    narrative: str
    claims: tuple[str, ...]
    foils: tuple[str, ...]
    #: Precision of keyword rule + this check, measured (None where not measured).
    precision: float | None
    #: The margin (cosine) a case must clear to support the narrative, learned from labels.
    margin: float = MARGIN


@dataclass(frozen=True)
class Support:
    """How near a case's claim is to a narrative's claim, against its nearest rival."""

    #: The best cosine between a field of the case and one of the narrative's claims.
    claim: float
    #: The best cosine to a foil of the narrative or a claim of another narrative.
    rival: float
    #: The narrative's claim sentence nearest the case (the reason shown to analysts).
    nearest: str

    @property
    def margin(self) -> float:
        return self.claim - self.rival


def load_claims(text: str) -> dict[str, NarrativeClaims]:
    """The narratives' claims and foils from the JSON of ``disproof.claims.json``."""
    data = json.loads(text)
    return {
        narrative: NarrativeClaims(
            narrative,
            tuple(entry["claims"]),
            tuple(entry.get("foils", [])),
            entry.get("precision"),
            float(entry.get("margin", MARGIN)),
        )
        for narrative, entry in data["narratives"].items()
    }


@cache
def builtin_claims() -> dict[str, NarrativeClaims]:
    """The claims shipped for the shipped taxonomy."""
    return load_claims(resources.files(_PACKAGE).joinpath(CLAIMS_FILE).read_text("utf-8"))


def claims_digest(claims: dict[str, NarrativeClaims]) -> str:
    """A digest of the sentences (vectors computed for other sentences are not these)."""
    content = json.dumps(
        sorted((c.narrative, c.claims, c.foils) for c in claims.values()), ensure_ascii=False
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()[:16]


class ClaimVectors:
    """The vectors of every narrative's claims and foils, for one embedding model."""

    def __init__(
        self,
        model_id: str,
        claims: dict[str, NarrativeClaims],
        claim_vectors: Matrix,
        foil_vectors: Matrix,
        document_prefix: str = "",
    ) -> None:
        self.model_id = model_id
        #: What the model's document side puts before a text: part of a stored vector's hash.
        self.document_prefix = document_prefix
        self.claims = claims
        self.digest = claims_digest(claims)
        self.claim_vectors = claim_vectors
        self.foil_vectors = foil_vectors
        self._claim_owner = np.array(
            [n for n, c in sorted(claims.items()) for _ in c.claims], dtype=np.str_
        )
        self._claim_text = [s for _, c in sorted(claims.items()) for s in c.claims]
        self._foil_owner = np.array(
            [n for n, c in sorted(claims.items()) for _ in c.foils], dtype=np.str_
        )

    @classmethod
    def encode(cls, embedder: Embedder, claims: dict[str, NarrativeClaims]) -> ClaimVectors:
        """Encode the sentences as look-ups (queries) against the stored case vectors."""
        ordered = sorted(claims.items())
        claim_texts = [s for _, c in ordered for s in c.claims]
        foil_texts = [s for _, c in ordered for s in c.foils]
        return cls(
            embedder.model_id,
            claims,
            embedder.encode_queries(claim_texts),
            embedder.encode_queries(foil_texts),
            embedder.document_prefix,
        )

    def save(self, path: Path) -> None:
        np.savez(
            path,
            model_id=np.array(self.model_id),
            document_prefix=np.array(self.document_prefix),
            digest=np.array(self.digest),
            claims=self.claim_vectors.astype(np.float32),
            foils=self.foil_vectors.astype(np.float32),
        )

    @classmethod
    def read(cls, source: Path, claims: dict[str, NarrativeClaims]) -> ClaimVectors | None:
        """The saved vectors, or None when they were computed for other sentences."""
        with np.load(source) as data:
            if str(data["digest"]) != claims_digest(claims):
                return None
            return cls(
                str(data["model_id"]),
                claims,
                np.asarray(data["claims"], dtype=np.float32),
                np.asarray(data["foils"], dtype=np.float32),
                str(data["document_prefix"]),
            )

    def support(self, narrative: str, fields: Matrix) -> Support | None:
        """How well the case's field vectors (rows, unit length, of ``model_id``) support
        ``narrative``; None when the narrative has no claims or the case no usable vector."""
        fields = fields[np.abs(fields).sum(axis=1) > 0] if fields.ndim == 2 else fields[:0]
        if narrative not in self.claims or fields.shape[0] == 0:
            return None
        if fields.shape[1] != self.claim_vectors.shape[1]:
            return None  # vectors of another model: not comparable
        to_claims = (fields @ self.claim_vectors.T).max(axis=0)
        mine = self._claim_owner == narrative
        best = int(np.flatnonzero(mine)[np.argmax(to_claims[mine])])
        rivals = [to_claims[~mine]]
        if self.foil_vectors.shape[0]:
            to_foils = (fields @ self.foil_vectors.T).max(axis=0)
            rivals.append(to_foils[self._foil_owner == narrative])
        rival = max((float(r.max()) for r in rivals if r.size), default=-1.0)
        return Support(float(to_claims[best]), rival, self._claim_text[best])

    def supports(self, narrative: str, fields: Matrix) -> tuple[bool, Support | None]:
        """Whether the case clears the narrative's margin, and the support measured."""
        found = self.support(narrative, fields)
        if found is None:
            return False, None
        return found.margin >= self.claims[narrative].margin, found


@cache
def builtin_claim_vectors() -> ClaimVectors | None:
    """The shipped claim vectors (for the default encoder), or None if they are stale."""
    source = resources.files(_PACKAGE).joinpath(VECTORS_FILE)
    if not source.is_file():
        return None
    with resources.as_file(source) as path:
        return ClaimVectors.read(path, builtin_claims())
