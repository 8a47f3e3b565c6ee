"""TF-IDF term weights over :class:`disproof.text.Analyzer` terms, dense or sparse.

Used by the keyword model, beside the embeddings by the narrative classifier
(``features="e5+tfidf"``), and as the TF-IDF + logistic-regression baselines of the benchmarks.

Weights are ``(1 + log tf) · idf`` with the smoothed ``idf = log((1 + n) / (1 + df)) + 1``,
rows L2-normalised; the vocabulary is the ``max_terms`` terms of highest document frequency among
those in at least ``min_df`` training documents.

**Evidence-scaled rows** (``evidence=True``): the norm also counts the terms the vocabulary does
not know, each at the highest idf, so a row's length is the share of the text's weight that the
vocabulary knows: close to 1 for a text in a training language, close to 0 for one in a script
no training text used. A model then reads "no evidence" in a foreign text, where plain
normalisation would blow a few known tokens (numbers, names) up to a full-length row.

**Character n-grams** (:func:`char_ngrams`): the 3- to 5-grams of each word with a space at
either end, which carry across related languages that share a script (Bulgarian and Russian;
Portuguese and English names and roots), where stemmed words do not.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from disproof.errors import DisproofError
from disproof.text.analyze import Analyzer
from disproof.text.sparse import SparseRows

Matrix = npt.NDArray[np.float64]
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class TfIdf:
    """A fitted vocabulary (term → column) and its idf weights."""

    vocabulary: dict[str, int]
    idf: Matrix

    def weights(self, tokens: Sequence[str], evidence: bool = False) -> dict[int, float]:
        """One text's L2-normalised weights, column → weight (known terms only); with
        ``evidence`` the norm also counts the unknown terms (module docstring)."""
        row: dict[int, float] = {}
        unknown = 0.0
        for term, count in Counter(tokens).items():
            column = self.vocabulary.get(term)
            if column is not None:
                row[column] = (1.0 + math.log(count)) * float(self.idf[column])
            elif evidence:
                unknown += (1.0 + math.log(count)) ** 2
        squares = sum(v * v for v in row.values()) + unknown * self.unknown_idf**2
        norm = math.sqrt(squares)
        return {c: v / norm for c, v in row.items()} if norm > 0 else row

    @property
    def unknown_idf(self) -> float:
        """The idf a term unknown to the vocabulary counts with: the highest (rarest) one."""
        return float(self.idf.max()) if len(self.idf) else 1.0

    def sparse(self, documents: Sequence[Sequence[str]], evidence: bool = False) -> SparseRows:
        """Rows of L2-normalised TF-IDF weights for token lists, sparse."""
        return SparseRows.from_rows(
            [self.weights(t, evidence) for t in documents], len(self.vocabulary)
        )

    def transform(self, documents: Sequence[Sequence[str]]) -> Matrix:
        """Rows of L2-normalised TF-IDF weights for token lists, dense."""
        return self.sparse(documents).toarray().astype(np.float64)

    def save(self, path: Path) -> None:
        """Terms in column order and their idf, as JSON."""
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        content = {"terms": terms, "idf": [round(float(x), 8) for x in self.idf]}
        path.write_text(json.dumps(content, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> TfIdf:
        try:
            content = json.loads(path.read_text(encoding="utf-8"))
            terms = [str(t) for t in content["terms"]]
            idf = np.array([float(x) for x in content["idf"]], dtype=np.float64)
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise DisproofError(f"{path}: cannot read the TF-IDF vocabulary: {exc}") from exc
        if len(terms) != len(idf) or len(set(terms)) != len(terms):
            raise DisproofError(f"{path}: terms and idf weights do not match")
        return cls({t: i for i, t in enumerate(terms)}, idf)


def fit_tfidf(
    documents: Sequence[Sequence[str]], min_df: int = 2, max_terms: int = 20_000
) -> TfIdf:
    """The vocabulary and idf of token lists (the training documents)."""
    df = Counter(term for tokens in documents for term in set(tokens))
    kept = sorted((t for t, c in df.items() if c >= min_df), key=lambda t: (-df[t], t))[:max_terms]
    n = len(documents)
    idf = np.array([np.log((1 + n) / (1 + df[t])) + 1.0 for t in kept])
    return TfIdf({t: i for i, t in enumerate(kept)}, idf)


def tokenize(texts: Sequence[str], languages: Sequence[str | None]) -> list[list[str]]:
    """Analyzer terms (stop words removed, stemmed where a stemmer exists) of each text; a
    language of None is detected."""
    analyzer = Analyzer()
    return [analyzer.tokens(t, language) for t, language in zip(texts, languages, strict=True)]


def char_ngrams(text: str, low: int = 3, high: int = 5) -> list[str]:
    """The ``low``- to ``high``-character n-grams of each word of ``text`` (NFKC, casefolded),
    the word padded with a space at either end; a word shorter than ``low`` is one term."""
    out: list[str] = []
    for word in _WORD.findall(unicodedata.normalize("NFKC", text).casefold()):
        padded = f" {word} "
        if len(padded) < low:
            out.append(padded)
            continue
        for n in range(low, min(high, len(padded)) + 1):
            out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return out
