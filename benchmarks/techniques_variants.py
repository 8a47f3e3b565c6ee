"""Persuasion techniques (issue 21): variants of the paragraph model tried for the missing points.

The paragraph stage of the detector (:func:`disproof.techniques.fit.fit_model`: class-balanced
one-vs-rest logistic regression over hashed n-grams, shape features and the standardised e5
vector; per-technique thresholds on out-of-fold logits of the training folds, 3 folds by
article) against variants of it, under the protocol of ``benchmarks/techniques.py``: 3-fold
cross-validation by article inside each language (the same folds, seed 1), thresholds chosen
only on out-of-fold logits of the training folds, paragraph micro-F1 / macro-F1 of the pooled
held-out predictions. Reads the e5 vectors cached by ``benchmarks.techniques_cache``.

Within one language (``--variants``):

* ``base`` — the detector's paragraph model (reproduces the ``hash+e5`` column);
* ``emean`` / ``emean-half`` — plus the mean e5 vector of the article's *other* paragraphs (the
  block weighted 1 or ½);
* ``neighbours`` — plus the e5 vectors of the previous and next paragraph (weight 0.7 each);
* ``context`` — mean, neighbours and the paragraph's relative position and the article's size;
* ``stacker`` — a second regression over the first stage's out-of-fold logits of the paragraph,
  its neighbours, the article's mean and maximum and the position (label co-occurrence and
  article context), with its own out-of-fold thresholds;
* ``mlp-fusion`` — the base logits plus those of a one-hidden-layer network on the e5 vector.

Pooled (``--pooled de,fr,ru``): one model of all the given languages' training folds, scored per
language, with one set of thresholds or one per language, and its logits added to the
within-language model's (late fusion).

    nice python -m benchmarks.techniques_variants [--languages de,fr] [--variants base,emean]
    nice python -m benchmarks.techniques_variants --pooled de,fr,ru
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from benchmarks.techniques import micro_macro
from benchmarks.techniques_cache import DATA, EN_STRIDE, WORK, key, load_cache
from disproof.embed.base import Vectors
from disproof.narratives.logistic import fit_one_vs_rest
from disproof.techniques.corpus import read_corpus
from disproof.techniques.fit import article_folds, micro_thresholds, paragraph_rows
from disproof.techniques.hashing import paragraph_features

Array = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Index = npt.NDArray[np.intp]
#: A block of features: its matrix, whether it is standardised on the training rows, its weight.
Block = tuple[Array, bool, float]


@dataclass(frozen=True)
class Language:
    hashed: Array
    e5: Array
    gold: Bools
    group: Index
    articles: int


def load_language(lang: str, cache: dict[str, Vectors]) -> Language | None:
    articles = read_corpus(DATA, [lang])
    if lang == "en":
        articles = articles[::EN_STRIDE]
    rows = paragraph_rows(articles)
    if not all(key(text) in cache for text in rows.texts):
        return None
    hashed = paragraph_features(rows.texts, rows.first, 4096).astype(np.float64)
    e5 = np.stack([cache[key(text)] for text in rows.texts]).astype(np.float64)
    return Language(hashed, e5, rows.gold, rows.group, len(articles))


def context(v: Array, group: Index) -> tuple[Array, Array, Array, Array]:
    """Previous and next paragraph's rows (zero at the article's ends), the mean of the
    article's other paragraphs, and [relative position, log article size / 4]."""
    prev, nxt = np.zeros_like(v), np.zeros_like(v)
    same_prev = np.r_[False, group[1:] == group[:-1]]
    same_next = np.r_[group[:-1] == group[1:], False]
    prev[same_prev] = v[:-1][same_prev[1:]]
    nxt[same_next] = v[1:][same_next[:-1]]
    sums = np.zeros((int(group.max()) + 1, v.shape[1]))
    np.add.at(sums, group, v)
    counts = np.bincount(group).astype(np.float64)
    mean = (sums[group] - v) / np.maximum(counts[group] - 1, 1)[:, None]
    position = np.zeros(len(v))
    for g in np.unique(group):
        index = np.flatnonzero(group == g)
        position[index] = np.arange(len(index)) / max(len(index) - 1, 1)
    return prev, nxt, mean, np.column_stack([position, np.log1p(counts[group]) / 4])


def build(blocks: Sequence[Block], train: Index, test: Index) -> tuple[Array, Array]:
    """The rows of ``train`` and ``test``, each block standardised on ``train`` (as
    :class:`~disproof.narratives.features.Scaling`) when asked, and weighted."""
    left, right = [], []
    for matrix, standardise, weight in blocks:
        a, b = matrix[train], matrix[test]
        if standardise:
            mean, scale = a.mean(axis=0), a.std(axis=0)
            scale[scale == 0] = 1.0
            factor = weight / np.sqrt(a.shape[1])
            a, b = (a - mean) / scale * factor, (b - mean) / scale * factor
        else:
            a, b = a * weight, b * weight
        left.append(a)
        right.append(b)
    return np.hstack(left), np.hstack(right)


def inner_folds(groups: Index, seed: int = 0) -> Index:
    """The inner fold (0–2, by article) of each row, as the detector's threshold folds."""
    out = np.zeros(len(groups), np.intp)
    for k, mask in enumerate(article_folds(groups, 3, seed=seed)):
        out[mask] = k
    return out


def logistic(blocks: Sequence[Block], gold: Bools, train: Index, test: Index) -> Array:
    a, b = build(blocks, train, test)
    weights, bias = fit_one_vs_rest(a, gold[train], 1.0, iterations=20)
    out: Array = b @ weights + bias
    return out


def fit_and_oof(
    model: Callable[[Index, Index], Array], train: Index, test: Index, folds: Index
) -> tuple[Array, Array]:
    """Logits of ``test`` from a model of ``train``, and out-of-fold logits of ``train`` (the
    inner ``folds``: one id per row of ``train``)."""
    oof: Array | None = None
    for k in range(3):
        inside = folds == k
        logits = model(train[~inside], train[inside])
        if oof is None:
            oof = np.zeros((len(train), logits.shape[1]))
        oof[inside] = logits
    assert oof is not None
    return model(train, test), oof


def mlp(x: Array, y: Bools, test: Array, hidden: int = 256, epochs: int = 20) -> Array:
    """Logits of a one-hidden-layer ReLU network (dropout 0.2, class-balanced cross-entropy,
    Adam, weight decay 1e-4) trained on ``x``, ``y``, for the rows ``test``."""
    rng = np.random.default_rng(0)
    n, d = x.shape
    positive = y.mean(axis=0).clip(1e-3, 1 - 1e-3)
    params = {
        "w1": rng.normal(0, np.sqrt(2 / d), (d, hidden)),
        "b1": np.zeros(hidden),
        "w2": rng.normal(0, np.sqrt(1 / hidden), (hidden, y.shape[1])),
        "b2": np.log(positive / (1 - positive)),
    }
    first = {k: np.zeros_like(v) for k, v in params.items()}
    second = {k: np.zeros_like(v) for k, v in params.items()}
    target = y.astype(np.float64)
    step = 0
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, 64):
            rows = order[start : start + 64]
            pre = x[rows] @ params["w1"] + params["b1"]
            keep = (rng.random(pre.shape) > 0.2) / 0.8 * (pre > 0)
            hidden_out = pre * keep
            p = 1 / (1 + np.exp(-(hidden_out @ params["w2"] + params["b2"])))
            weight = np.where(target[rows] > 0, 0.5 / positive, 0.5 / (1 - positive))
            g = weight * (p - target[rows]) / len(rows)
            back = (g @ params["w2"].T) * keep
            grads = {"w2": hidden_out.T @ g, "b2": g.sum(0), "w1": x[rows].T @ back}
            grads["b1"] = back.sum(0)
            step += 1
            for name, value in params.items():
                grad = grads[name] + (1e-4 * value if name[0] == "w" else 0.0)
                first[name] = 0.9 * first[name] + 0.1 * grad
                second[name] = 0.999 * second[name] + 0.001 * grad * grad
                value -= (
                    1e-3
                    * (first[name] / (1 - 0.9**step))
                    / (np.sqrt(second[name] / (1 - 0.999**step)) + 1e-8)
                )
    out: Array = np.maximum(test @ params["w1"] + params["b1"], 0) @ params["w2"] + params["b2"]
    return out


def standardised(matrix: Array, train: Index, test: Index) -> tuple[Array, Array]:
    mean, scale = matrix[train].mean(axis=0), matrix[train].std(axis=0) + 1e-9
    return (matrix[train] - mean) / scale, (matrix[test] - mean) / scale


def stacked_rows(logits: Array, group: Index) -> Array:
    prev, nxt, mean, position = context(logits, group)
    top = np.full((int(group.max()) + 1, logits.shape[1]), -np.inf)
    np.maximum.at(top, group, logits)
    return np.column_stack([logits, prev, nxt, mean, top[group], position])


VARIANTS = ("base", "emean", "emean-half", "neighbours", "context", "stacker", "mlp-fusion")


def within(lang: str, data: Language, variants: Sequence[str]) -> None:
    prev, nxt, mean, position = context(data.e5, data.group)
    base: list[Block] = [(data.hashed, False, 1.0), (data.e5, True, 1.0)]
    extra: dict[str, list[Block]] = {
        "base": [],
        "emean": [(mean, True, 1.0)],
        "emean-half": [(mean, True, 0.5)],
        "neighbours": [(prev, True, 0.7), (nxt, True, 0.7)],
        "context": [(mean, True, 1.0), (prev, True, 0.7), (nxt, True, 0.7), (position, False, 1)],
        "stacker": [],
        "mlp-fusion": [],
    }
    masks = article_folds(np.arange(data.articles), 3, seed=1)
    gold = data.gold
    for variant in variants:
        started = time.monotonic()
        predicted = np.zeros_like(gold)
        for mask in masks:
            is_test = np.isin(data.group, np.flatnonzero(mask))
            train, test = np.flatnonzero(~is_test), np.flatnonzero(is_test)
            folds = inner_folds(data.group[train])
            blocks = base + extra[variant]

            def linear(tr: Index, te: Index, blocks: list[Block] = blocks) -> Array:
                return logistic(blocks, gold, tr, te)

            logits, oof = fit_and_oof(linear, train, test, folds)
            if variant == "stacker":
                logits, oof = _stack(logits, oof, data.group[test], data.group[train], gold[train])
            elif variant == "mlp-fusion":
                net_test, net_oof = fit_and_oof(
                    lambda tr, te: mlp(*_pair(data.e5, tr, te, gold)), train, test, folds
                )
                logits, oof = logits + 0.5 * net_test, oof + 0.5 * net_oof
            predicted[test] = logits >= micro_thresholds(oof, gold[train])
        micro, macro = micro_macro(gold, predicted)
        took = time.monotonic() - started
        print(f"| {lang} | {variant} | {micro:.3f} | {macro:.3f} | {took:.0f} s |", flush=True)


def _pair(matrix: Array, train: Index, test: Index, gold: Bools) -> tuple[Array, Bools, Array]:
    a, b = standardised(matrix, train, test)
    return a, gold[train], b


def _stack(
    logits: Array, oof: Array, test_group: Index, train_group: Index, gold: Bools
) -> tuple[Array, Array]:
    """Second stage: fitted on the first stage's out-of-fold logits of the training rows (its
    own thresholds from its own inner folds), applied to the first stage's test logits."""
    a, b = stacked_rows(oof, train_group), stacked_rows(logits, test_group)
    mean, scale = a.mean(axis=0), a.std(axis=0) + 1e-9
    a, b = (a - mean) / scale, (b - mean) / scale
    second = np.zeros(gold.shape)
    folds = inner_folds(train_group, seed=5)
    for k in range(3):
        inside = folds == k
        weights, bias = fit_one_vs_rest(a[~inside], gold[~inside], 1.0, iterations=20)
        second[inside] = a[inside] @ weights + bias
    weights, bias = fit_one_vs_rest(a, gold, 1.0, iterations=20)
    return b @ weights + bias, second


def pooled(languages: Sequence[str], data: Sequence[Language]) -> None:
    """One model of every language's training folds (the benchmark's folds of each language)."""
    hashed = np.vstack([d.hashed for d in data])
    e5 = np.vstack([d.e5 for d in data])
    gold = np.vstack([d.gold for d in data])
    offsets = np.cumsum([0] + [d.articles for d in data])
    group = np.concatenate([d.group + offsets[i] for i, d in enumerate(data)])
    lang = np.concatenate([np.full(len(d.gold), i) for i, d in enumerate(data)])
    fold = np.concatenate(
        [_fold_of(d.group, article_folds(np.arange(d.articles), 3, seed=1)) for d in data]
    )
    blocks: list[Block] = [(hashed, False, 1.0), (e5, True, 1.0)]
    kinds = ("within", "pooled, shared thresholds", "pooled, thresholds per language",
             "within + ½ pooled", "within + pooled")  # fmt: skip
    predicted = {kind: np.zeros_like(gold) for kind in kinds}
    for k in range(3):
        train, test = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
        folds = inner_folds(group[train])
        pool, pool_oof = fit_and_oof(
            lambda tr, te: logistic(blocks, gold, tr, te), train, test, folds
        )
        shared = micro_thresholds(pool_oof, gold[train])
        for i in range(len(data)):
            own_train, own_test = lang[train] == i, lang[test] == i
            own, own_oof = fit_and_oof(
                lambda tr, te: logistic(blocks, gold, tr, te),
                train[own_train],
                test[own_test],
                folds[own_train],
            )
            g, rows = gold[train][own_train], test[own_test]
            p_test, p_oof = pool[own_test], pool_oof[own_train]
            predicted["within"][rows] = own >= micro_thresholds(own_oof, g)
            predicted["pooled, shared thresholds"][rows] = p_test >= shared
            predicted["pooled, thresholds per language"][rows] = p_test >= micro_thresholds(
                p_oof, g
            )
            for beta, kind in ((0.5, "within + ½ pooled"), (1.0, "within + pooled")):
                cut = micro_thresholds(own_oof + beta * p_oof, g)
                predicted[kind][rows] = own + beta * p_test >= cut
        print(f"  fold {k + 1}/3 done", flush=True)
    for i, code in enumerate(languages):
        for kind in kinds:
            micro, macro = micro_macro(gold[lang == i], predicted[kind][lang == i])
            print(f"| {code} | {kind} | {micro:.3f} | {macro:.3f} |", flush=True)


def _fold_of(group: Index, masks: Sequence[Bools]) -> Index:
    of_article = np.zeros(len(masks[0]), np.intp)
    for k, mask in enumerate(masks):
        of_article[mask] = k
    out: Index = of_article[group]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--languages", default="de,fr,it,pl,ru,en")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--pooled", help="comma-separated languages to pool instead")
    args = parser.parse_args()
    folders = sorted(WORK.iterdir()) if WORK.is_dir() else []
    if not folders:
        raise SystemExit("no cached e5 vectors: run `python -m benchmarks.techniques_cache`")
    cache = load_cache(folders[0])
    if args.pooled:
        languages = args.pooled.split(",")
        loaded = [load_language(code, cache) for code in languages]
        missing = [code for code, d in zip(languages, loaded, strict=True) if d is None]
        if missing:
            raise SystemExit(f"e5 vectors not all cached for {', '.join(missing)}")
        print("| lang | model | micro-F1 | macro-F1 |\n|---|---|---:|---:|")
        pooled(languages, [d for d in loaded if d is not None])
        return
    print("| lang | variant | micro-F1 | macro-F1 | time |\n|---|---|---:|---:|---:|")
    for code in args.languages.split(","):
        found = load_language(code, cache)
        if found is None:
            print(f"| {code} | not run: e5 vectors not all cached | | | |")
            continue
        within(code, found, args.variants.split(","))


if __name__ == "__main__":
    main()
