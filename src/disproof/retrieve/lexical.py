"""BM25 over pre-analysed tokens, as an inverted index of numpy arrays.

The index is term-major: for each term, the documents containing it and their precomputed BM25
weight ``idf · tf·(k1+1) / (tf + k1·(1 − b + b·dl/avgdl))`` (Lucene's non-negative idf
``ln(1 + (N − df + 0.5)/(df + 0.5))``). A query sums the weights of its terms, so search costs
one ``np.add.at`` per distinct query term. Saved as ``.npy`` arrays plus a JSON of parameters
and vocabulary; never pickled.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from disproof.retrieve.types import Hit

FORMAT_VERSION = 3  # 3: words keep their combining marks (Indic scripts)


class BM25Index:
    def __init__(
        self,
        vocabulary: dict[str, int],
        offsets: npt.NDArray[np.int64],
        docs: npt.NDArray[np.int32],
        weights: npt.NDArray[np.float32],
        idf: npt.NDArray[np.float32],
        n_docs: int,
        *,
        k1: float,
        b: float,
        name: str = "bm25",
    ) -> None:
        self.vocabulary = vocabulary
        self.offsets = offsets
        self.docs = docs
        self.weights = weights
        self.idf = idf
        self.n_docs = n_docs
        self.k1 = k1
        self.b = b
        self.name = name

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
        n_docs = len(documents)
        lengths = np.array([len(d) for d in documents], dtype=np.float64)
        average = float(lengths.mean()) if n_docs and lengths.sum() else 1.0
        postings: dict[str, list[tuple[int, int]]] = {}
        for doc, tokens in enumerate(documents):
            for term, tf in Counter(tokens).items():
                postings.setdefault(term, []).append((doc, tf))
        vocabulary = {term: i for i, term in enumerate(sorted(postings))}
        offsets = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        doc_list: list[int] = []
        weight_list: list[float] = []
        idfs = np.zeros(len(vocabulary), dtype=np.float32)
        for term, index in vocabulary.items():
            plist = postings[term]
            df = len(plist)
            idf = math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
            idfs[index] = idf
            for doc, tf in plist:
                norm = k1 * (1.0 - b + b * lengths[doc] / average)
                doc_list.append(doc)
                weight_list.append(idf * tf * (k1 + 1.0) / (tf + norm))
            offsets[index + 1] = len(doc_list)
        return cls(
            vocabulary,
            offsets,
            np.array(doc_list, dtype=np.int32),
            np.array(weight_list, dtype=np.float32),
            idfs,
            n_docs,
            k1=k1,
            b=b,
            name=name,
        )

    def scores(self, query: Sequence[str]) -> npt.NDArray[np.float32]:
        """BM25 score of every document for the query tokens (0 where nothing matches)."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        for term, count in Counter(query).items():
            index = self.vocabulary.get(term)
            if index is None:
                continue
            start, end = self.offsets[index], self.offsets[index + 1]
            np.add.at(out, self.docs[start:end], self.weights[start:end] * count)
        return out

    def coverage(self, query: Sequence[str]) -> npt.NDArray[np.float32]:
        """Share of the query's idf mass each document contains (0..1): an absolute measure of
        lexical overlap, comparable across queries, unlike raw BM25 scores. Terms the index
        has never seen count with the largest idf (they are rare by definition)."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        unseen = math.log(1.0 + (self.n_docs + 0.5) / 0.5)
        total = 0.0
        for term in set(query):
            index = self.vocabulary.get(term)
            if index is None:
                total += unseen
                continue
            total += float(self.idf[index])
            start, end = self.offsets[index], self.offsets[index + 1]
            out[self.docs[start:end]] += self.idf[index]
        return out / total if total > 0 else out

    def search(self, query: Sequence[str], k: int = 10) -> list[Hit]:
        """The top ``k`` documents with a positive score, best first."""
        return top_hits(self.scores(query), k, self.name)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "offsets.npy", self.offsets)
        np.save(folder / "docs.npy", self.docs)
        np.save(folder / "weights.npy", self.weights)
        np.save(folder / "idf.npy", self.idf)
        params = {
            "format": FORMAT_VERSION,
            "k1": self.k1,
            "b": self.b,
            "n_docs": self.n_docs,
            "name": self.name,
        }
        (folder / "params.json").write_text(json.dumps(params), encoding="utf-8")
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        (folder / "vocabulary.json").write_text(json.dumps(terms, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        params = json.loads((folder / "params.json").read_text(encoding="utf-8"))
        if params.get("format") != FORMAT_VERSION:
            raise ValueError(f"{folder}: BM25 index format {params.get('format')} is not supported")
        terms = json.loads((folder / "vocabulary.json").read_text(encoding="utf-8"))
        return cls(
            {term: i for i, term in enumerate(terms)},
            np.load(folder / "offsets.npy", mmap_mode="r"),
            np.load(folder / "docs.npy", mmap_mode="r"),
            np.load(folder / "weights.npy", mmap_mode="r"),
            np.load(folder / "idf.npy", mmap_mode="r"),
            int(params["n_docs"]),
            k1=float(params["k1"]),
            b=float(params["b"]),
            name=str(params["name"]),
        )


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
