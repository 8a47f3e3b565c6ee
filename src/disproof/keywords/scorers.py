"""The parts of a keyword model: each turns texts into one score (0–1) per keyword.

* :class:`PriorScorer` — each keyword's share of the training cases, whatever the text (the
  most-frequent-keywords baseline).
* :class:`TfidfScorer` — logistic regression over the TF-IDF weights of the text's terms.
* :class:`LinearScorer` — logistic regression over the text's embedding.
* :class:`NeighbourScorer` — label propagation: the keywords of the ``k`` training cases nearest
  in embedding, each vote weighted by ``exp((similarity − best) / temperature)``.
* :class:`NameScorer` — the keyword's own name among the text's terms ("MH17", "Sergei
  Skripal"): the share of training texts containing the name that carry the keyword, with
  Laplace smoothing, so a name never seen in training texts scores ½.

Every scorer saves as arrays (``.npy``) plus JSON-able parameters, and loads back from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np
import numpy.typing as npt

from disproof.keywords.linear import fit_logistic_multilabel
from disproof.narratives.logistic import sigmoid
from disproof.text.sparse import SparseRows
from disproof.text.tfidf import TfIdf, fit_tfidf

Array = npt.NDArray[np.float64]
Array32 = npt.NDArray[np.float32]
Targets = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Features:
    """What the scorers read of texts: their analysed terms and (if any) their embeddings."""

    tokens: Sequence[Sequence[str]]
    vectors: Array32 | None = None

    def __len__(self) -> int:
        return len(self.tokens)

    def take(self, rows: npt.NDArray[np.intp]) -> Features:
        vectors = None if self.vectors is None else self.vectors[rows]
        return Features([self.tokens[int(i)] for i in rows], vectors)

    def require_vectors(self) -> Array32:
        if self.vectors is None:
            raise ValueError("this scorer needs text embeddings")
        return self.vectors


class Scorer(Protocol):
    kind: ClassVar[str]

    @property
    def width(self) -> int:
        """How many keywords it scores."""
        ...

    @property
    def dim(self) -> int | None:
        """The embedding dimension it reads (None: it reads no embeddings)."""
        ...

    def scores(self, features: Features) -> Array:
        """``(texts, labels)`` scores in 0–1."""
        ...

    def arrays(self) -> dict[str, npt.NDArray[Any]]: ...

    def params(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class PriorScorer:
    kind: ClassVar[str] = "prior"
    frequency: Array

    @property
    def width(self) -> int:
        return int(len(self.frequency))

    @property
    def dim(self) -> int | None:
        return None

    @classmethod
    def fit(cls, targets: Targets) -> PriorScorer:
        return cls(targets.mean(axis=0) if len(targets) else np.zeros(targets.shape[1]))

    def scores(self, features: Features) -> Array:
        return np.tile(self.frequency, (len(features), 1))

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        return {"frequency": self.frequency}

    def params(self) -> dict[str, Any]:
        return {}

    @classmethod
    def load(cls, arrays: dict[str, npt.NDArray[Any]], params: dict[str, Any]) -> PriorScorer:
        return cls(arrays["frequency"].astype(np.float64))


@dataclass(frozen=True)
class TfidfScorer:
    kind: ClassVar[str] = "tfidf"
    tfidf: TfIdf
    weights: Array32
    bias: Array32

    @property
    def width(self) -> int:
        return int(self.weights.shape[1])

    @property
    def dim(self) -> int | None:
        return None

    @classmethod
    def fit(
        cls,
        tokens: Sequence[Sequence[str]],
        targets: Targets,
        l2: float,
        power: float,
        steps: int,
        sample_weight: Array | None = None,
    ) -> TfidfScorer:
        tfidf = fit_tfidf(tokens, min_df=2)
        weights, bias = fit_logistic_multilabel(
            tfidf.sparse(tokens),
            targets,
            l2,
            power=power,
            iterations=steps,
            sample_weight=sample_weight,
        )
        return cls(tfidf, weights, bias)

    def scores(self, features: Features) -> Array:
        rows: SparseRows = self.tfidf.sparse(features.tokens)
        return sigmoid(rows.dot(self.weights).astype(np.float64) + self.bias)

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        return {"idf": self.tfidf.idf, "weights": self.weights, "bias": self.bias}

    def params(self) -> dict[str, Any]:
        return {"terms": sorted(self.tfidf.vocabulary, key=self.tfidf.vocabulary.__getitem__)}

    @classmethod
    def load(cls, arrays: dict[str, npt.NDArray[Any]], params: dict[str, Any]) -> TfidfScorer:
        terms = [str(t) for t in params["terms"]]
        if len(terms) != len(arrays["idf"]) or arrays["weights"].shape[0] != len(terms):
            raise ValueError("TF-IDF terms, idf and weights differ in length")
        vocabulary = {term: i for i, term in enumerate(terms)}
        return cls(
            TfIdf(vocabulary, arrays["idf"].astype(np.float64)), arrays["weights"], arrays["bias"]
        )


@dataclass(frozen=True)
class LinearScorer:
    kind: ClassVar[str] = "linear"
    weights: Array32
    bias: Array32

    @property
    def width(self) -> int:
        return int(self.weights.shape[1])

    @property
    def dim(self) -> int | None:
        return int(self.weights.shape[0])

    @classmethod
    def fit(
        cls,
        vectors: Array32,
        targets: Targets,
        l2: float,
        power: float,
        steps: int,
        sample_weight: Array | None = None,
    ) -> LinearScorer:
        scale = vectors.std(axis=0)
        scale[scale == 0] = 1.0
        weights, bias = fit_logistic_multilabel(
            vectors / scale,
            targets,
            l2,
            power=power,
            iterations=steps,
            sample_weight=sample_weight,
        )
        return cls((weights / scale[:, None]).astype(np.float32), bias)

    def scores(self, features: Features) -> Array:
        vectors = features.require_vectors()
        return sigmoid((vectors @ self.weights).astype(np.float64) + self.bias)

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        return {"weights": self.weights, "bias": self.bias}

    def params(self) -> dict[str, Any]:
        return {}

    @classmethod
    def load(cls, arrays: dict[str, npt.NDArray[Any]], params: dict[str, Any]) -> LinearScorer:
        return cls(arrays["weights"], arrays["bias"])


@dataclass(frozen=True)
class NeighbourScorer:
    kind: ClassVar[str] = "knn"
    vectors: Array32
    labels: Targets
    k: int
    temperature: float
    #: Each training case's weight in the votes (recency; None: all 1).
    recency: Array | None = None

    @property
    def width(self) -> int:
        return int(self.labels.shape[1])

    @property
    def dim(self) -> int | None:
        return int(self.vectors.shape[1])

    def scores(self, features: Features) -> Array:
        queries = features.require_vectors()
        out = np.zeros((len(queries), self.labels.shape[1]))
        if not len(self.vectors) or not len(queries):
            return out
        k = min(self.k, len(self.vectors))
        for start in range(0, len(queries), 256):
            similarity = queries[start : start + 256] @ self.vectors.T
            nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
            values = np.take_along_axis(similarity, nearest, axis=1).astype(np.float64)
            votes = np.exp((values - values.max(axis=1, keepdims=True)) / self.temperature)
            if self.recency is not None:
                votes *= self.recency[nearest]
            votes /= votes.sum(axis=1, keepdims=True)
            neighbours = self.labels[nearest].astype(np.float32)
            out[start : start + 256] = np.einsum("qk,qkl->ql", votes, neighbours)
        return out

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        recency = {} if self.recency is None else {"recency": self.recency}
        return {"vectors": self.vectors, "labels": self.labels, **recency}

    def params(self) -> dict[str, Any]:
        return {"k": self.k, "temperature": self.temperature}

    @classmethod
    def load(cls, arrays: dict[str, npt.NDArray[Any]], params: dict[str, Any]) -> NeighbourScorer:
        recency = arrays.get("recency")
        if arrays["vectors"].shape[0] != arrays["labels"].shape[0] or (
            recency is not None and recency.shape != (arrays["vectors"].shape[0],)
        ):
            raise ValueError("neighbour vectors, labels and recency weights differ in length")
        return cls(
            arrays["vectors"],
            arrays["labels"].astype(bool),
            int(params["k"]),
            float(params["temperature"]),
            None if recency is None else recency.astype(np.float64),
        )


@dataclass(frozen=True)
class NameScorer:
    kind: ClassVar[str] = "names"
    names: tuple[tuple[str, ...], ...]  # each label's name, as terms
    precision: Array

    @property
    def width(self) -> int:
        return int(len(self.precision))

    @property
    def dim(self) -> int | None:
        return None

    @classmethod
    def fit(
        cls, names: Sequence[Sequence[str]], tokens: Sequence[Sequence[str]], targets: Targets
    ) -> NameScorer:
        terms = tuple(tuple(sorted(set(name))) for name in names)
        present = _containing(terms, tokens)
        hits = (present & targets).sum(axis=0)
        precision = (hits + 1.0) / (present.sum(axis=0) + 2.0)
        return cls(terms, precision)

    def scores(self, features: Features) -> Array:
        return _containing(self.names, features.tokens) * self.precision

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        return {"precision": self.precision}

    def params(self) -> dict[str, Any]:
        return {"names": [list(name) for name in self.names]}

    @classmethod
    def load(cls, arrays: dict[str, npt.NDArray[Any]], params: dict[str, Any]) -> NameScorer:
        names = tuple(tuple(str(t) for t in name) for name in params["names"])
        if len(names) != len(arrays["precision"]):
            raise ValueError("names and precisions differ in length")
        return cls(names, arrays["precision"].astype(np.float64))


def _containing(
    names: Sequence[Sequence[str]], tokens: Sequence[Sequence[str]]
) -> npt.NDArray[np.bool_]:
    """``(texts, labels)``: does the text contain every term of the label's name?"""
    by_term: dict[str, list[int]] = {}
    for label, name in enumerate(names):
        for term in name:
            by_term.setdefault(term, []).append(label)
    sizes = np.array([len(name) for name in names])
    out = np.zeros((len(tokens), len(names)), dtype=bool)
    for row, text in enumerate(tokens):
        found = np.zeros(len(names), dtype=np.int64)
        for term in set(text):
            for label in by_term.get(term, ()):
                found[label] += 1
        out[row] = (found == sizes) & (sizes > 0)
    return out


SCORERS: dict[str, Any] = {
    cls.kind: cls for cls in (PriorScorer, TfidfScorer, LinearScorer, NeighbourScorer, NameScorer)
}
