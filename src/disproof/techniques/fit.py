"""Training a :class:`~disproof.techniques.model.TechniqueModel` from labelled articles.

Paragraphs: one-vs-rest logistic regression (the narrative classifier's batched Newton solver,
:mod:`disproof.narratives.logistic`, class-balanced) over hashed word and character n-grams
(:mod:`.hashing`) and, when an embedder is given, the paragraph's e5 embedding beside them
(standardised and scaled as the narrative classifier does, :class:`~disproof.narratives.features.
Scaling`, then folded into the weights). Balanced weights put every technique's logits on a
different scale, so each technique gets its own threshold, chosen on out-of-fold logits
(cross-validation by article) to maximise micro-F1 over all (paragraph, technique) decisions.

Languages: when the articles are in several languages and e5 vectors are given, the model
above learns from all of them (the e5 space is multilingual), and each language with at least
``language_paragraphs`` paragraphs also gets a head of its own: the same regression fitted on
that language's paragraphs alone, plus ``pooled_share`` times the pooled model's logits (late
fusion; both are linear in the same features, so the head is one weight matrix), with thresholds
chosen on that sum's out-of-fold logits over the language's paragraphs. Measured
(docs/benchmarks.md, "Persuasion techniques"): +0.3 to +1.5 points of paragraph micro-F1 over
within-language training in each of six languages. A text in another language uses the pooled
model.

Sentences: the same regression over hashed n-grams of the sentences of paragraphs that carry a
technique, a sentence labelled with the techniques of the gold spans it overlaps. It only places
spans inside a paragraph the paragraph model flagged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from disproof.narratives.features import Scaling
from disproof.narratives.logistic import fit_one_vs_rest
from disproof.techniques.corpus import Article
from disproof.techniques.hashing import SHAPE_FEATURES, hashed_features, paragraph_features
from disproof.techniques.model import LanguageHead, TechniqueModel
from disproof.techniques.taxonomy import NAMES
from disproof.text.sentences import split_sentences

Array = npt.NDArray[np.float64]
Array32 = npt.NDArray[np.float32]
Bools = npt.NDArray[np.bool_]
#: Hashed buckets shared by word and character n-grams (docs/techniques.md: measured choice).
BUCKETS = 4096
#: L2 strength of the paragraph and sentence regressions.
L2 = 1.0
#: Weight of the e5 block beside the unit-length hashed row.
DENSE_WEIGHT = 1.0
#: Folds (by article) whose out-of-fold logits choose the thresholds.
THRESHOLD_FOLDS = 3
#: A language with at least this many training paragraphs gets a head of its own.
LANGUAGE_PARAGRAPHS = 500
#: The pooled model's share in a language head's logits.
POOLED_SHARE = 0.5
#: At most this many sentences train the sentence model (a fixed, seeded sample beyond it).
MAX_SENTENCES = 20_000
#: Stage, done, total.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Rows:
    """Texts of paragraphs (or sentences), their gold techniques, their article's index and
    whether each is its article's first."""

    texts: list[str]
    gold: Bools
    group: npt.NDArray[np.intp]
    first: list[bool]


def paragraph_rows(articles: Sequence[Article]) -> Rows:
    texts, gold, group, first = [], [], [], []
    column = {name: i for i, name in enumerate(NAMES)}
    for index, article in enumerate(articles):
        for number, paragraph in enumerate(article.paragraphs):
            texts.append(article.text[paragraph.start : paragraph.end])
            first.append(number == 0)
            row = np.zeros(len(NAMES), bool)
            row[[column[t] for t in paragraph.techniques]] = True
            gold.append(row)
            group.append(index)
    gold_matrix = np.array(gold, bool).reshape(-1, len(NAMES))
    return Rows(texts, gold_matrix, np.array(group, np.intp), first)


def sentence_rows(articles: Sequence[Article]) -> Rows:
    """The sentences of every paragraph that carries a technique, labelled from the spans."""
    texts, gold, group = [], [], []
    column = {name: i for i, name in enumerate(NAMES)}
    for index, article in enumerate(articles):
        for paragraph in article.paragraphs:
            if not paragraph.techniques:
                continue
            body = article.text[paragraph.start : paragraph.end]
            for sentence in split_sentences(body):
                start, end = paragraph.start + sentence.start, paragraph.start + sentence.end
                row = np.zeros(len(NAMES), bool)
                for span in article.spans:
                    if span.start < end and span.end > start:
                        row[column[span.technique]] = True
                texts.append(sentence.text)
                gold.append(row)
                group.append(index)
    gold_matrix = np.array(gold, bool).reshape(-1, len(NAMES))
    return Rows(texts, gold_matrix, np.array(group, np.intp), [False] * len(texts))


def article_folds(groups: npt.NDArray[np.intp], folds: int, seed: int = 0) -> list[Bools]:
    """A test mask per fold: whole articles, shuffled with a fixed seed."""
    articles = np.unique(groups)
    order = np.random.default_rng(seed).permutation(articles)
    fold_of = np.empty(int(articles.max()) + 1 if len(articles) else 0, np.intp)
    fold_of[order] = np.arange(len(order)) % folds
    return [fold_of[groups] == k for k in range(folds)]


def micro_thresholds(logits: Array, gold: Bools, passes: int = 2) -> Array32:
    """Per-column thresholds maximising micro-F1 of ``logits >= threshold`` against ``gold``,
    by coordinate ascent (each column's best cut given the others), starting from 0."""
    n, labels = logits.shape
    thresholds = np.zeros(labels)
    predicted = logits >= thresholds
    tp = (predicted & gold).sum(axis=0).astype(np.float64)
    fp = (predicted & ~gold).sum(axis=0).astype(np.float64)
    positives = gold.sum(axis=0).astype(np.float64)
    for _ in range(passes):
        for j in range(labels):
            order = np.argsort(-logits[:, j], kind="stable")
            hits = np.concatenate([[0.0], np.cumsum(gold[order, j])])
            misses = np.arange(n + 1) - hits
            other_tp, other_fp = tp.sum() - tp[j], fp.sum() - fp[j]
            other_fn = positives.sum() - positives[j] - (tp.sum() - tp[j])
            f1 = (
                2
                * (other_tp + hits)
                / np.maximum(
                    2 * (other_tp + hits) + other_fp + misses + other_fn + (positives[j] - hits),
                    1.0,
                )
            )
            best = int(np.argmax(f1))
            cut = logits[order, j]
            thresholds[j] = (
                np.inf
                if best == 0
                else (cut[best - 1] + (cut[best] if best < n else cut[best - 1] - 1.0)) / 2
            )
            tp[j], fp[j] = hits[best], misses[best]
    return thresholds.astype(np.float32)


@dataclass(frozen=True)
class FeatureSpec:
    """What the paragraph model reads: hashed n-grams in ``buckets`` columns, and the e5
    embedding when ``vectors`` (one row per paragraph) are given."""

    buckets: int = BUCKETS
    dense_weight: float = DENSE_WEIGHT
    l2: float = L2
    language_paragraphs: int = LANGUAGE_PARAGRAPHS
    pooled_share: float = POOLED_SHARE


DEFAULT_SPEC = FeatureSpec()


def _fit(x: Array32, gold: Bools, l2: float) -> tuple[Array, Array]:
    return fit_one_vs_rest(np.asarray(x, np.float64), gold, l2, iterations=20)


def _paragraph_matrix(hashed: Array32, vectors: Array32 | None, scaling: Scaling | None) -> Array32:
    if vectors is None or scaling is None:
        return hashed
    return np.hstack([hashed, scaling.apply(np.asarray(vectors, np.float64)).astype(np.float32)])


def out_of_fold_logits(
    hashed: Array32,
    vectors: Array32 | None,
    rows: Rows,
    spec: FeatureSpec,
    folds: int = THRESHOLD_FOLDS,
    progress: Progress | None = None,
) -> Array:
    """Logits of every paragraph from a model that did not see its article."""
    logits = np.zeros(rows.gold.shape)
    for k, test in enumerate(article_folds(rows.group, folds)):
        scaling = (
            Scaling.fit(np.asarray(vectors[~test], np.float64), spec.dense_weight)
            if vectors is not None
            else None
        )
        x = _paragraph_matrix(hashed, vectors, scaling)
        weights, bias = _fit(x[~test], rows.gold[~test], spec.l2)
        logits[test] = x[test] @ weights + bias
        if progress is not None:
            progress("threshold folds", k + 1, folds)
    return logits


def fit_model(
    articles: Sequence[Article],
    *,
    vectors: Array32 | None = None,
    embedder_id: str | None = None,
    spec: FeatureSpec = DEFAULT_SPEC,
    progress: Progress | None = None,
) -> TechniqueModel:
    """A model of ``articles``; ``vectors``: the e5 rows of their paragraphs (in
    :func:`paragraph_rows` order) from the embedder ``embedder_id``, or None for n-grams only."""
    rows = paragraph_rows(articles)
    if len(rows.texts) == 0:
        raise ValueError("no paragraphs to learn from")
    hashed = paragraph_features(rows.texts, rows.first, spec.buckets)
    pooled_oof = out_of_fold_logits(hashed, vectors, rows, spec, progress=progress)
    thresholds = micro_thresholds(pooled_oof, rows.gold)
    scaling = (
        Scaling.fit(np.asarray(vectors, np.float64), spec.dense_weight)
        if vectors is not None
        else None
    )
    weights, bias = _fit(_paragraph_matrix(hashed, vectors, scaling), rows.gold, spec.l2)
    if scaling is not None:
        weights, bias = _fold(weights, bias, scaling, spec.buckets + SHAPE_FEATURES)
    if progress is not None:
        progress("paragraph model", 1, 1)
    heads = _language_heads(
        [a.lang for a in articles], hashed, vectors, rows, spec, pooled_oof, (weights, bias)
    )
    if progress is not None and heads:
        progress("language heads", len(heads), len(heads))
    sentence_weights, sentence_bias = _sentence_model(articles, spec)
    if progress is not None:
        progress("sentence model", 1, 1)
    return TechniqueModel(
        techniques=NAMES,
        buckets=spec.buckets,
        embedder_id=embedder_id if vectors is not None else None,
        embedding_dim=vectors.shape[1] if vectors is not None else 0,
        paragraph_weights=weights.astype(np.float32),
        paragraph_bias=bias.astype(np.float32),
        thresholds=thresholds,
        sentence_weights=sentence_weights.astype(np.float32),
        sentence_bias=sentence_bias.astype(np.float32),
        sentence_thresholds=np.zeros(len(NAMES), np.float32),
        trained_on=f"{len(articles)} articles, {len(rows.texts)} paragraphs",
        language_heads=heads,
    )


def _fit_rows(
    hashed: Array32,
    vectors: Array32 | None,
    gold: Bools,
    rows: npt.NDArray[np.intp],
    spec: FeatureSpec,
) -> tuple[Array, Array]:
    """Weights reading the raw ``[hashed, vectors]`` row (scaling folded in), fitted on ``rows``."""
    scaling = (
        Scaling.fit(np.asarray(vectors[rows], np.float64), spec.dense_weight)
        if vectors is not None
        else None
    )
    x = _paragraph_matrix(hashed[rows], None if vectors is None else vectors[rows], scaling)
    weights, bias = _fit(x, gold[rows], spec.l2)
    if scaling is not None:
        weights, bias = _fold(weights, bias, scaling, spec.buckets + SHAPE_FEATURES)
    return weights, bias


def _language_heads(
    languages: Sequence[str],
    hashed: Array32,
    vectors: Array32 | None,
    rows: Rows,
    spec: FeatureSpec,
    pooled_oof: Array,
    pooled: tuple[Array, Array],
) -> dict[str, LanguageHead]:
    """A head per language with at least ``spec.language_paragraphs`` paragraphs (none when
    the articles are all in one language, or without e5 vectors: the fusion was measured with
    them only): its own regression plus ``spec.pooled_share`` times
    the pooled one, thresholds on the sum's out-of-fold logits (the pooled model's folds)."""
    of_row = np.array(languages, dtype=object)[rows.group]
    if len(set(languages)) < 2 or vectors is None:  # measured with e5 only
        return {}
    raw = hashed if vectors is None else np.hstack([hashed, np.asarray(vectors, np.float32)])
    folds = article_folds(rows.group, THRESHOLD_FOLDS)
    heads: dict[str, LanguageHead] = {}
    for code in sorted(set(languages)):
        mine = of_row == code
        if mine.sum() < spec.language_paragraphs:
            continue
        own = np.zeros(rows.gold.shape)
        for test in folds:
            train_rows, test_rows = np.flatnonzero(mine & ~test), np.flatnonzero(mine & test)
            if len(train_rows) and len(test_rows):
                weights, bias = _fit_rows(hashed, vectors, rows.gold, train_rows, spec)
                own[test_rows] = raw[test_rows] @ weights + bias
        fused = own[mine] + spec.pooled_share * pooled_oof[mine]
        thresholds = micro_thresholds(fused, rows.gold[mine])
        weights, bias = _fit_rows(hashed, vectors, rows.gold, np.flatnonzero(mine), spec)
        heads[code] = LanguageHead(
            weights=(weights + spec.pooled_share * pooled[0]).astype(np.float32),
            bias=(bias + spec.pooled_share * pooled[1]).astype(np.float32),
            thresholds=thresholds,
        )
    return heads


def _fold(weights: Array, bias: Array, scaling: Scaling, sparse: int) -> tuple[Array, Array]:
    """Weights that read the raw embedding (the standardisation folded in)."""
    dense = weights[sparse:] * (scaling.factor / scaling.scale)[:, None]
    shift = (scaling.mean * scaling.factor / scaling.scale) @ weights[sparse:]
    return np.vstack([weights[:sparse], dense]), bias - shift


def _sentence_model(articles: Sequence[Article], spec: FeatureSpec) -> tuple[Array, Array]:
    rows = sentence_rows(articles)
    picked = np.arange(len(rows.texts))
    if len(picked) > MAX_SENTENCES:
        picked = np.sort(np.random.default_rng(0).choice(picked, MAX_SENTENCES, replace=False))
    if len(picked) == 0:
        zeros = np.zeros(len(NAMES))
        return np.zeros((spec.buckets, len(NAMES))), zeros
    x = hashed_features([rows.texts[i] for i in picked], spec.buckets)
    return _fit(x, rows.gold[picked], spec.l2)
