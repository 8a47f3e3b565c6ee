"""Persuasion techniques (issue 21): the detector against TF-IDF + LR and "three most frequent".

Cross-validation by article inside each language of the development part of
``/work/shared/data/persuasion`` (``--folds``, default 3): every method learns from the other
folds' articles of that language and predicts the held-out fold; out-of-fold predictions are
pooled per language. Printed per language:

* paragraph micro-F1 and macro-F1 (the SemEval-2023 Task 3 subtask 3 measures; macro with
  ``zero_division=1`` as the official scorer) of
  ``top3`` (the three most frequent techniques of the training folds, for every paragraph),
  ``tfidf-lr`` (word TF-IDF, one-vs-rest logistic regression, C = 1, threshold 0.5: the
  standard baseline), ``hash`` (the detector over hashed n-grams only, ``--no-embed``) and
  ``hash+e5`` (the detector with e5 paragraph vectors, only for languages whose vectors are all
  in the cache: ``python -m benchmarks.techniques_cache``);
* span F1 of the detector with partial credit for overlap (SemEval-2020 Task 11 / PTC: precision
  = mean over predicted spans of the overlap with gold spans of the same technique / predicted
  length, recall the same over gold spans, micro over techniques);
* the time to detect a 1,000-word article (paragraphs of English development articles).

    nice python -m benchmarks.techniques [--languages de,fr] [--en-stride 4] [--folds 3]
    nice python -m benchmarks.techniques --pooled   # the detector trained on all languages at
                                                    # once, with its language heads
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from benchmarks.techniques_cache import DATA, EN_STRIDE, WORK, key, load_cache
from disproof.embed.base import Vectors
from disproof.narratives.logistic import fit_one_vs_rest, gram_matrix
from disproof.techniques import Detector, TechniqueSpan
from disproof.techniques.corpus import Article, read_corpus
from disproof.techniques.fit import article_folds, fit_model, micro_thresholds, paragraph_rows
from disproof.techniques.taxonomy import NAMES
from disproof.text.tfidf import fit_tfidf, tokenize

Bools = npt.NDArray[np.bool_]
LANGUAGES = ("en", "fr", "de", "it", "pl", "ru")
COLUMN = {name: i for i, name in enumerate(NAMES)}


class CachedE5:
    """The cached e5 vectors behind the :class:`~disproof.embed.Embedder` protocol."""

    def __init__(self, folder: Path, cache: dict[str, Vectors]) -> None:
        self.folder, self.cache = folder, cache
        self.model_id = folder.name
        self.dim, self.normalized = 384, True
        self.query_prefix = self.document_prefix = "query: "

    def covers(self, texts: Sequence[str]) -> bool:
        return all(key(text) in self.cache for text in texts)

    def encode_queries(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        return np.stack([self.cache[key(text)] for text in texts])

    encode_documents = encode_queries


def micro_macro(gold: Bools, predicted: Bools) -> tuple[float, float]:
    tp = (gold & predicted).sum(axis=0)
    wrong = (gold ^ predicted).sum(axis=0)
    micro = 2 * tp.sum() / max(2 * tp.sum() + wrong.sum(), 1)
    per = np.where(2 * tp + wrong > 0, 2 * tp / np.maximum(2 * tp + wrong, 1), 1.0)
    return float(micro), float(per.mean())


def span_f1(gold: list[list[tuple[int, int, str]]], predicted: list[list[TechniqueSpan]]) -> float:
    """Partial-overlap span F1 (each span's credit capped at 1), pooled over articles."""
    precision_sum = recall_sum = 0.0
    n_pred = n_gold = 0
    for gold_spans, pred_spans in zip(gold, predicted, strict=True):
        for p in pred_spans:
            hit = sum(
                max(0, min(p.end, e) - max(p.start, s))
                for s, e, t in gold_spans
                if t == p.technique
            )
            precision_sum += min(1.0, hit / (p.end - p.start))
        for s, e, t in gold_spans:
            hit = sum(
                max(0, min(p.end, e) - max(p.start, s)) for p in pred_spans if p.technique == t
            )
            recall_sum += min(1.0, hit / (e - s))
        n_pred += len(pred_spans)
        n_gold += len(gold_spans)
    precision = precision_sum / n_pred if n_pred else 0.0
    recall = recall_sum / n_gold if n_gold else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def paragraph_predictions(articles: Sequence[Article], spans: list[list[TechniqueSpan]]) -> Bools:
    """A paragraph carries a technique when one of its predicted spans overlaps it."""
    rows = []
    for article, found in zip(articles, spans, strict=True):
        for paragraph in article.paragraphs:
            row = np.zeros(len(NAMES), bool)
            for span in found:
                if span.start < paragraph.end and span.end > paragraph.start:
                    row[COLUMN[span.technique]] = True
            rows.append(row)
    return np.array(rows, bool).reshape(-1, len(NAMES))


def tfidf_lr(train: Sequence[Article], test: Sequence[Article], lang: str) -> Bools:
    """The baseline: word TF-IDF (the project's analyzer), L2 logistic regression (C = 1,
    unweighted), a technique predicted where its probability reaches 0.5."""
    train_rows, test_rows = paragraph_rows(train), paragraph_rows(test)
    tokens = tokenize(train_rows.texts, [lang] * len(train_rows.texts))
    tfidf = fit_tfidf(tokens)
    x = tfidf.sparse(tokens).toarray().astype(np.float64)
    weights, bias = fit_one_vs_rest(x, train_rows.gold, 1.0, balanced=False)
    test_tokens = tokenize(test_rows.texts, [lang] * len(test_rows.texts))
    logits = tfidf.sparse(test_tokens).dot(weights) + bias
    out: Bools = logits >= 0
    return out


def tfidf_tuned(train: Sequence[Article], test: Sequence[Article], lang: str) -> Bools:
    """A stronger baseline: the same TF-IDF, class-balanced logistic regression and per-technique
    thresholds chosen as the detector chooses them (out-of-fold logits, by article)."""
    train_rows, test_rows = paragraph_rows(train), paragraph_rows(test)
    tokens = tokenize(train_rows.texts, [lang] * len(train_rows.texts))
    tfidf = fit_tfidf(tokens)
    x = tfidf.sparse(tokens).toarray().astype(np.float64)
    gram = gram_matrix(x)
    logits = np.zeros(train_rows.gold.shape)
    for test_mask in article_folds(train_rows.group, 3):
        keep = np.flatnonzero(~test_mask)
        weights, bias = fit_one_vs_rest(
            x[keep], train_rows.gold[keep], 1.0, gram=gram[np.ix_(keep, keep)]
        )
        logits[test_mask] = x[test_mask] @ weights + bias
    thresholds = micro_thresholds(logits, train_rows.gold)
    weights, bias = fit_one_vs_rest(x, train_rows.gold, 1.0, gram=gram)
    test_tokens = tokenize(test_rows.texts, [lang] * len(test_rows.texts))
    out: Bools = tfidf.sparse(test_tokens).dot(weights) + bias >= thresholds
    return out


def top3(train: Sequence[Article], test: Sequence[Article]) -> Bools:
    counts = paragraph_rows(train).gold.sum(axis=0)
    out = np.zeros((len(paragraph_rows(test).texts), len(NAMES)), bool)
    out[:, np.argsort(-counts, kind="stable")[:3]] = True
    return out


METHODS = ("top3", "tfidf-lr", "tfidf-tuned", "hash", "hash+e5")
DETECTORS = ("hash", "hash+e5")


def evaluate_language(
    lang: str, articles: list[Article], folds: int, e5: CachedE5 | None, wanted: Sequence[str]
) -> dict[str, tuple[float, ...]]:
    rows = paragraph_rows(articles)
    masks = article_folds(np.arange(len(articles)), folds, seed=1)
    methods = [m for m in wanted if m != "hash+e5" or e5 is not None]
    predicted = {m: np.zeros_like(rows.gold) for m in methods}
    detectors = [m for m in methods if m in DETECTORS]
    spans: dict[str, list[list[TechniqueSpan]]] = {m: [[] for _ in articles] for m in detectors}
    group_test = [np.flatnonzero(mask) for mask in masks]
    for k, test_ids in enumerate(group_test):
        train = [a for i, a in enumerate(articles) if not masks[k][i]]
        test = [articles[i] for i in test_ids]
        in_test = np.isin(rows.group, test_ids)
        if "top3" in methods:
            predicted["top3"][in_test] = top3(train, test)
        if "tfidf-lr" in methods:
            predicted["tfidf-lr"][in_test] = tfidf_lr(train, test, lang)
        if "tfidf-tuned" in methods:
            predicted["tfidf-tuned"][in_test] = tfidf_tuned(train, test, lang)
        for method in detectors:
            embedder = e5 if method == "hash+e5" else None
            vectors = None
            if embedder is not None:
                vectors = embedder.encode_queries(paragraph_rows(train).texts)
            model = fit_model(train, vectors=vectors, embedder_id=e5.model_id if e5 else None)
            found = Detector(model, embedder).detect_many([a.text for a in test])  # type: ignore[arg-type]
            for i, result in zip(test_ids, found, strict=True):
                spans[method][i] = result
            predicted[method][in_test] = paragraph_predictions(test, found)
        print(f"  {lang}: fold {k + 1}/{folds} done", flush=True)
    gold_spans = [[(s.start, s.end, s.technique) for s in a.spans] for a in articles]
    out: dict[str, tuple[float, ...]] = {}
    for method in methods:
        micro, macro = micro_macro(rows.gold, predicted[method])
        extra = (span_f1(gold_spans, spans[method]),) if method in spans else ()
        out[method] = (micro, macro, *extra)
    return out


def evaluate_pooled(
    by_language: dict[str, list[Article]], e5: CachedE5, folds: int
) -> dict[str, tuple[float, ...]]:
    """``hash+e5 pooled``: the detector as ``disproof techniques train`` builds it from several
    languages (one pooled regression and a head per language, :mod:`disproof.techniques.fit`),
    trained on the training folds of every language at once (each language's folds as in
    :func:`evaluate_language`, seed 1), and run on each language's held-out fold with the text's
    language given. Micro / macro / span F1 per language."""
    fold_of: dict[str, npt.NDArray[np.intp]] = {}
    for lang, articles in by_language.items():
        of = np.zeros(len(articles), np.intp)
        for k, mask in enumerate(article_folds(np.arange(len(articles)), folds, seed=1)):
            of[mask] = k
        fold_of[lang] = of
    spans: dict[str, list[list[TechniqueSpan]]] = {
        lang: [[] for _ in a] for lang, a in by_language.items()
    }
    for k in range(folds):
        train = [
            a
            for lang, arts in by_language.items()
            for i, a in enumerate(arts)
            if fold_of[lang][i] != k
        ]
        vectors = e5.encode_queries(paragraph_rows(train).texts)
        model = fit_model(train, vectors=vectors, embedder_id=e5.model_id)
        detector = Detector(model, e5)  # type: ignore[arg-type]
        for lang, arts in by_language.items():
            test_ids = np.flatnonzero(fold_of[lang] == k)
            found = detector.detect_many([arts[i].text for i in test_ids], [lang] * len(test_ids))
            for i, result in zip(test_ids, found, strict=True):
                spans[lang][i] = result
        print(f"  pooled: fold {k + 1}/{folds} done", flush=True)
    out: dict[str, tuple[float, ...]] = {}
    for lang, arts in by_language.items():
        gold = paragraph_rows(arts).gold
        micro, macro = micro_macro(gold, paragraph_predictions(arts, spans[lang]))
        gold_spans = [[(s.start, s.end, s.technique) for s in a.spans] for a in arts]
        out[lang] = (micro, macro, span_f1(gold_spans, spans[lang]))
    return out


def thousand_words(articles: Sequence[Article]) -> str:
    lines: list[str] = []
    words = 0
    for article in articles:
        for p in article.paragraphs:
            lines.append(article.text[p.start : p.end])
            words += len(lines[-1].split())
            if words >= 1000:
                return "\n".join(lines)
    return "\n".join(lines)


def timing(detector: Detector, text: str, repeats: int = 3) -> float:
    """Median seconds of ``detector.detect(text)`` after one warm-up run (which loads the
    embedder, if any)."""
    detector.detect(text)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        detector.detect(text)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def report_timing(e5: CachedE5 | None) -> None:
    """Detection time of a 1,000-word article: the n-gram model, and the e5 model (trained on
    the German articles' cached vectors, run with the real encoder) when they are cached."""
    english = read_corpus(DATA, ["en"])
    text = thousand_words(english)
    print(f"1,000-word article ({len(text.split())} words, {len(text)} chars, "
          f"{len(text.splitlines())} paragraphs):")  # fmt: skip
    print(f"  hash model: {timing(Detector(fit_model(english[::8])), text):.3f} s", flush=True)
    from disproof.techniques.model import DATA_FOLDER, E5_MODEL_FILE, MODEL_FILE, load_model

    for name in (MODEL_FILE, E5_MODEL_FILE):
        if (DATA_FOLDER / name).is_file():
            shipped = Detector(load_model(DATA_FOLDER / name))
            print(f"  shipped {name}: {timing(shipped, text):.3f} s", flush=True)
    german = read_corpus(DATA, ["de"])
    texts = paragraph_rows(german).texts
    if e5 is None or not e5.covers(texts):
        print("  hash+e5 model: not run (German vectors not cached)")
        return
    from disproof.embed import load_embedder

    real, _ = load_embedder("e5")
    model = fit_model(german, vectors=e5.encode_queries(texts), embedder_id=real.model_id)
    print(f"  hash+e5 model: {timing(Detector(model, real), text):.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--en-stride", type=int, default=EN_STRIDE)
    parser.add_argument("--timing", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--only-timing", action="store_true")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument(
        "--pooled",
        action="store_true",
        help="only hash+e5 pooled: one model of every given language's training folds",
    )
    args = parser.parse_args()
    folders = sorted(WORK.iterdir()) if WORK.is_dir() else []
    e5 = CachedE5(folders[0], load_cache(folders[0])) if folders else None
    if args.only_timing:
        report_timing(e5)
        return
    if args.pooled:
        if e5 is None:
            raise SystemExit("no cached e5 vectors: run `python -m benchmarks.techniques_cache`")
        by_language = {}
        for lang in args.languages.split(","):
            articles = read_corpus(DATA, [lang])
            by_language[lang] = articles[:: args.en_stride] if lang == "en" else articles
        print("| lang | hash+e5 pooled micro/macro/span |")
        for lang, result in evaluate_pooled(by_language, e5, args.folds).items():
            print(f"| {lang} | " + "/".join(f"{v:.3f}" for v in result) + " |", flush=True)
        return
    print(
        "| lang | articles | paragraphs | top3 micro/macro | TF-IDF+LR micro/macro "
        "| TF-IDF+LR tuned micro/macro | hash micro/macro/span | hash+e5 micro/macro/span |"
    )
    results = []
    for lang in args.languages.split(","):
        articles = read_corpus(DATA, [lang])
        if lang == "en":
            articles = articles[:: args.en_stride]
        texts = paragraph_rows(articles).texts
        covered = e5 if e5 is not None and e5.covers(texts) else None
        result = evaluate_language(lang, articles, args.folds, covered, args.methods.split(","))
        results.append((lang, len(articles), len(texts), result))
        cells = [
            "/".join(f"{v:.3f}" for v in result[m]) if m in result else "not run" for m in METHODS
        ]
        print(
            f"| {lang} | {len(articles)} | {len(texts)} | " + " | ".join(cells) + " |", flush=True
        )
    if args.timing:
        report_timing(e5)


if __name__ == "__main__":
    main()
