"""Fitting the cross-language calibration on Propaganda Diary quotes, cross-validated over quote
groups (all five language versions of a quote are always on the same side of a fold).

Each quote is one span; its candidates come from the production retrievers
(``Matcher.candidates``) in the database that also holds the EUvsDisinfo cases. Only the diary's
claims are labelled (the quote's own claim 1, the other 67 claims 0); EUvsDisinfo candidates
stay in the candidate set (they shape the margin and rank features) but are never training
pairs, since many of them are right answers the qrels do not name.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from benchmarks.checkthat import threshold_for
from benchmarks.logistic import fit_logistic, fitted_scorer
from benchmarks.propaganda_diary_data import TARGET_PREFIX, Query, group_folds
from disproof.match.calibration import Scorer, Thresholds
from disproof.match.features import FieldScores, feature_matrix
from disproof.match.matcher import Matcher, matching_text

SCORE_FIELDS = ("dense_title", "dense_summary", "lex_title", "lex_summary")
#: Top-1 precision the cross-language ``confirmed`` band must reach out of fold.
CONFIRMED_PRECISION = 0.95
SUGGESTED_PROBABILITY = 0.5
FOLDS = 5
L2 = 1.0


@dataclass(frozen=True)
class QuoteCandidates:
    query: Query
    rows: npt.NDArray[np.intp]
    scores: FieldScores

    def without(self, keep: npt.NDArray[np.bool_]) -> QuoteCandidates:
        index = np.flatnonzero(keep).astype(np.intp)
        return QuoteCandidates(self.query, self.rows[index], self.scores.take(index))

    def features(self) -> npt.NDArray[np.float64]:
        return feature_matrix(self.scores, np.arange(len(self.rows), dtype=np.intp))


def quote_candidates(
    matcher: Matcher, queries: Sequence[Query], cache: Path
) -> list[QuoteCandidates]:
    """Every quote's candidates and scores, cached as arrays (encoding takes minutes)."""
    by_qid = {q.qid: q for q in queries}
    if cache.exists():
        data = np.load(cache)
        order = json.loads(str(data["qids"]))
        if set(by_qid) <= set(order):
            offsets = data["offsets"]
            where = {qid: i for i, qid in enumerate(order)}
            out = []
            for query in queries:
                a, b = offsets[where[query.qid]], offsets[where[query.qid] + 1]
                scores = FieldScores(*(data[f][a:b] for f in SCORE_FIELDS))
                out.append(QuoteCandidates(query, data["rows"][a:b], scores))
            return out
    assert matcher.embedder is not None, "fitting needs the embedding model"
    vectors = matcher.embedder.encode_queries([q.text for q in queries])
    found = []
    for query, vector in zip(queries, vectors, strict=True):
        tokens = matcher.analyzer.tokens(matching_text(query.text), query.lang)
        found.append(QuoteCandidates(query, *matcher.candidates(tokens, vector)))
    np.savez(
        cache,
        qids=json.dumps([c.query.qid for c in found]),
        offsets=np.cumsum([0] + [len(c.rows) for c in found]),
        rows=np.concatenate([c.rows for c in found]),
        **{f: np.concatenate([getattr(c.scores, f) for c in found]) for f in SCORE_FIELDS},
    )
    return found


def _labelled(c: QuoteCandidates, ids: list[str]) -> npt.NDArray[np.bool_]:
    return np.array([ids[r].startswith(TARGET_PREFIX) for r in c.rows], dtype=bool)


def _gold(c: QuoteCandidates, ids: list[str], strict: dict[str, set[str]]) -> npt.NDArray[np.bool_]:
    relevant = strict.get(c.query.qid, set())
    return np.array([ids[r] in relevant for r in c.rows], dtype=bool)


def _variants(
    c: QuoteCandidates, ids: list[str], strict: dict[str, set[str]]
) -> list[QuoteCandidates]:
    """The quote as found, and as it would be if its claim were not in the database."""
    gold = _gold(c, ids, strict)
    return [c, c.without(~gold)] if gold.any() else [c]


def training_pairs(
    quotes: Sequence[QuoteCandidates], ids: list[str], strict: dict[str, set[str]]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    xs, ys = [], []
    for quote in quotes:
        for c in _variants(quote, ids, strict):
            keep = _labelled(c, ids)
            if keep.any():
                xs.append(c.features()[keep])
                ys.append(_gold(c, ids, strict)[keep].astype(np.float64))
    return np.vstack(xs), np.concatenate(ys)


@dataclass
class OutOfFold:
    """Out-of-fold rankings (diary claims only) and open-world top-1 outcomes per language."""

    runs: dict[str, list[str]]
    top1: dict[str, list[tuple[float, bool]]]


def out_of_fold(
    quotes: Sequence[QuoteCandidates],
    ids: list[str],
    strict: dict[str, set[str]],
) -> OutOfFold:
    """Each quote scored by a model fitted on the other folds' quote groups (never its own)."""
    folds = group_folds((q.query for q in quotes), FOLDS)
    placeholder = Thresholds(confirmed=1.0, suggested=1.0)
    runs: dict[str, list[str]] = {}
    top1: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for fold in range(FOLDS):
        kept = [q for q in quotes if folds[q.query.group] != fold]
        held = [q for q in quotes if folds[q.query.group] == fold]
        model = fitted_scorer(fit_logistic(*training_pairs(kept, ids, strict), l2=L2), placeholder)
        for quote in held:
            runs[quote.query.qid] = ranked_targets(quote, ids, model)
            for c in _variants(quote, ids, strict):
                top1[quote.query.lang].append(best_target(c, ids, strict, model))
    return OutOfFold(runs, dict(top1))


def ranked_targets(c: QuoteCandidates, ids: list[str], model: Scorer) -> list[str]:
    """The candidates ranked by ``model`` (all of them: the scoring keeps the diary's)."""
    if not len(c.rows):
        return []
    p = model.probability(c.features())
    return [ids[c.rows[i]] for i in np.lexsort((c.rows, -p))]


def best_target(
    c: QuoteCandidates, ids: list[str], strict: dict[str, set[str]], model: Scorer
) -> tuple[float, bool]:
    """The probability of the best-scored diary claim and whether it is the quote's own."""
    keep = _labelled(c, ids)
    if not keep.any():
        return 0.0, False
    p = model.probability(c.features())
    p[~keep] = -1.0
    best = int(np.argmax(p))
    return float(p[best]), bool(_gold(c, ids, strict)[best])


def fit_cross_language(
    quotes: Sequence[QuoteCandidates], ids: list[str], strict: dict[str, set[str]]
) -> tuple[Scorer, OutOfFold]:
    """The cross-language scorer (weights on every quote; thresholds out of fold)."""
    oof = out_of_fold(quotes, ids, strict)
    outcomes = [pair for pairs in oof.top1.values() for pair in pairs]
    confirmed = threshold_for(
        [p for p, _ in outcomes], [c for _, c in outcomes], CONFIRMED_PRECISION
    )
    thresholds = Thresholds(confirmed=confirmed, suggested=min(SUGGESTED_PROBABILITY, confirmed))
    x, y = training_pairs(quotes, ids, strict)
    scorer = fitted_scorer(fit_logistic(x, y, l2=L2), thresholds)
    languages = sorted({q.query.lang for q in quotes})
    return scorer.model_copy(
        update={
            "fitted_on": "Propaganda Diary development quotes in "
            f"{', '.join(languages)} against the 68 English claims, in a database with the "
            f"EUvsDisinfo 2015-2017 cases ({len(y):,} labelled pairs, each quote also without "
            f"its claim); thresholds from {FOLDS}-fold out-of-fold top-1 precision >= "
            f"{CONFIRMED_PRECISION} over quote groups; suggested from probability "
            f"{SUGGESTED_PROBABILITY}.",
        }
    ), oof
