"""What else the article rule could consider (issue 13): each span's top-k candidates, and
windows of two adjacent spans, measured offline on the article-check articles.

    python -m benchmarks.article_variants

Proposals are computed once per article set (cached in benchmarks/.work) on the same
4,768-claim database as ``benchmarks.article_checks``; the shipped rule scores a span's best
candidate, a second logistic rule (fitted on the tuning articles only) scores the extra
proposals, and thresholds are chosen on the tuning articles; dev-test is only scored.
"""

from __future__ import annotations

import itertools
import math
import pickle
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.article_checks import WORK, checkthat_articles, checkthat_database
from benchmarks.article_data import Article
from benchmarks.article_eval import open_matcher

TOP = 3


@dataclass
class Proposal:
    article: int
    case: str
    kind: str  # "span" or "window"
    rank: int  # 0: the unit's best candidate
    probability: float
    best: float  # the unit's best candidate's probability
    base: npt.NDArray[np.float64]  # span_features of the unit (its best candidate)
    where: tuple[int, int]


def windows(text: str, spans: list[Any]) -> list[tuple[int, int]]:
    """Ranges of two adjacent spans in one paragraph (not two clauses of one sentence)."""
    out = []
    for a, b in itertools.pairwise(spans):
        gap = text[a.end : b.start]
        if "\n\n" in gap or b.start < a.end or "\n" in gap:
            continue
        out.append((a.start, b.end))
    return out


def proposals(matcher: Any, articles: list[Article]) -> list[Proposal]:
    from disproof.match.article import span_features
    from disproof.match.matcher import matching_text
    from disproof.text.claims import ClaimSpan
    from disproof.text.clauses import claim_clauses

    ids = {case.pk: case.id for case in matcher.corpus.case_texts()}
    out: list[Proposal] = []
    for n, article in enumerate(articles):
        spans, _ = claim_clauses(article.text)
        units = [("span", s) for s in spans]
        for start, end in windows(article.text, spans):
            first = next(s for s in spans if s.start == start)
            units.append(
                (
                    "window",
                    ClaimSpan(start, end, article.text[start:end], first.score, first.language),
                )
            )
        vectors = matcher.embedder.encode_queries([u.text for _, u in units])
        for (kind, unit), vector in zip(units, vectors, strict=True):
            tokens = matcher.analyzer.tokens(matching_text(unit.text), unit.language)
            candidates = matcher.score_span(tokens, vector, TOP + 1)
            if not candidates:
                continue
            base = span_features(matcher.span_evidence(candidates, unit, tokens))
            for rank, c in enumerate(candidates[:TOP]):
                case = ids[int(matcher.index.pks[c.row])]
                out.append(
                    Proposal(
                        n,
                        case,
                        kind,
                        rank,
                        c.probability,
                        candidates[0].probability,
                        base,
                        (unit.start, unit.end),
                    )
                )
    return out


def cached(name: str, matcher: Any, articles: list[Article]) -> list[Proposal]:
    path = WORK / f"article-variants-{name}.pkl"
    if path.exists():
        loaded: list[Proposal] = pickle.loads(path.read_bytes())
        return loaded
    found = proposals(matcher, articles)
    path.write_bytes(pickle.dumps(found))
    matcher.embedder.save()
    return found


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def extra_x(p: Proposal, main: float) -> npt.NDArray[np.float64]:
    return np.concatenate(
        [
            [_logit(p.probability), p.best - p.probability, float(p.rank)],
            p.base[2:],
            [_logit(main), 1.0 if p.kind == "window" else 0.0],
        ]
    )


def score(listed: list[dict[str, float]], articles: list[Article]) -> tuple[float, float, float]:
    right = sum(c in a.gold for lst, a in zip(listed, articles, strict=True) for c in lst)
    count = sum(len(lst) for lst in listed)
    gold = sum(len(a.gold) for a in articles)
    return (right / count if count else 1.0), right / gold, count / len(articles)


Listed = list[dict[str, float]]


def listing(
    props: list[Proposal],
    main: npt.NDArray[np.float64],
    extra: npt.NDArray[np.float64],
    t1: float,
    t2: float,
    n: int,
) -> Listed:
    """Each article's cases: a span's best candidate when the shipped rule passes ``t1``, any
    other proposal when the extra rule passes ``t2`` (one entry per case, at most 10)."""
    listed: Listed = [{} for _ in range(n)]
    for p, m, e in zip(props, main, extra, strict=True):
        first = p.kind == "span" and p.rank == 0
        s = m if first else e
        if s >= (t1 if first else t2):
            listed[p.article][p.case] = max(listed[p.article].get(p.case, 0.0), float(s))
    return [dict(sorted(d.items(), key=lambda kv: -kv[1])[:10]) for d in listed]


def main_probability(matcher: Any, props: list[Proposal]) -> npt.NDArray[np.float64]:
    rule = matcher.calibration.article
    return np.asarray(rule.probability(np.vstack([p.base for p in props])))


def fit(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> Any:
    from benchmarks.logistic import fit_logistic

    w, b, mean, scale = fit_logistic(x, y, l2=1.0)
    return lambda z: 1.0 / (1.0 + np.exp(-(((z - mean) / scale) @ w + b)))


def extra_probability(
    props: list[Proposal],
    main: npt.NDArray[np.float64],
    articles: list[Article],
    keep: Any,
    folds: int = 0,
    model: Any = None,
) -> tuple[npt.NDArray[np.float64], Any]:
    """The extra rule's probability of every proposal (0 for those it does not judge);
    out of fold over articles when ``folds``, else by ``model`` or one fitted on all."""
    mask = np.array([keep(p) and not (p.kind == "span" and p.rank == 0) for p in props])
    x = np.vstack([extra_x(p, m) for p, m in zip(props, main, strict=True)])
    y = np.array([p.case in articles[p.article].gold for p in props], dtype=np.float64)
    out = np.zeros(len(props))
    fold = np.array([p.article % max(1, folds) for p in props])
    if folds:
        for k in range(folds):
            train, test = mask & (fold != k), mask & (fold == k)
            out[test] = fit(x[train], y[train])(x[test])
        return out, None
    model = model or fit(x[mask], y[mask])
    out[mask] = model(x[mask])
    return out, model


def best_pair(
    props: list[Proposal],
    main: npt.NDArray[np.float64],
    extra: npt.NDArray[np.float64],
    articles: list[Article],
    target: float,
    t1s: list[float],
) -> tuple[float, float, tuple[float, float, float]]:
    best = (1.0, 1.0, (0.0, 0.0, 0.0))
    t2s = sorted({round(float(v), 3) for v in extra if v > 0})[::2] + [1.01]
    for t1 in t1s:
        for t2 in t2s:
            s = score(listing(props, main, extra, t1, t2, len(articles)), articles)
            if s[0] >= target and s[1] > best[2][1]:
                best = (t1, t2, s)
    return best


def curve(props, main, extra, articles, t1s, t2) -> list[str]:  # type: ignore[no-untyped-def]
    out = []
    for t1 in t1s:
        p, r, k = score(listing(props, main, extra, t1, t2, len(articles)), articles)
        out.append(f"t1={t1:.3f} t2={t2:.3f}: precision {p:.3f} recall {r:.3f} listed {k:.1f}")
    return out


def ceiling(props: list[Proposal], articles: list[Article], keep: Any) -> float:
    found = {(p.article, p.case) for p in props if keep(p) and p.case in articles[p.article].gold}
    return len(found) / sum(len(a.gold) for a in articles)


VARIANTS = {
    "best of each span (shipped)": lambda p: False,
    "+ span's 2nd": lambda p: p.kind == "span" and p.rank == 1,
    "+ span's 2nd and 3rd": lambda p: p.kind == "span",
    "+ windows' best": lambda p: p.kind == "window" and p.rank == 0,
    "+ windows' best, span's 2nd": lambda p: p.rank == 0 or (p.kind == "span" and p.rank == 1),
    "+ windows' top 2, span's 2nd": lambda p: p.rank <= 1,
}


def run() -> None:
    db, source = checkthat_database(False)
    matcher = open_matcher(db, source)
    tune_arts, test_arts = checkthat_articles("tune", 0), checkthat_articles("devtest", 1)
    tune, test = cached("tune", matcher, tune_arts), cached("devtest", matcher, test_arts)
    m_tune, m_test = main_probability(matcher, tune), main_probability(matcher, test)
    rule = matcher.calibration.article
    t1s = sorted({rule.suggested, *np.round(np.linspace(0.35, 0.8, 19), 3).tolist()})
    for name, keep in VARIANTS.items():
        top = ceiling(tune, tune_arts, lambda p, k=keep: k(p) or (p.kind, p.rank) == ("span", 0))
        print(f"\n## {name}: ceiling tune {top:.3f}")
        if name.endswith("(shipped)"):
            zero_tune, zero_test = np.zeros(len(tune)), np.zeros(len(test))
            print("\n".join(curve(tune, m_tune, zero_tune, tune_arts, t1s, 1.01)))
            s = score(
                listing(test, m_test, zero_test, rule.suggested, 1.01, len(test_arts)), test_arts
            )
            print(f"dev-test at shipped t1={rule.suggested}: {s}")
            continue
        oof, _ = extra_probability(tune, m_tune, tune_arts, keep, folds=5)
        for target in (0.85, 0.88, 0.90):
            t1, t2, s = best_pair(tune, m_tune, oof, tune_arts, target, t1s)
            _, model = extra_probability(tune, m_tune, tune_arts, keep)
            e_test, _ = extra_probability(test, m_test, test_arts, keep, model=model)
            d = score(listing(test, m_test, e_test, t1, t2, len(test_arts)), test_arts)
            print(
                f"target {target}: tune (extra out of fold) t1={t1:.3f} t2={t2:.3f} "
                f"P={s[0]:.3f} R={s[1]:.3f} n={s[2]:.1f} | "
                f"dev-test P={d[0]:.3f} R={d[1]:.3f} n={d[2]:.1f}"
            )


if __name__ == "__main__":
    run()
