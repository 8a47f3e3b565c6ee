"""Fitting the article rule on tuning articles, and cross-validating the whole fit over them
(``benchmarks/article_fit.py``), on small synthetic rows."""

from __future__ import annotations

import numpy as np
from benchmarks.article_data import Article
from benchmarks.article_eval import Row
from benchmarks.article_fit import FOLDS, cross_validated, rules_from_rows


def _rows(articles: int, seed: int) -> tuple[list[Row], list[Row], list[Article]]:
    """Each article has two gold cases; a span's first feature (its logit) separates the gold
    case it names from a distractor's, with noise."""
    rng = np.random.default_rng(seed)
    arts = [Article(f"a{n}", text="w " * 300, gold={f"g{n}a", f"g{n}b"}) for n in range(articles)]
    spans: list[Row] = []
    windows: list[Row] = []
    for n in range(articles):
        for k in range(12):
            gold = k < 2
            case = f"g{n}{'ab'[k]}" if gold else f"d{n}-{k}"
            x = rng.normal(size=6)
            x[0] += 3.0 if gold else -1.0
            spans.append((n, case, x, (10 * k, 10 * k + 9)))
            if k < 6:
                w = rng.normal(size=6)
                w[0] += 3.0 if gold else -1.0
                windows.append((n, case, w, (10 * k, 10 * k + 19)))
    return spans, windows, arts


def test_the_fit_lists_from_thresholds_chosen_on_the_tuning_articles() -> None:
    spans, windows, arts = _rows(40, 1)
    rule = rules_from_rows(spans, windows, arts)
    assert 0.0 < rule.suggested <= rule.confirmed <= 1.0
    assert rule.weights[0] > 0  # the candidate's logit says most
    assert rule.window is not None and rule.window.suggested == rule.window.confirmed


def test_cross_validation_scores_every_tuning_article_once_out_of_fold() -> None:
    spans, windows, arts = _rows(5 * FOLDS, 2)
    score = cross_validated(spans, windows, arts)
    assert score.articles == len(arts) and score.gold == 2 * len(arts)
    assert score.listed > 0 and score.right / score.listed > 0.8  # separable rows
