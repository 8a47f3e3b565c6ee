"""The candidates of one span: each retriever's top list, and the candidates' field scores.

Four retrievers: BM25 on title and on claim summary, cosine on title and on summary; a fifth,
cosine on the cases' appearance texts (``appearances.py``), where cases have any. The
cosine retrievers search every case exactly (a matrix product) below the ANN threshold
(``Settings.ann_threshold``), or ask the case index's HNSW graphs (``retrieve/ann.py``) above
it, then re-score what the graph found exactly from the stored vectors. Either way the
features of the candidates are computed from the same numbers — each candidate's cosines
recomputed from its stored vectors, over the candidate rows only — so a candidate's
probability does not depend on the path: whenever the graph returns the exact top candidates,
the result equals the exact one (docs/scale.md) — up to near-ties at a retriever's cut-off, where
cosines computed over fewer rows may differ in the last bits and admit the other case.

Through a graph of this process (usearch) the candidates' vectors are read from the graph, not
from the index's matrix: the same numbers (the matrix holds its vectors at the graph's float16
precision, ``retrieve.dense.stored_precision``; rows changed beside the graph from the rows
beside it), and the matrix's pages are never touched while serving — at a million cases they
were 2.3 GB of the server's resident memory (docs/benchmarks.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from disproof.match.appearances import RETRIEVER, AppearanceRows
from disproof.match.features import FieldScores
from disproof.match.index import FIELDS, CaseIndex
from disproof.retrieve import Hit
from disproof.retrieve.ann import AnnIndex, Overlay
from disproof.retrieve.lexical import top_hits

#: The graph is asked for this many times a retriever's depth; the extra candidates are
#: re-scored exactly and dropped, which makes up for the graph's f16 distances and misses.
ANN_OVERFETCH = 2
#: … and for at least this many: a span like no case (a recipe) has no clear neighbours, and
#: a wider search finds its few weak look-alikes as exact search does.
ANN_MIN_FETCH = 100


@dataclass(frozen=True)
class Retrieved:
    """What the retrievers found for one span."""

    rankings: list[list[Hit]]
    #: Candidate row → the retrievers that found it.
    found: dict[int, list[str]]
    #: The candidate rows, ascending.
    rows: npt.NDArray[np.intp]
    #: The candidates' scores, row ``i`` for ``rows[i]``.
    scores: FieldScores
    #: Per candidate, the appearance row (``CaseIndex.appearances``) whose text is nearer the
    #: span than the case's own title and summary, or -1.
    via: npt.NDArray[np.int64]


@dataclass(frozen=True)
class NearestAppearances:
    """The best appearance text of each case that has any, for one span's vector."""

    #: Index rows of the cases (ascending), their best cosine and its appearance row.
    rows: npt.NDArray[np.intp]
    cosines: npt.NDArray[np.float32]
    at: npt.NDArray[np.int64]

    @classmethod
    def of(cls, index: CaseIndex, vector: npt.NDArray[np.float32] | None) -> NearestAppearances:
        rows: AppearanceRows | None = index.appearances
        if vector is None or rows is None or not len(rows):
            return cls(np.zeros(0, np.intp), np.zeros(0, np.float32), np.zeros(0, np.int64))
        owners, best, at = rows.best(index.pks, vector)
        return cls(np.searchsorted(index.pks, owners).astype(np.intp), best, at)

    def hits(self, depth: int) -> list[Hit]:
        """The retriever of appearance texts: the ``depth`` cases whose nearest is nearest."""
        hits = top_hits(self.cosines, depth, RETRIEVER)
        return [Hit(int(self.rows[hit.doc]), hit.score, hit.rank, hit.retriever) for hit in hits]

    def of_rows(
        self, rows: npt.NDArray[np.intp]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        """The best cosine (0 without appearance texts) and its appearance row (-1) of some
        candidate rows."""
        cosines = np.zeros(len(rows), dtype=np.float32)
        at = np.full(len(rows), -1, dtype=np.int64)
        if len(self.rows) and len(rows):
            where = np.minimum(np.searchsorted(self.rows, rows), len(self.rows) - 1)
            has = self.rows[where] == rows
            cosines[has] = self.cosines[where[has]]
            at[has] = self.at[where[has]]
        return cosines, at


def retrieve(
    index: CaseIndex, tokens: list[str], vector: npt.NDArray[np.float32] | None, depth: int
) -> Retrieved:
    """Each retriever's top ``depth`` cases for a span (its terms and its vector, if any), and
    the union's field scores."""
    rankings = [index.bm25[field].search(tokens, depth) for field in FIELDS]
    nearest = NearestAppearances.of(index, vector)
    if vector is not None:
        rankings += [dense_hits(index, field, vector, depth) for field in FIELDS]
        rankings.append(nearest.hits(depth))
    rankings = [ranking for ranking in rankings if ranking]
    found: dict[int, list[str]] = {}
    for ranking in rankings:
        for hit in ranking:
            found.setdefault(hit.doc, []).append(hit.retriever)
    rows = np.array(sorted(found), dtype=np.intp)
    scores, via = candidate_scores(index, tokens, vector, rows, nearest)
    return Retrieved(rankings, found, rows, scores, via)


def dense_hits(
    index: CaseIndex, field: str, vector: npt.NDArray[np.float32], depth: int
) -> list[Hit]:
    """The cosine retriever of one field: its top ``depth`` cases with a positive cosine."""
    dense = index.dense.get(field)
    if dense is None:
        return []
    graph = index.ann.get(field)
    if graph is None:
        scores = dense.scores(vector)
        scores[index.deleted] = 0  # tombstones: never a hit (only positive cosines are)
        return top_hits(scores, depth, dense.name)
    rows = rows_of(index, graph.search(vector, max(ANN_OVERFETCH * depth, ANN_MIN_FETCH)))
    hits = top_hits(cosines(index, field, vector, rows), depth, dense.name)
    return [Hit(int(rows[hit.doc]), hit.score, hit.rank, hit.retriever) for hit in hits]


def rows_of(index: CaseIndex, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.intp]:
    """The index rows of case primary keys, ascending (keys the index does not hold, and
    tombstones, dropped)."""
    at = np.searchsorted(index.pks, keys)
    inside = at < len(index.pks)
    at = at[inside]
    return index.live(np.unique(at[index.pks[at] == keys[inside]]).astype(np.intp))


def cosines(
    index: CaseIndex, field: str, vector: npt.NDArray[np.float32] | None, rows: npt.NDArray[np.intp]
) -> npt.NDArray[np.float32]:
    """The cosine of the span to some cases' field, from their stored vectors (0 without)."""
    if vector is None or field not in index.dense or not len(rows):
        return np.zeros(len(rows), dtype=np.float32)
    return np.asarray(stored_vectors(index, field, rows) @ vector.astype(np.float32), np.float32)


def stored_vectors(
    index: CaseIndex, field: str, rows: npt.NDArray[np.intp]
) -> npt.NDArray[np.float32]:
    """Some cases' stored vectors of a field: from the field's graph when it is this process's
    (it holds the same numbers as the matrix), else from the matrix."""
    graph = index.ann.get(field)
    if isinstance(graph, AnnIndex | Overlay):
        return graph.vectors_of(index.pks[rows])
    return index.dense[field].take(rows)


def candidate_scores(
    index: CaseIndex,
    tokens: list[str],
    vector: npt.NDArray[np.float32] | None,
    rows: npt.NDArray[np.intp],
    nearest: NearestAppearances | None = None,
) -> tuple[FieldScores, npt.NDArray[np.int64]]:
    """The field scores of the candidate rows only (row ``i`` for ``rows[i]``), and per row the
    appearance whose text gave its claim-side cosine (-1: its own text did).

    A case's appearance texts are folded into its claim-side cosine as a maximum: the claim
    summary's cosine, and for a case with one text (its title and summary the same) both, so
    the one-text model still reads one cosine twice. The calibrated features keep their meaning
    ("how near is the span to a text that states this claim")."""
    lexical = {field: index.bm25[field].coverage_of(tokens, rows) for field in FIELDS}
    title = cosines(index, "title", vector, rows)
    summary = cosines(index, "summary", vector, rows)
    near, at = (nearest or NearestAppearances.of(index, vector)).of_rows(rows)
    via = np.where(near > np.maximum(title, summary), at, -1)
    if (at >= 0).any():
        title = np.where(one_text(index, rows), np.maximum(title, near), title)
        summary = np.maximum(summary, near)
    return FieldScores(title, summary, lexical["title"], lexical["summary"]), via


def one_text(index: CaseIndex, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.bool_]:
    """Which of the candidate rows are cases with one text (title and claim summary the same,
    or one of them empty: the index then holds the same vector for both fields)."""
    if not {"title", "summary"} <= index.dense.keys() or not len(rows):
        return np.zeros(len(rows), dtype=bool)
    title, summary = (stored_vectors(index, field, rows) for field in ("title", "summary"))
    return np.asarray(np.all(title == summary, axis=1))
