"""Persuasion techniques (issue 21): variants of the detector trained on all languages with heads.

The paragraph stage of :func:`disproof.techniques.fit.fit_model` as ``disproof techniques
train`` builds it from several languages (one pooled regression over hashed n-grams, shape and
the standardised e5 vector; per language its own regression plus ½ × the pooled one, thresholds
on that sum's out-of-fold logits), under the protocol of ``benchmarks.techniques --pooled``:
each language's 3 folds by article (seed 1), the training folds of all six languages at once,
threshold folds over the pooled training articles (seed 0, as ``fit_model``). Variants:

* ``--sparse count`` (the detector: ``log1p`` of the signed hashed counts, each block scaled to
  unit length) or ``idf`` (the same counts times each bucket's inverse document frequency over
  the training folds, ``log((1 + n) / (1 + df)) + 1``, before the unit length: TF-IDF weighting
  of the hashed words and character n-grams);
* from the same logits, without refitting: the pooled model's share in a head (¼, ½, 1); each
  language's thresholds shrunk towards one set chosen on the fused logits of all languages
  (``t = (1 − s) · t_language + s · t_all``); an article prior: the mean fused logits of the
  article's *other* paragraphs times β added to a paragraph's (β fixed, or chosen per language
  on the training folds by a two-way split of their articles).

    nice python -m benchmarks.techniques_heads [--sparse count|idf]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from benchmarks.techniques import micro_macro
from benchmarks.techniques_cache import DATA, EN_STRIDE, WORK, key, load_cache
from disproof.embed.base import Vectors
from disproof.narratives.logistic import fit_one_vs_rest
from disproof.techniques.corpus import read_corpus
from disproof.techniques.fit import article_folds, micro_thresholds, paragraph_rows
from disproof.techniques.hashing import _char_hashes, _word_hashes, shape_features

Array = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Index = npt.NDArray[np.intp]
LANGUAGES = ("en", "fr", "de", "it", "pl", "ru")
BUCKETS = 4096


def signed_counts(hashes: npt.NDArray[np.uint64], buckets: int = BUCKETS) -> Array:
    """The hashed block before damping: signed counts per bucket (as ``hashing._block``)."""
    row = np.zeros(buckets)
    if len(hashes):
        columns = (hashes % np.uint64(buckets)).astype(np.intp)
        np.add.at(row, columns, np.where((hashes >> np.uint64(63)) > 0, -1.0, 1.0))
    return row


def weighted_block(counts: Array, train: Index, idf: bool) -> Array:
    """``log1p``-damped signed counts, times the training rows' IDF when asked, unit rows."""
    x = np.sign(counts) * np.log1p(np.abs(counts))
    if idf:
        df = (counts[train] != 0).sum(axis=0)
        x = x * (np.log((1 + len(train)) / (1 + df)) + 1)
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    out: Array = x / np.where(norm > 0, norm, 1.0)
    return out


@dataclass(frozen=True)
class Corpus:
    words: Array
    chars: Array
    shape: Array
    e5: Array
    gold: Bools
    lang: Index
    article: Index
    outer: Index


def load(cache: dict[str, Vectors]) -> Corpus:
    parts: dict[str, list[npt.NDArray[np.generic]]] = {k: [] for k in Corpus.__annotations__}
    for i, code in enumerate(LANGUAGES):
        articles = read_corpus(DATA, [code])
        articles = articles[::EN_STRIDE] if code == "en" else articles
        rows = paragraph_rows(articles)
        fold_of = np.zeros(len(articles), np.intp)
        for k, mask in enumerate(article_folds(np.arange(len(articles)), 3, seed=1)):
            fold_of[mask] = k
        parts["words"].append(np.stack([signed_counts(_word_hashes(t)) for t in rows.texts]))
        parts["chars"].append(np.stack([signed_counts(_char_hashes(t)) for t in rows.texts]))
        parts["shape"].append(shape_features(rows.texts, rows.first).astype(np.float64))
        parts["e5"].append(np.stack([cache[key(t)] for t in rows.texts]).astype(np.float64))
        parts["gold"].append(rows.gold)
        parts["lang"].append(np.full(len(rows.texts), i))
        parts["article"].append(rows.group)
        parts["outer"].append(fold_of[rows.group])
    stacked = {name: np.concatenate(rows) for name, rows in parts.items()}
    return Corpus(**stacked)


def logits(sparse: Array, e5: Array, gold: Bools, train: Index, test: Index) -> Array:
    """The detector's regression (L2 1, balanced) of ``train``, e5 standardised on it."""
    mean, scale = e5[train].mean(axis=0), e5[train].std(axis=0)
    scale[scale == 0] = 1.0
    dense = (e5 - mean) / scale / np.sqrt(e5.shape[1])
    x = np.hstack([sparse, dense])
    weights, bias = fit_one_vs_rest(x[train], gold[train], 1.0, iterations=20)
    out: Array = x[test] @ weights + bias
    return out


@dataclass(frozen=True)
class Fold:
    train: Index
    test: Index
    pooled_oof: Array
    pooled_test: Array
    own_oof: Array
    own_test: Array


def fit_folds(c: Corpus, idf: bool) -> list[Fold]:
    out = []
    for k in range(3):
        train, test = np.flatnonzero(c.outer != k), np.flatnonzero(c.outer == k)
        group = np.unique(c.lang[train] * 1_000_000 + c.article[train], return_inverse=True)[1]
        sparse = np.hstack(
            [
                np.sqrt(0.5)
                * (weighted_block(c.words, train, idf) + weighted_block(c.chars, train, idf)),
                c.shape,
            ]
        )
        inner = article_folds(group, 3)
        pooled_oof, own_oof = np.zeros((len(train), 23)), np.zeros((len(train), 23))
        own_test = np.zeros((len(test), 23))
        for mask in inner:
            pooled_oof[mask] = logits(sparse, c.e5, c.gold, train[~mask], train[mask])
        pooled_test = logits(sparse, c.e5, c.gold, train, test)
        for i in range(len(LANGUAGES)):
            mine = c.lang[train] == i
            for mask in inner:
                rows = np.flatnonzero(mine & mask)
                own_oof[rows] = logits(sparse, c.e5, c.gold, train[mine & ~mask], train[rows])
            held = c.lang[test] == i
            own_test[held] = logits(sparse, c.e5, c.gold, train[mine], test[held])
        out.append(Fold(train, test, pooled_oof, pooled_test, own_oof, own_test))
        print(f"  fold {k + 1}/3 fitted", flush=True)
    return out


def article_mean(z: Array, group: Index) -> Array:
    """Per row, the mean of the other rows of its group (0 for a row alone in its group)."""
    ids = np.unique(group, return_inverse=True)[1]
    sums = np.zeros((int(ids.max()) + 1, z.shape[1]))
    np.add.at(sums, ids, z)
    counts = np.bincount(ids).astype(np.float64)
    out: Array = (sums[ids] - z) / np.maximum(counts[ids] - 1, 1)[:, None]
    return out


def split_score(z: Array, gold: Bools, article: Index) -> float:
    """Micro-F1 of thresholds chosen on one half of the articles, applied to the other."""
    half = article % 2 == 0
    predicted = np.zeros_like(gold)
    for side in (half, ~half):
        predicted[side] = z[side] >= micro_thresholds(z[~side], gold[~side])
    return micro_macro(gold, predicted)[0]


def predict(
    c: Corpus, folds: Sequence[Fold], share: float = 0.5, shrink: float = 0.0, beta: float = 0.0
) -> Bools:
    """Held-out predictions; ``beta < 0``: β per language from (0, 0.1, 0.2, 0.3, 0.5) on the
    training folds."""
    predicted = np.zeros_like(c.gold)
    for f in folds:
        fused_oof = f.own_oof + share * f.pooled_oof
        fused_test = f.own_test + share * f.pooled_test
        every = micro_thresholds(fused_oof, c.gold[f.train])
        prior_oof = article_mean(fused_oof, c.lang[f.train] * 1_000_000 + c.article[f.train])
        prior_test = article_mean(fused_test, c.lang[f.test] * 1_000_000 + c.article[f.test])
        for i in range(len(LANGUAGES)):
            mine, held = c.lang[f.train] == i, c.lang[f.test] == i
            gold, article = c.gold[f.train][mine], c.article[f.train][mine]
            b = beta
            if beta < 0:
                candidates = (0.0, 0.1, 0.2, 0.3, 0.5)
                scores = [
                    split_score(fused_oof[mine] + x * prior_oof[mine], gold, article)
                    for x in candidates
                ]
                b = candidates[int(np.argmax(scores))]
            cut = micro_thresholds(fused_oof[mine] + b * prior_oof[mine], gold)
            if shrink:
                both = np.isfinite(cut) & np.isfinite(every)
                cut = np.where(both, (1 - shrink) * cut + shrink * every, cut)
            predicted[f.test[held]] = fused_test[held] + b * prior_test[held] >= cut
    return predicted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sparse", choices=("count", "idf"), default="count")
    args = parser.parse_args()
    folders = sorted(WORK.iterdir()) if WORK.is_dir() else []
    if not folders:
        raise SystemExit("no cached e5 vectors: run `python -m benchmarks.techniques_cache`")
    corpus = load(load_cache(folders[0]))
    started = time.monotonic()
    folds = fit_folds(corpus, args.sparse == "idf")
    print(f"fitted in {time.monotonic() - started:.0f} s")
    print("| variant | " + " | ".join(LANGUAGES) + " |\n|---|" + "---|" * len(LANGUAGES))
    settings: list[tuple[str, dict[str, float]]] = [
        ("heads (share ½)", {}),
        ("share ¼", {"share": 0.25}),
        ("share 1", {"share": 1.0}),
        ("thresholds shrunk ¼", {"shrink": 0.25}),
        ("thresholds shrunk ½", {"shrink": 0.5}),
        ("article prior β 0.2", {"beta": 0.2}),
        ("article prior β 0.5", {"beta": 0.5}),
        ("article prior, β by inner split", {"beta": -1.0}),
    ]
    for name, kwargs in settings:
        predicted = predict(corpus, folds, **kwargs)
        cells = []
        for i in range(len(LANGUAGES)):
            micro, macro = micro_macro(corpus.gold[corpus.lang == i], predicted[corpus.lang == i])
            cells.append(f"{micro:.3f} / {macro:.3f}")
        print(f"| {args.sparse}, {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
