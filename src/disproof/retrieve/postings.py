"""Postings as numpy arrays: one immutable segment, term-major and document-major.

A :class:`Segment` holds raw term frequencies twice: term-major (``offsets``/``docs``/``tfs``:
for each term id, the documents containing it, ascending) for search, and document-major
(``row_offsets``/``terms``/``row_tfs``: for each document, its term ids, ascending) to read a
document's terms without scanning the postings (coverage of a few candidate documents; the
document frequencies to take back when a document changes or goes). Everything here is
vectorised; :mod:`disproof.retrieve.lexical` keeps the weights out of it (they are computed at
query time), so a segment never goes stale when other documents change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Int32s = npt.NDArray[np.int32]


@dataclass(frozen=True)
class Segment:
    #: Term id ``t``'s postings are ``docs[offsets[t]:offsets[t + 1]]`` (ascending rows).
    offsets: Ints
    docs: Int32s
    tfs: Int32s
    #: Row ``r``'s terms are ``terms[row_offsets[r]:row_offsets[r + 1]]`` (ascending term ids).
    row_offsets: Ints
    terms: Int32s
    row_tfs: Int32s

    @property
    def n_rows(self) -> int:
        return int(self.row_offsets.shape[0]) - 1

    @property
    def n_terms(self) -> int:
        return int(self.offsets.shape[0]) - 1

    def postings(self, term: int) -> tuple[Int32s, Int32s]:
        """The rows holding ``term`` and its frequency in each (empty past the segment)."""
        if term >= self.n_terms:
            return _EMPTY, _EMPTY
        start, end = int(self.offsets[term]), int(self.offsets[term + 1])
        return self.docs[start:end], self.tfs[start:end]

    def row(self, row: int) -> tuple[Int32s, Int32s]:
        """The term ids of one row and their frequencies."""
        start, end = int(self.row_offsets[row]), int(self.row_offsets[row + 1])
        return self.terms[start:end], self.row_tfs[start:end]

    def rows_terms(self, rows: Ints) -> tuple[Ints, Int32s]:
        """The terms of several rows, concatenated, and for each the position of its row in
        ``rows``."""
        starts = self.row_offsets[rows]
        lengths = self.row_offsets[rows + 1] - starts
        owner = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
        return owner, self.terms[gather_ranges(starts, lengths)]

    def rows_postings(self, rows: Ints) -> tuple[Ints, Int32s, Int32s]:
        """The (term, frequency) pairs of several rows, concatenated, and for each the position
        of its row in ``rows``."""
        starts = self.row_offsets[rows]
        lengths = self.row_offsets[rows + 1] - starts
        owner = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
        at = gather_ranges(starts, lengths)
        return owner, self.terms[at], self.row_tfs[at]

    def triples(self, keep: npt.NDArray[np.bool_] | None = None) -> tuple[Ints, Int32s, Int32s]:
        """Every (row, term, tf) as three arrays, optionally only the rows where ``keep``."""
        rows = np.repeat(np.arange(self.n_rows, dtype=np.int64), np.diff(self.row_offsets))
        if keep is None:
            return rows, self.terms, self.row_tfs
        mask = keep[rows]
        return rows[mask], self.terms[mask], self.row_tfs[mask]

    def arrays(self) -> dict[str, npt.NDArray[np.int64] | npt.NDArray[np.int32]]:
        return {
            "offsets": self.offsets,
            "docs": self.docs,
            "tfs": self.tfs,
            "row_offsets": self.row_offsets,
            "terms": self.terms,
            "row_tfs": self.row_tfs,
        }


_EMPTY: Int32s = np.zeros(0, dtype=np.int32)


def gather_ranges(starts: Ints, lengths: Ints) -> Ints:
    """The indices ``starts[i] … starts[i] + lengths[i] - 1`` for every ``i``, concatenated."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    shift = np.repeat(starts - (ends - lengths), lengths)
    out: Ints = np.arange(total, dtype=np.int64) + shift
    return out


def segment_of(rows: Ints, terms: Ints | Int32s, tfs: Int32s, n_rows: int, n_terms: int) -> Segment:
    """A segment from (row, term, tf) triples, each (row, term) at most once."""
    by_row = np.lexsort((terms, rows))
    by_term = np.lexsort((rows, terms))
    return Segment(
        _offsets(terms, n_terms),
        rows[by_term].astype(np.int32),
        tfs[by_term].astype(np.int32),
        _offsets(rows, n_rows),
        terms[by_row].astype(np.int32),
        tfs[by_row].astype(np.int32),
    )


def _offsets(keys: Ints | Int32s, n: int) -> Ints:
    out = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=out[1:])
    return out


def renumbered(segment: Segment, new_of_old: Ints, n_rows: int) -> Segment:
    """The segment with row ``r`` moved to ``new_of_old[r]`` (``-1``: dropped), for a mapping
    that keeps the order of the rows it keeps (rows removed or inserted in between). Linear in
    the postings; no sort."""
    kept = new_of_old[segment.docs] >= 0
    term_of = np.repeat(np.arange(segment.n_terms, dtype=np.int64), np.diff(segment.offsets))
    rows_of = np.repeat(np.arange(segment.n_rows, dtype=np.int64), np.diff(segment.row_offsets))
    row_kept = new_of_old[rows_of] >= 0
    return Segment(
        _offsets(term_of[kept], segment.n_terms),
        new_of_old[segment.docs[kept]].astype(np.int32),
        segment.tfs[kept],
        _offsets(new_of_old[rows_of[row_kept]], n_rows),
        segment.terms[row_kept],
        segment.row_tfs[row_kept],
    )
