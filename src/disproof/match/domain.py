"""Is this database like the one the calibration was fitted on? Its *density*, measured.

The calibrated model reads absolute cosines: a span at cosine 0.92 from a case is strong
evidence among fact-checked claims about every topic (CheckThat!, where it was fitted), and
weak evidence in a database where every case is about the same war (the EUvsDisinfo files),
where an unrelated sentence on the topic sits that close to dozens of cases. Measured on real
articles of 2022–2024 against both EUvsDisinfo files, 14 % of the `confirmed` matches were
right (docs/benchmarks.md, "Real articles against the real database").

:func:`density` is the median, over a seeded sample of cases, of each case's cosine to its
nearest *other* case in the sample (near-identical copies left out): how close the cases of
a database are to one another. The calibration file keeps the density of its own fitting
database (:class:`Domain`); a database denser than that by more than the tolerance is outside
the calibration's domain, and the matcher then confirms nothing (``match/matcher.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

#: Cases drawn for the measure (the same number for every database, so that a large one does
#: not look denser only because its sample has more near neighbours).
SAMPLE = 2000
#: A case this close to another is a copy (the same claim filed twice), not a neighbour.
COPY = 0.995


class Domain(BaseModel):
    """The density of the database a calibration was fitted on, and how much denser a database
    may be before the calibration no longer describes it."""

    density: float
    tolerance: float
    measured_on: str = ""

    def outside(self, measured: float) -> bool:
        return measured > self.density + self.tolerance


def density(vectors: npt.NDArray[np.float32], sample: int = SAMPLE, seed: int = 0) -> float:
    """The median cosine of a case to its nearest other case, over ``sample`` cases drawn with
    ``seed`` (all of them in a smaller database); 0 with fewer than two cases."""
    return sampled_density(
        int(vectors.shape[0]), lambda rows: np.asarray(vectors[rows]), sample, seed
    )


def sampled_density(
    n: int,
    take: Callable[[npt.NDArray[np.int64]], npt.NDArray[np.float32]],
    sample: int = SAMPLE,
    seed: int = 0,
) -> float:
    """:func:`density` of ``n`` vectors read by ``take(rows)``: only the sampled rows are read
    (a matrix with rows added beside it is never copied whole)."""
    if n < 2:
        return 0.0
    rows = np.sort(np.random.default_rng(seed).choice(n, min(sample, n), replace=False))
    chosen = np.asarray(take(rows), dtype=np.float32)
    cosines = chosen @ chosen.T
    np.fill_diagonal(cosines, -1.0)
    cosines[cosines > COPY] = -1.0
    return float(np.median(cosines.max(axis=1)))
