"""Features of a (query span, candidate case) pair: pure functions over retrieval scores.

Every feature is absolute (comparable across queries), so one calibrated model can turn them
into a probability that the case is the claim the span repeats:

- ``dense_title``, ``dense_summary``: cosine between the span and the case's title / claim
  summary (0 when the case has no such field);
- ``lex_title``, ``lex_summary``: share of the span's idf mass found in that field (BM25
  vocabulary, language-aware analysis) — 0 for a translation, near 1 for a verbatim repeat;
- ``dense_margin``: how far this candidate's best cosine is above the best cosine of the
  *other* candidates for the same span (a clear winner vs. one of many look-alikes);
- ``dense_x_lex``: interaction of the best cosine and the best lexical coverage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FEATURES = (
    "dense_title",
    "dense_summary",
    "lex_title",
    "lex_summary",
    "dense_margin",
    "lex_margin",
    "dense_x_lex",
    "dense_rr",
    "lex_rr",
)


@dataclass(frozen=True)
class FieldScores:
    """Per-document scores of one span against every case (rows aligned with the index)."""

    dense_title: npt.NDArray[np.float32]
    dense_summary: npt.NDArray[np.float32]
    lex_title: npt.NDArray[np.float32]
    lex_summary: npt.NDArray[np.float32]

    def take(self, rows: npt.NDArray[np.intp]) -> FieldScores:
        """The scores of some documents only (row ``i`` of the result is ``rows[i]``)."""
        return FieldScores(
            self.dense_title[rows],
            self.dense_summary[rows],
            self.lex_title[rows],
            self.lex_summary[rows],
        )


def feature_matrix(
    scores: FieldScores, candidates: npt.NDArray[np.intp]
) -> npt.NDArray[np.float64]:
    """One row of ``FEATURES`` per candidate (document row numbers)."""
    dt = scores.dense_title[candidates].astype(np.float64)
    ds = scores.dense_summary[candidates].astype(np.float64)
    lt = scores.lex_title[candidates].astype(np.float64)
    ls = scores.lex_summary[candidates].astype(np.float64)
    best = np.maximum(dt, ds)
    lex = np.maximum(lt, ls)
    return np.column_stack(
        [
            dt,
            ds,
            lt,
            ls,
            _margin(best),
            _margin(lex),
            best * lex,
            _reciprocal_rank(best),
            _reciprocal_rank(lex),
        ]
    )


def _margin(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Each value minus the best of the *other* values (positive only for a clear winner)."""
    if values.size < 2:
        return np.zeros_like(values)
    order = np.argsort(-values)
    first, second = values[order[0]], values[order[1]]
    others_best = np.where(np.arange(values.size) == order[0], second, first)
    return np.asarray(values - others_best, dtype=np.float64)


def _reciprocal_rank(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """1 / rank of each value among the candidates (1 for the best)."""
    ranks = np.empty(values.size)
    ranks[np.argsort(-values, kind="stable")] = np.arange(1, values.size + 1)
    return np.asarray(1.0 / ranks, dtype=np.float64)
