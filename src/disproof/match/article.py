"""Article checks: which of a long text's spans really repeat a known case, one entry per case.

The calibrated probability (``calibration.py``) says how likely a candidate is *the* claim a
span repeats, judged by how far it stands above the other candidates. It was fitted on tweets
that all repeat a claim; in an article most sentences repeat nothing, and a short generic one
("What the Western media will not tell you about Ukraine") can have one candidate that stands
out while saying almost nothing. So a long text gets a second decision per span, on the span's
best candidate only, by a logistic rule over ``SPAN_FEATURES``:

- ``logit``: the calibrated probability of the span's best candidate, as a logit;
- ``gap``: how far it is above the span's second candidate (probabilities);
- ``specificity``: log(1 + the idf mass of the span's terms in the case summaries' BM25
  vocabulary) — a generic headline has little, a concrete claim much. It is fitted on a
  4,768-claim vocabulary; in a database of fewer than a thousand cases every span's idf mass
  is small (log N), so there it is not measured and counts as the fitted mean (NaN in the
  row, nothing in the rule);
- ``words``: log of the span's word count;
- ``question``: the span is a question (1) or not (0);
- ``worthiness``: the span's check-worthiness score (``text/claims.py``).

The rule is fitted by ``python -m benchmarks.article_checks --fit`` on articles made from
CheckThat! train + dev tweets and distractor sentences (never dev-test) and stored beside the
calibration (``Calibration.article``), with the threshold that gave the target case-level
precision there. Without a fitted rule, a long text lists a span's best case when it is
``confirmed``. The rule has seen English spans only: a span in another language lists its best
case when that case's claim-level band is ``suggested`` or ``confirmed`` (probability >= 0.5).
Cases are then listed once each (:func:`one_per_case`), best first.

**Windows.** A tweet's claim is often spread over two sentences, and cut into sentences no
sentence carries it alone. So a long text also checks each pair of adjacent English spans of
one paragraph as one more span (:func:`window_spans`, reason ``"window"``). A window proposes
its best candidate to a second rule of the same form (``ArticleRule.window``, fitted on the
tuning articles' windows, its ``suggested`` set as high as its ``confirmed``: windows must be
surer than spans); it never changes what a span lists, it can only add a case.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from disproof.models import CaseMatch, MatchSpan
from disproof.text.claims import ClaimSpan

SPAN_FEATURES = ("logit", "gap", "specificity", "words", "question", "worthiness")

#: A long text lists at most this many cases, or one per this many words if that is more.
MAX_CASES = 10
WORDS_PER_CASE = 30


class ArticleRule(BaseModel):
    """A fitted logistic rule over ``SPAN_FEATURES`` and the probability it must reach."""

    features: list[str]
    weights: list[float]
    bias: float
    mean: list[float]
    scale: list[float]
    #: The rule's probability from which a case is listed (``suggested``) and ``confirmed``.
    suggested: float
    confirmed: float
    fitted_on: str = ""
    measured: dict[str, float] = {}
    #: The rule for windows of two adjacent spans (:func:`window_spans`); None: no windows.
    window: ArticleRule | None = None

    def probability(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        if list(SPAN_FEATURES) != self.features:
            raise ValueError("article rule was fitted on other features; refit it")
        # a feature not measured (NaN) counts as its fitted mean: it adds nothing
        z = np.nan_to_num((x - np.array(self.mean)) / np.array(self.scale), nan=0.0)
        return np.asarray(1.0 / (1.0 + np.exp(-(z @ np.array(self.weights) + self.bias))))

    def band(self, probability: float) -> Literal["confirmed", "suggested", "none"]:
        if probability >= self.confirmed:
            return "confirmed"
        return "suggested" if probability >= self.suggested else "none"


@dataclass(frozen=True)
class SpanEvidence:
    """What the article rule sees of one span: its best candidates' probabilities and the
    span's own properties."""

    probabilities: Sequence[float]  # best first
    #: None where it is not measured (a database too small for it).
    idf_mass: float | None
    words: int
    question: bool
    worthiness: float


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def span_features(evidence: SpanEvidence) -> npt.NDArray[np.float64]:
    """One row of ``SPAN_FEATURES`` for a span's best candidate."""
    probabilities = list(evidence.probabilities) or [0.0]
    best = probabilities[0]
    second = probabilities[1] if len(probabilities) > 1 else 0.0
    return np.array(
        [
            _logit(best),
            best - second,
            math.nan if evidence.idf_mass is None else math.log1p(max(0.0, evidence.idf_mass)),
            math.log(max(1, evidence.words)),
            1.0 if evidence.question else 0.0,
            evidence.worthiness,
        ],
        dtype=np.float64,
    )


#: The reason that marks a window of two adjacent spans.
WINDOW = "window"


def window_spans(text: str, spans: Sequence[ClaimSpan], language: str) -> list[ClaimSpan]:
    """Each pair of adjacent spans in ``language`` with only spaces between them (one
    paragraph, no line break), as one span ``text[first.start:second.end]``; the pair's
    worthiness is the higher of the two."""
    out = []
    for a, b in itertools.pairwise(spans):
        if a.language != language or b.language != language or b.start < a.end:
            continue
        if "\n" in text[a.end : b.start]:
            continue
        score = max(a.score, b.score)
        out.append(ClaimSpan(a.start, b.end, text[a.start : b.end], score, language, (WINDOW,)))
    return out


def max_cases(words: int) -> int:
    """How many cases a text of ``words`` words lists at most."""
    return max(MAX_CASES, words // WORDS_PER_CASE)


def one_per_case(matches: Sequence[CaseMatch], limit: int | None = None) -> list[CaseMatch]:
    """Each case once: its best-scoring match, with every span that matched it (in text
    order) in ``spans``; best score first, then text order. ``limit`` keeps the best few."""
    best: dict[str, CaseMatch] = {}
    spans: dict[str, dict[tuple[int, int], MatchSpan]] = {}
    for match in matches:
        current = best.get(match.case_id)
        if current is None or match.score > current.score:
            best[match.case_id] = match
        for span in match.spans or [match.span]:
            spans.setdefault(match.case_id, {}).setdefault((span.start, span.end), span)
    merged = [
        match.model_copy(
            update={"spans": [s for _, s in sorted(spans[case_id].items(), key=lambda kv: kv[0])]}
        )
        for case_id, match in best.items()
    ]
    merged.sort(key=lambda m: (-m.score, m.span.start, m.case_id))
    return merged[:limit] if limit is not None else merged
