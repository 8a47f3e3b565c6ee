"""Scoring what ``Matcher.match`` lists for articles, and the span rows the article rule is
fitted on (for ``benchmarks.article_checks``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from benchmarks.article_data import Article
from disproof.service import Disproof
from disproof.settings import Settings


class CachedEmbedder:
    """The matcher's embedder with a persistent cache of query vectors (text → vector)."""

    def __init__(self, inner: Any, path: Path) -> None:
        self.inner, self.path = inner, path
        self.model_id = inner.model_id
        self.cache: dict[str, npt.NDArray[np.float32]] = {}
        if path.exists():
            data = np.load(path)
            self.cache = dict(zip(json.loads(str(data["texts"])), data["vectors"], strict=True))
        self.new = 0

    def encode_queries(self, texts: list[str], **kw: Any) -> npt.NDArray[np.float32]:
        missing = sorted({t for t in texts if t not in self.cache})
        if missing:
            for text, vector in zip(missing, self.inner.encode_queries(missing), strict=True):
                self.cache[text] = vector
            self.new += len(missing)
            if self.new >= 200:
                self.save()
        return np.stack([self.cache[t] for t in texts]) if texts else np.zeros((0, 1), np.float32)

    def save(self) -> None:
        texts = list(self.cache)
        vectors = np.stack([self.cache[t] for t in texts])
        partial = self.path.with_name(self.path.name + ".partial.npz")
        np.savez(partial, texts=json.dumps(texts), vectors=vectors)
        partial.replace(self.path)  # atomic: another run may be reading it
        self.new = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def open_matcher(db: Path, source: Path) -> Any:
    service = Disproof.open(Settings(db=str(db)))
    if service.count() == 0:
        service.import_file(source)
    matcher = service.matcher("e5")
    assert matcher.embedder is not None, "no embedding backend could load"
    matcher.embedder = cast(Any, CachedEmbedder(matcher.embedder, db.with_suffix(".queries.npz")))
    return matcher


@dataclass
class Score:
    articles: int = 0
    words: int = 0
    listed: int = 0
    most: int = 0
    right: int = 0
    right_loose: int = 0
    narrative: bool = False
    gold: int = 0
    found: int = 0
    distractors: int = 0
    distractors_hit: int = 0

    def add(self, article: Article, listed: dict[str, list[tuple[int, int]]]) -> None:
        self.articles += 1
        self.words += len(article.text.split())
        self.listed += len(listed)
        self.most = max(self.most, len(listed))
        self.right += sum(case in article.gold for case in listed)
        self.right_loose += sum(case in article.loose for case in listed)
        self.narrative = self.narrative or bool(article.loose)
        self.gold += len(article.gold)
        self.found += len(article.gold & set(listed))
        spans = [s for ranges in listed.values() for s in ranges]
        for start, end, piece in article.ranges:
            if not piece.gold:
                self.distractors += 1
                self.distractors_hit += any(a < end and b > start for a, b in spans)

    def row(self, name: str) -> str:
        p = self.right / self.listed if self.listed else 1.0
        r = self.found / self.gold if self.gold else 0.0
        d = self.distractors_hit / self.distractors if self.distractors else 0.0
        narrative = self.narrative and self.listed
        loose = f"{self.right_loose / self.listed:.3f}" if narrative else "–"
        return (
            f"| {name} | {self.articles} | {self.words / max(1, self.articles):.0f} | "
            f"{self.listed / max(1, self.articles):.1f} / {self.most} | {p:.3f} | {loose} | "
            f"{r:.3f} | {d:.1%} |"
        )


HEADER = (
    "| configuration | articles | words/article | listed/article (mean / max) | case precision "
    "| precision, narrative level | case recall | distractor sentences matched |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|"
)


def production(matcher: Any, articles: list[Article]) -> Score:
    """The listed cases of ``Matcher.match`` (the CLI's default), one entry per case."""
    score = Score()
    for article in articles:
        listed: dict[str, list[tuple[int, int]]] = {}
        for m in matcher.match(article.text, top_k=5).matches:
            spans = getattr(m, "spans", None) or [m.span]
            listed.setdefault(m.case_id, []).extend((s.start, s.end) for s in spans)
        score.add(article, listed)
    return score


# -- span rows: what the article rule sees, for fitting and threshold choice -------------------

Row = tuple[int, str, npt.NDArray[np.float64], tuple[int, int]]


def span_rows(matcher: Any, articles: list[Article], windows: bool = False) -> list[Row]:
    """One row per span (or, with ``windows``, per window of two adjacent English spans) that
    has a candidate: its best case and its ``SPAN_FEATURES``."""
    from disproof.match.article import span_features, window_spans
    from disproof.match.matcher import RULE_LANGUAGE, matching_text
    from disproof.text.clauses import claim_clauses

    ids = {case.pk: case.id for case in matcher.corpus.case_texts()}
    rows: list[Row] = []
    for n, article in enumerate(articles):
        spans, _ = claim_clauses(article.text)
        if windows:
            spans = window_spans(article.text, spans, RULE_LANGUAGE)
        vectors = matcher.embedder.encode_queries([s.text for s in spans])
        for span, vector in zip(spans, vectors, strict=True):
            tokens = matcher.analyzer.tokens(matching_text(span.text), span.language)
            candidates = matcher.score_span(tokens, vector, 2)
            if candidates:
                x = span_features(matcher.span_evidence(candidates, span, tokens))
                case = ids[int(matcher.index.pks[candidates[0].row])]
                rows.append((n, case, x, (span.start, span.end)))
    return rows


def listed_at(
    rows: list[Row], p: npt.NDArray[np.float64], t: float, articles: list[Article]
) -> list[dict[str, list[tuple[int, int]]]]:
    from disproof.match.article import max_cases

    best: list[dict[str, float]] = [{} for _ in articles]
    where: list[dict[str, list[tuple[int, int]]]] = [{} for _ in articles]
    for (n, case, _, span), prob in zip(rows, p, strict=True):
        if prob >= t:
            best[n][case] = max(best[n].get(case, 0.0), float(prob))
            where[n].setdefault(case, []).append(span)
    out = []
    for n, article in enumerate(articles):
        keep = sorted(best[n], key=lambda c: -best[n][c])[: max_cases(len(article.text.split()))]
        out.append({c: where[n][c] for c in keep})
    return out


def simulate(rows: list[Row], p: npt.NDArray[np.float64], t: float, arts: list[Article]) -> Score:
    score = Score()
    for article, listed in zip(arts, listed_at(rows, p, t, arts), strict=True):
        score.add(article, listed)
    return score


def choose(
    rows: list[Row], p: npt.NDArray[np.float64], arts: list[Article], target: float
) -> float:
    """The threshold with the best recall among those whose case precision reaches ``target``;
    where none does, the one with the best F1."""
    best_t, best_recall, f1_t, best_f1 = 1.0, -1.0, 1.0, -1.0
    for t in np.unique(np.round(p, 3)):
        s = simulate(rows, p, float(t), arts)
        precision, recall = (s.right / s.listed if s.listed else 0.0), s.found / s.gold
        if precision >= target and s.listed and recall > best_recall:
            best_t, best_recall = float(t), recall
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if f1 > best_f1:
            f1_t, best_f1 = float(t), f1
    return best_t if best_recall >= 0 else f1_t


def fit_probability(
    rows: list[Row], arts: list[Article]
) -> Callable[[npt.NDArray[np.float64]], Any]:
    from benchmarks.logistic import fit_logistic

    x = np.vstack([r[2] for r in rows])
    y = np.array([r[1] in arts[r[0]].gold for r in rows], dtype=np.float64)
    w, b, mean, scale = fit_logistic(x, y, l2=1.0)
    return lambda z: 1.0 / (1.0 + np.exp(-(((z - mean) / scale) @ w + b)))


def merge(total: Score, part: Score) -> None:
    for name in ("articles", "words", "listed", "right", "right_loose", "gold", "found"):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    total.narrative = total.narrative or part.narrative
    total.distractors += part.distractors
    total.distractors_hit += part.distractors_hit
    total.most = max(total.most, part.most)


def choose_pair(
    spans: tuple[list[Row], npt.NDArray[np.float64]],
    windows: tuple[list[Row], npt.NDArray[np.float64]],
    arts: list[Article],
    target: float,
    spans_at: float,
) -> float:
    """The windows' threshold (on a grid of their probabilities' quantiles), with spans listed
    from ``spans_at``, with the best recall where case precision reaches ``target`` (else
    1.01: no window)."""
    rows = spans[0] + windows[0]
    best, best_recall = 1.01, -1.0
    for t2 in np.unique(np.round(np.quantile(windows[1], np.linspace(0.0, 1.0, 41)), 3)):
        p = np.concatenate([spans[1] - spans_at, windows[1] - t2])
        s = simulate(rows, p, 0.0, arts)
        precision, recall = (s.right / s.listed if s.listed else 0.0), s.found / s.gold
        if s.listed and precision >= target and recall > best_recall:
            best, best_recall = float(t2), recall
    return best


def out_of_fold(rows: list[Row], arts: list[Article], folds: int = 5) -> npt.NDArray[np.float64]:
    """Each row's probability from a logistic rule fitted on the other folds' articles."""
    x = np.vstack([r[2] for r in rows])
    fold = np.array([r[0] % folds for r in rows])
    out = np.zeros(len(rows))
    for k in range(folds):
        train = [r for r, f in zip(rows, fold, strict=True) if f != k]
        out[fold == k] = fit_probability(train, arts)(x[fold == k])
    return out
