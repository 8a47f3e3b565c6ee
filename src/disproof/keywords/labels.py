"""The keywords a model knows, and each training text's targets among them.

Keywords are compared case- and accent-insensitively (:func:`disproof.normalize.keyword_key`) and
spelled as most texts spell them. A model *learns* the keywords of at least ``min_count`` texts;
the rarer keywords of its training texts are kept as *name-only* keywords, suggested only when a
text contains their name (:class:`.scorers.NameScorer`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from disproof.normalize import keyword_key

Targets = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class LabelSpace:
    """Keywords (spelled, and their keys), each text's targets among them, and every text's
    number of keywords in all (those outside the space too)."""

    labels: tuple[str, ...]
    keys: tuple[str, ...]
    targets: Targets
    gold_counts: npt.NDArray[np.int64]
    cases: dict[str, int]


def _keys(keywords: Sequence[str]) -> list[str]:
    return sorted({keyword_key(k) for k in keywords if k.strip()})


def keyword_targets(keyword_sets: Sequence[Sequence[str]], keys: Sequence[str]) -> Targets:
    """``(texts, keys)``: does the text carry the keyword?"""
    column = {key: i for i, key in enumerate(keys)}
    targets = np.zeros((len(keyword_sets), len(keys)), dtype=bool)
    for row, keywords in enumerate(keyword_sets):
        for key in _keys(keywords):
            if key in column:
                targets[row, column[key]] = True
    return targets


def label_space(
    keyword_sets: Sequence[Sequence[str]], min_count: int, exclude: Collection[str] = ()
) -> LabelSpace:
    """Keywords of at least ``min_count`` texts, except those whose key is in ``exclude``."""
    keys = [_keys(keywords) for keywords in keyword_sets]
    spellings: dict[str, Counter[str]] = {}
    for keywords in keyword_sets:
        for keyword in keywords:
            if keyword.strip():
                spellings.setdefault(keyword_key(keyword), Counter())[keyword.strip()] += 1
    counts = Counter(key for row in keys for key in row)
    excluded = set(exclude)
    kept = sorted(k for k, c in counts.items() if c >= min_count and k not in excluded)
    spelled = [min(spellings[k].items(), key=lambda item: (-item[1], item[0]))[0] for k in kept]
    gold_counts = np.array([len(row) for row in keys], dtype=np.int64)
    cases = {label: int(counts[key]) for label, key in zip(spelled, kept, strict=True)}
    return LabelSpace(
        tuple(spelled), tuple(kept), keyword_targets(keyword_sets, kept), gold_counts, cases
    )
