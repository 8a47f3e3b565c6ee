"""BM25 over pre-analysed tokens: an inverted index of numpy arrays that can be updated.

The index keeps raw term frequencies, document lengths and document frequencies, never
weights: a query computes each matching posting's BM25 weight
``idf · tf·(k1+1) / (tf + k1·(1 − b + b·dl/avgdl))`` (Lucene's non-negative idf
``ln(1 + (N − df + 0.5)/(df + 0.5))``) from the posting lists of its terms, so adding, changing
or removing a document changes nothing but its own postings and a few counters, and the
scores after any sequence of changes equal those of a fresh build over the same documents.

Postings live in two places, LSM-style: a main :class:`~disproof.retrieve.postings.Segment`
(immutable numpy arrays, memory-mapped once saved) and a small delta of documents added or
changed since, merged into a new main segment when it grows past a share of the index. A
changed document's main postings are masked, not rewritten. Saved as ``.npy`` arrays plus a
JSON of parameters; the vocabulary and per-row arrays as a base and what was added since
(``vocabulary.py``, ``rows.py``); never pickled.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from disproof.retrieve.arrays import load_array, save_array
from disproof.retrieve.postings import (
    Int32s,
    Ints,
    Segment,
    gather_ranges,
    renumbered,
    segment_of,
)
from disproof.retrieve.rows import RowArray
from disproof.retrieve.types import Hit
from disproof.retrieve.vocabulary import Vocabulary

FORMAT_VERSION = 5  # 5: lengths and in_main as base + log (rows.py), the vocabulary as base +
# added terms (vocabulary.py); 4: raw frequencies and a delta segment (updates); 3: combining
# marks kept
#: The delta is merged into the main segment when it holds more than this share of the rows …
MERGE_SHARE = 1 / 16
#: … and more than this many rows.
MERGE_MIN = 512
#: A query touching more postings than this share of the rows sums them in a dense array.
DENSE_SHARE = 1 / 8
#: Past this many postings of a query's terms, :meth:`BM25Index.search` prunes (MaxScore).
PRUNE_FROM = 50_000
#: … unless more rows than this are left to score from their own terms.
PRUNE_ROWS = 5_000
#: A pruning threshold is lowered by this factor: every dropped row scores below the ``k``-th
#: even once rounded to float32 (relative step ~1.2e-7).
MARGIN = 1.0 - 1e-6

Floats = npt.NDArray[np.float64]


class BM25Index:
    def __init__(
        self,
        vocabulary: dict[str, int] | Vocabulary,
        main: Segment,
        df: Ints,
        lengths: Ints | RowArray,
        *,
        k1: float,
        b: float,
        name: str = "bm25",
        in_main: npt.NDArray[np.bool_] | RowArray | None = None,
        delta: dict[int, tuple[Int32s, Int32s]] | None = None,
        total_length: int | None = None,
        masked: int | None = None,
        df_saved: RowArray | None = None,
        df_touched: set[int] | None = None,
        dead: int = 0,
    ) -> None:
        #: Term → id (a base shared by every version and the terms added since).
        self.vocabulary = (
            vocabulary if isinstance(vocabulary, Vocabulary) else Vocabulary(vocabulary)
        )
        self.main = main
        self.df = df
        #: The document frequencies as saved (a base and a log), and the terms whose count
        #: changed since: a save logs those, not every term's (``retrieve/rows.py``).
        self._df_saved = df_saved if df_saved is not None else RowArray.of(df)
        self._df_touched: set[int] = df_touched if df_touched is not None else set()
        #: Document lengths and, per main row, whether main holds its current content (False:
        #: changed since): per-row arrays that grow without a copy (``retrieve/rows.py``).
        self._lengths = lengths if isinstance(lengths, RowArray) else RowArray.of(lengths)
        if in_main is None:
            in_main = np.ones(main.n_rows, dtype=np.bool_)
        self._in_main = in_main if isinstance(in_main, RowArray) else RowArray.of(in_main)
        self.total_length = int(self.lengths.sum()) if total_length is None else total_length
        #: Main rows whose postings are masked (``in_main`` False): counted, not summed per change.
        self._masked = int(len(self.in_main) - self.in_main.sum()) if masked is None else masked
        self.k1 = k1
        self.b = b
        self.name = name
        #: Rows added or changed since the main segment was built: (term ids, frequencies).
        self.delta: dict[int, tuple[Int32s, Int32s]] = delta or {}
        #: Rows that are no document (a deleted case's tombstone, :meth:`bury`): empty, and
        #: not counted in N nor in the average length, as if the row were not there.
        self.dead = dead
        self._changed()

    def copy(self) -> BM25Index:
        """An index to update while this one keeps serving (the main segment is shared: it
        is never changed in place)."""
        return BM25Index(
            self.vocabulary.copy(),
            self.main,
            self.df.copy(),
            self._lengths,  # never changed in place: updates make new versions
            k1=self.k1,
            b=self.b,
            name=self.name,
            in_main=self._in_main,
            delta=dict(self.delta),
            total_length=self.total_length,
            masked=self._masked,
            df_saved=self._df_saved,
            df_touched=set(self._df_touched),
            dead=self.dead,
        )

    @property
    def lengths(self) -> Ints:
        """The length (tokens) of each document."""
        return self._lengths.values

    @property
    def in_main(self) -> npt.NDArray[np.bool_]:
        """Whether the main segment holds the current content of each of its rows."""
        return self._in_main.values

    @property
    def n_docs(self) -> int:
        """Rows, tombstones included."""
        return int(self.lengths.shape[0])

    @property
    def n_live(self) -> int:
        """Documents: the rows less the tombstones (BM25's N)."""
        return self.n_docs - self.dead

    # -- building and updating ---------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        documents: Sequence[Sequence[str]],
        *,
        k1: float = 1.2,
        b: float = 0.75,
        name: str = "bm25",
    ) -> BM25Index:
        """Index token lists (one per document; the row number is the document id)."""
        counted = [Counter(tokens) for tokens in documents]
        vocabulary = {t: i for i, t in enumerate(sorted({t for c in counted for t in c}))}
        rows = np.repeat(np.arange(len(counted), dtype=np.int64), [len(c) for c in counted])
        terms = np.array([vocabulary[t] for c in counted for t in c], dtype=np.int64)
        tfs = np.array([f for c in counted for f in c.values()], dtype=np.int32)
        main = segment_of(rows, terms, tfs, len(counted), len(vocabulary))
        df = np.bincount(terms, minlength=len(vocabulary)).astype(np.int64)
        lengths = np.array([len(tokens) for tokens in documents], dtype=np.int64)
        return cls(vocabulary, main, df, lengths, k1=k1, b=b, name=name)

    def append(self, documents: Sequence[Sequence[str]]) -> None:
        """Add documents as the rows after the last one."""
        first = self.n_docs
        rows = np.arange(first, first + len(documents), dtype=np.int64)
        sizes = np.array([len(tokens) for tokens in documents], dtype=np.int64)
        self._lengths = self._lengths.updated(rows, sizes, first + len(documents))
        for row, tokens in enumerate(documents, start=first):
            self._put(row, tokens)
        self._changed()

    def replace(self, row: int, tokens: Sequence[str]) -> None:
        """Change the document of one row."""
        self.replace_many([row], [tokens])

    def replace_many(self, rows: Sequence[int], documents: Sequence[Sequence[str]]) -> None:
        """Change the documents of some rows."""
        order = np.argsort(np.asarray(rows, dtype=np.int64), kind="stable")
        at = np.asarray(rows, dtype=np.int64)[order]
        if len(at) != len(np.unique(at)):
            raise ValueError("a row given twice")
        cleared = [row for row in at.tolist() if self._clear(row)]
        for row, tokens in zip(rows, documents, strict=True):
            self._put(row, tokens)
        if cleared:
            gone = np.array(cleared, dtype=np.int64)
            masked = np.zeros(len(gone), np.bool_)
            self._in_main = self._in_main.updated(gone, masked, len(self._in_main))
            self._masked += len(gone)
        if len(at):
            sizes = np.array([len(documents[i]) for i in order], dtype=np.int64)
            self._lengths = self._lengths.updated(at, sizes, self.n_docs)
            self._changed()

    def bury(self, rows: Sequence[int], dead: int) -> None:
        """Make ``rows`` tombstones (a deleted case's row, kept so that no row moves: no
        postings, length 0); ``dead``: how many rows are tombstones now in all (a tombstone
        given a document again with :meth:`replace_many` is no longer one). Scores equal
        those of an index built without the tombstones."""
        self.replace_many(list(rows), [[] for _ in rows])
        self.dead = dead
        self._changed()

    def renumber(self, new_of_old: Ints, n_docs: int, dead: int = 0) -> None:
        """Move row ``r`` to ``new_of_old[r]`` (``-1``: remove it), keeping the rows' order;
        rows of the ``n_docs`` no old row maps to are new, empty documents (fill them with
        :meth:`replace`); ``dead``: the tombstones among the rows after. Linear in the postings
        (removing a case from the middle)."""
        for row in np.flatnonzero(new_of_old < 0):
            self._clear(int(row))
        kept = np.flatnonzero(new_of_old >= 0)
        lengths = np.zeros(n_docs, dtype=np.int64)
        lengths[new_of_old[kept]] = self.lengths[kept]
        in_main = np.zeros(n_docs, dtype=np.bool_)
        main_kept = kept[kept < self.main.n_rows]
        in_main[new_of_old[main_kept]] = self.in_main[main_kept]
        self.main = renumbered(self.main, new_of_old[: self.main.n_rows], n_docs)
        self._lengths, self._in_main = RowArray.of(lengths), RowArray.of(in_main)
        self._masked = int(len(in_main) - in_main.sum())
        self.delta = {int(new_of_old[row]): entry for row, entry in self.delta.items()}
        self.dead = dead
        self._changed()

    def _clear(self, row: int) -> bool:
        """Take a row's terms out of the counts (its length is set by the caller); True when
        they were main's: the caller marks the row changed there."""
        self.total_length -= int(self.lengths[row])
        if row in self.delta:
            terms, _ = self.delta.pop(row)
            self.df[terms] -= 1
            self._df_touched.update(terms.tolist())
        elif row < self.main.n_rows and self.in_main[row]:
            terms = self.main.row(row)[0]
            self.df[terms] -= 1
            self._df_touched.update(terms.tolist())
            return True
        return False

    def _put(self, row: int, tokens: Sequence[str]) -> None:
        counts = Counter(tokens)
        new = [t for t in counts if t not in self.vocabulary]
        if new:
            self.vocabulary.add(new)
            self.df = np.concatenate([self.df, np.zeros(len(new), dtype=np.int64)])
        ids = np.array([self.vocabulary[t] for t in counts], dtype=np.int32)
        order = np.argsort(ids)
        terms = ids[order]
        self.df[terms] += 1
        self._df_touched.update(terms.tolist())
        self.delta[row] = (terms, np.array(list(counts.values()), dtype=np.int32)[order])
        self.total_length += len(tokens)

    def _changed(self) -> None:
        self._idf: npt.NDArray[np.float32] | None = None
        self._delta_postings: tuple[Int32s, Int32s, Int32s] | None = None
        self._norm: Floats | None = None
        self._all_main = self._masked == 0
        stale = len(self.delta) + self._masked
        if stale > max(MERGE_MIN, self.n_docs * MERGE_SHARE):
            self.merge()

    def merge(self) -> None:
        """Rebuild the main segment from the current documents (and drop unused terms)."""
        rows, terms, tfs = self.main.triples(None if self._all_main else self.in_main)
        if self.delta:
            delta_rows = sorted(self.delta)
            rows = np.concatenate(
                [rows, np.repeat(delta_rows, [len(self.delta[r][0]) for r in delta_rows])]
            )
            terms = np.concatenate([terms, *(self.delta[r][0] for r in delta_rows)])
            tfs = np.concatenate([tfs, *(self.delta[r][1] for r in delta_rows)])
        alive = self.df > 0
        if not alive.all():
            new_id = np.cumsum(alive) - 1
            self.vocabulary = Vocabulary(
                {t: int(new_id[i]) for t, i in self.vocabulary.items() if alive[i]}
            )
            self.df = self.df[alive]
            terms = new_id[terms]
        self.main = segment_of(rows.astype(np.int64), terms, tfs, self.n_docs, len(self.df))
        self._df_saved, self._df_touched = RowArray.of(self.df), set()
        self._in_main = RowArray.of(np.ones(self.n_docs, dtype=np.bool_))
        self._masked = 0
        self.delta = {}
        self._changed()

    # -- searching ---------------------------------------------------------------------------------

    @property
    def idf(self) -> npt.NDArray[np.float32]:
        """The idf of every term id (0 for a term no document holds any more)."""
        if self._idf is None:
            idf = self._idf_values(self.df.astype(np.float64))
            self._idf = np.where(self.df > 0, idf, 0.0).astype(np.float32)
        return self._idf

    def _idf_values(self, df: Floats) -> Floats:
        """BM25's idf of document frequencies, over the live documents (tombstones left out)."""
        return np.asarray(np.log(1.0 + (self.n_live - df + 0.5) / (df + 0.5)), dtype=np.float64)

    def _idf_of(self, df: int) -> float:
        return math.log(1.0 + (self.n_live - df + 0.5) / (df + 0.5))

    def _postings(self, ids: Ints) -> tuple[Int32s, Int32s, Ints]:
        """The current postings of some term ids: rows, frequencies, and which of ``ids``
        each is for (main segment first, then the delta; a row is in one of them)."""
        known = ids[ids < self.main.n_terms]
        starts = self.main.offsets[known]
        lengths = self.main.offsets[known + 1] - starts
        at = gather_ranges(starts, lengths)
        docs, tfs = self.main.docs[at], self.main.tfs[at]
        which = np.repeat(np.flatnonzero(ids < self.main.n_terms), lengths)
        if not self._all_main and len(docs):
            keep = self.in_main[docs]
            docs, tfs, which = docs[keep], tfs[keep], which[keep]
        if self.delta:
            terms, delta_docs, delta_tfs = self._delta_index()
            starts = np.searchsorted(terms, ids, "left")
            lengths = np.searchsorted(terms, ids, "right") - starts
            at = gather_ranges(starts, lengths)
            docs = np.concatenate([docs, delta_docs[at]])
            tfs = np.concatenate([tfs, delta_tfs[at]])
            which = np.concatenate([which, np.repeat(np.arange(len(ids)), lengths)])
        return docs, tfs, which

    def _delta_index(self) -> tuple[Int32s, Int32s, Int32s]:
        """The delta's postings sorted by term then row: (terms, rows, frequencies)."""
        if self._delta_postings is None:
            rows = sorted(self.delta)
            terms = np.concatenate([self.delta[r][0] for r in rows])
            docs = np.repeat(np.array(rows, dtype=np.int32), [len(self.delta[r][0]) for r in rows])
            tfs = np.concatenate([self.delta[r][1] for r in rows])
            order = np.lexsort((docs, terms))
            self._delta_postings = (terms[order], docs[order], tfs[order])
        return self._delta_postings

    def _norms(self) -> Floats:
        """``k1·(1 − b + b·dl/avgdl)`` of every row."""
        norm = self._norm
        if norm is None:
            n, total = self.n_live, self.total_length
            average = total / n if n and total else 1.0
            norm = self._norm = (self.k1 * (1.0 - self.b + self.b * self.lengths / average)).astype(
                np.float64
            )
        return norm

    def _matches(self, query: Sequence[str]) -> tuple[Ints, Floats]:
        """The rows some query term matches and their BM25 scores (float64)."""
        counts = Counter(t for t in query if t in self.vocabulary)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        ids = np.array([self.vocabulary[t] for t in counts], dtype=np.int64)
        idf = self._idf_values(self.df[ids].astype(np.float64))
        docs, tfs, which = self._postings(ids)
        if not len(docs):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        factor = idf * np.array(list(counts.values()), dtype=np.float64)
        weight = factor[which] * tfs * (self.k1 + 1.0) / (tfs + self._norms()[docs])
        summed: Floats
        if len(docs) > self.n_docs * DENSE_SHARE:
            summed = np.bincount(docs, weight, minlength=self.n_docs).astype(np.float64)
            rows: Ints = np.flatnonzero(summed > 0).astype(np.int64)
            return rows, summed[rows]
        unique, at = np.unique(docs, return_inverse=True)
        summed = np.bincount(at, weight).astype(np.float64)
        return unique.astype(np.int64), summed

    def scores(self, query: Sequence[str]) -> npt.NDArray[np.float32]:
        """BM25 score of every document for the query tokens (0 where nothing matches)."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        rows, scores = self._matches(query)
        out[rows] = scores
        return out

    def search(self, query: Sequence[str], k: int = 10) -> list[Hit]:
        """The top ``k`` documents with a positive score, best first (ties: lower row first)."""
        pruned = self._pruned(query, k)
        rows, scores64 = pruned if pruned is not None else self._matches(query)
        if k <= 0 or not len(rows):
            return []
        scores = scores64.astype(np.float32)
        if len(rows) > k:
            kth = np.partition(scores, len(scores) - k)[len(scores) - k]
            keep = scores >= kth
            rows, scores = rows[keep], scores[keep]
        order = np.lexsort((rows, -scores))[:k]
        return [
            Hit(int(rows[i]), float(scores[i]), rank, self.name)
            for rank, i in enumerate(order, start=1)
        ]

    def _pruned(self, query: Sequence[str], k: int) -> tuple[Ints, Floats] | None:
        """Rows holding the top ``k`` and their exact scores, without scoring every posting
        (MaxScore): None where that would not save much (then :meth:`_matches` scores all).

        A threshold ``θ`` — the ``k``-th best score of the rows over the rarest terms alone, a
        lower bound of the ``k``-th best full score — splits the query's terms: the commonest
        ones whose upper bounds (``idf·(k1+1)`` each) add up to less than ``θ`` cannot bring a
        row into the top ``k`` by themselves, so only rows holding another term are candidates;
        of those, the ones whose partial score plus those bounds stays below ``θ`` (raised to
        their ``k``-th best partial score) are dropped, and the rest scored exactly from their
        own terms, summed in the order :meth:`_matches` sums them (the same float64 bits). The
        margin on ``θ`` keeps every dropped row below the ``k``-th even after rounding to
        float32: the hits equal the exhaustive search's (property test)."""
        counts = Counter(t for t in query if t in self.vocabulary)
        if k <= 0 or len(counts) < 2:
            return None
        ids = np.array([self.vocabulary[t] for t in counts], dtype=np.int64)
        known = ids < self.main.n_terms
        lengths = np.zeros(len(ids), dtype=np.int64)
        lengths[known] = self.main.offsets[ids[known] + 1] - self.main.offsets[ids[known]]
        if int(lengths.sum()) <= PRUNE_FROM:
            return None
        factor = self._idf_values(self.df[ids].astype(np.float64)) * np.array(
            list(counts.values()), dtype=np.float64
        )
        rare = np.argsort(lengths, kind="stable")
        seeds = rare[: max(1, int(np.searchsorted(np.cumsum(lengths[rare]), PRUNE_FROM // 10)))]
        theta = self._kth_partial(ids, factor, seeds, k)[0]
        bounds = factor * (self.k1 + 1.0)
        cheap = np.argsort(bounds, kind="stable")
        skipped = cheap[: int(np.searchsorted(np.cumsum(bounds[cheap]), theta * MARGIN))]
        if not len(skipped):
            return None
        essential = np.setdiff1d(np.arange(len(ids)), skipped)
        kth, rows, partial = self._kth_partial(ids, factor, essential, k)
        theta = max(theta, kth) * MARGIN  # below the float32 rounding of any score
        rows = rows[partial + float(bounds[skipped].sum()) >= theta]
        if len(rows) > PRUNE_ROWS:
            return None  # too many left to score from their own terms
        return rows, self._exact(rows, ids, factor)

    def _kth_partial(
        self, ids: Ints, factor: Floats, terms: Ints, k: int
    ) -> tuple[float, Ints, Floats]:
        """The ``k``-th best score of the rows over some of the query's terms only (a lower
        bound of the ``k``-th best full score; 0 with fewer rows), those rows and scores."""
        docs, tfs, which = self._postings(ids[terms])
        weight = factor[terms][which] * tfs * (self.k1 + 1.0) / (tfs + self._norms()[docs])
        rows, at = np.unique(docs, return_inverse=True)
        partial: Floats = np.bincount(at, weight, minlength=len(rows)).astype(np.float64)
        kth = float(np.partition(partial, len(rows) - k)[len(rows) - k]) if len(rows) >= k else 0.0
        return kth, rows.astype(np.int64), partial

    def _exact(self, rows: Ints, ids: Ints, factor: Floats) -> Floats:
        """The BM25 scores of some rows (ascending, unique) for query term ids ``ids`` (weighted
        by ``factor``), summed term by term in the order of ``ids`` as :meth:`_matches` does."""
        in_main = rows < self.main.n_rows
        in_main[in_main] = self.in_main[rows[in_main]]
        picked = np.flatnonzero(in_main)
        owner, terms, tfs = self.main.rows_postings(rows[picked])
        owners, found, found_tfs = [picked[owner]], [terms.astype(np.int64)], [tfs]
        for i in np.flatnonzero(~in_main):
            entry = self.delta.get(int(rows[i]))
            if entry is not None:
                owners.append(np.full(len(entry[0]), i, dtype=np.int64))
                found.append(entry[0].astype(np.int64))
                found_tfs.append(entry[1])
        who, what, tf = np.concatenate(owners), np.concatenate(found), np.concatenate(found_tfs)
        order = np.argsort(ids, kind="stable")
        at = np.minimum(np.searchsorted(ids[order], what), len(ids) - 1)
        hit = ids[order][at] == what
        who, which, tf = who[hit], order[at[hit]], tf[hit]
        sequence = np.lexsort((which, who))  # each row's terms in the order of ``ids``
        who, which, tf = who[sequence], which[sequence], tf[sequence]
        weight = factor[which] * tf * (self.k1 + 1.0) / (tf + self._norms()[rows[who]])
        return np.bincount(who, weight, minlength=len(rows)).astype(np.float64)

    def coverage(self, query: Sequence[str]) -> npt.NDArray[np.float32]:
        """:meth:`coverage_of` every document."""
        return self.coverage_of(query, np.arange(self.n_docs, dtype=np.int64))

    def coverage_of(self, query: Sequence[str], rows: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Share of the query's idf mass each of the given documents contains (0..1): an
        absolute measure of lexical overlap, comparable across queries, unlike raw BM25 scores.
        Terms no document holds count with the largest idf (they are rare by definition).
        Reads the given documents' terms only, never the posting lists."""
        wanted = np.asarray(rows, dtype=np.int64)
        total, ids, idfs = 0.0, [], []
        for term in sorted(set(query)):
            index = self.vocabulary.get(term)
            df = int(self.df[index]) if index is not None else 0
            total += self._idf_of(df)
            if index is not None and df > 0:
                ids.append(index)
                idfs.append(self._idf_of(df))
        out = np.zeros(len(wanted), dtype=np.float64)
        if not ids or not len(wanted) or total <= 0:
            return out.astype(np.float32)
        holds = self._holding(wanted, np.array(ids, dtype=np.int64))
        for column, idf in enumerate(idfs):  # in term order: the same sums however stored
            out += holds[:, column] * idf
        return (out / total).astype(np.float32)

    def _holding(self, rows: Ints, ids: Ints) -> npt.NDArray[np.bool_]:
        """Which of the term ids ``ids`` each row holds (rows × ids)."""
        holds = np.zeros((len(rows), len(ids)), dtype=np.bool_)
        order = np.argsort(ids)
        sorted_ids = ids[order]
        in_main = rows < self.main.n_rows
        in_main[in_main] = self.in_main[rows[in_main]]
        picked = np.flatnonzero(in_main)
        owner, terms = self.main.rows_terms(rows[picked])
        owners = [picked[owner]]
        found_terms = [terms]
        for i in np.flatnonzero(~in_main):
            entry = self.delta.get(int(rows[i]))
            if entry is not None:
                owners.append(np.full(len(entry[0]), i, dtype=np.int64))
                found_terms.append(entry[0].astype(np.int64))
        who, what = np.concatenate(owners), np.concatenate(found_terms)
        at = np.minimum(np.searchsorted(sorted_ids, what), len(ids) - 1)
        hit = sorted_ids[at] == what
        holds[who[hit], order[at[hit]]] = True
        return holds

    # -- files -------------------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the files (each to a new file renamed into place: a loaded index maps them;
        the main segment's files, when unchanged since loaded, are hard-linked)."""
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, npt.NDArray[np.generic]] = {
            f"main_{key}": array for key, array in self.main.arrays().items()
        }
        rows = sorted(self.delta)
        self._lengths.save(folder, "lengths")
        self._in_main.save(folder, "in_main")
        self._save_df(folder)
        arrays.update(
            delta_rows=np.array(rows, dtype=np.int64),
            delta_sizes=np.array([len(self.delta[r][0]) for r in rows], dtype=np.int64),
        )
        for part, name in ((0, "terms"), (1, "tfs")):
            flat = [self.delta[r][part] for r in rows]
            arrays[f"delta_{name}"] = np.concatenate(flat) if flat else np.zeros(0, np.int32)
        for name, array in arrays.items():
            save_array(folder / f"{name}.npy", array)
        params = {
            "format": FORMAT_VERSION,
            "k1": self.k1,
            "b": self.b,
            "name": self.name,
            "dead": self.dead,
        }
        (folder / "params.json").write_text(json.dumps(params), encoding="utf-8")
        self.vocabulary.save(folder)

    def _save_df(self, folder: Path) -> None:
        """The document frequencies: the saved base linked, the terms touched since (and the
        terms new since) logged; whole after a merge."""
        saved = self._df_saved
        if len(self.df) < len(saved):
            saved = RowArray.of(self.df.copy())
        elif saved.values is not self.df or self._df_touched:
            new = range(len(saved), len(self.df))
            rows = np.array(sorted(self._df_touched.union(new)), dtype=np.int64)
            saved = saved.logged(self.df, rows, self.df[rows])
        self._df_saved, self._df_touched = saved, set()
        self._df_saved.save(folder, "df")

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        """The saved index; the main segment memory-mapped, the counters in memory."""
        params = json.loads((folder / "params.json").read_text(encoding="utf-8"))
        if params.get("format") != FORMAT_VERSION:
            raise ValueError(f"{folder}: BM25 index format {params.get('format')} is not supported")
        vocabulary = Vocabulary.load(folder)
        main = Segment(
            **{
                key: load_array(folder / f"main_{key}.npy")
                for key in ("offsets", "docs", "tfs", "row_offsets", "terms", "row_tfs")
            }
        )
        sizes = np.load(folder / "delta_sizes.npy")
        starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        delta_terms = np.load(folder / "delta_terms.npy").astype(np.int32)
        delta_tfs = np.load(folder / "delta_tfs.npy").astype(np.int32)
        delta = {
            int(row): (delta_terms[starts[i] : starts[i + 1]], delta_tfs[starts[i] : starts[i + 1]])
            for i, row in enumerate(np.load(folder / "delta_rows.npy"))
        }
        df = RowArray.load(folder, "df")
        index = cls(
            vocabulary,
            main,
            np.array(df.values, dtype=np.int64),  # counted in place: in memory
            RowArray.load(folder, "lengths"),
            k1=float(params["k1"]),
            b=float(params["b"]),
            name=str(params["name"]),
            in_main=RowArray.load(folder, "in_main"),
            delta=delta,
            df_saved=df,
            dead=int(params.get("dead", 0)),  # absent: saved before tombstones
        )
        if index.lengths.dtype != np.int64 or index.in_main.dtype != np.bool_:
            raise ValueError(f"{folder}: BM25 index files of the wrong type")
        if len(vocabulary) != len(index.df) or main.n_rows > index.n_docs or index.n_live < 0:
            raise ValueError(f"{folder}: BM25 index files do not agree")
        return index


def top_hits(scores: npt.NDArray[np.float32], k: int, retriever: str) -> list[Hit]:
    """The ``k`` best positive scores as hits, best first (ties broken by row)."""
    if k <= 0 or scores.size == 0:
        return []
    k = min(k, scores.size)
    candidates = np.argpartition(-scores, k - 1)[:k]
    order = candidates[np.lexsort((candidates, -scores[candidates]))]
    return [
        Hit(int(doc), float(scores[doc]), rank, retriever)
        for rank, doc in enumerate((d for d in order if scores[d] > 0), start=1)
    ]
