"""Training a keyword model on labelled texts, with thresholds calibrated on the latest ones.

Keywords are the labels: those of at least ``min_count`` texts (compared case- and
accent-insensitively, spelled as most texts spell them). Keyword use drifts with time (new
events, new annotators' habits), so the thresholds are chosen the way the model will be used, on
texts newer than those it learnt from: the scorers are fitted on all but the most recent
``calibration_share`` of the texts (by date; undated texts count as the oldest), the thresholds
calibrated on those held-out recent texts (:func:`.calibrate.calibrate`), and then the scorers
are fitted again on every text.

The defaults were chosen on the EUvsDisinfo case index inside its training years only: three
half-year windows of 2017–2018, each scored by a model trained on every earlier case
(``python -m benchmarks.keywords --dev``; docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from disproof.errors import DisproofError
from disproof.keywords.calibrate import Thresholds, calibrate
from disproof.keywords.model import KeywordModel, combine
from disproof.keywords.scorers import (
    Features,
    LinearScorer,
    NameScorer,
    NeighbourScorer,
    PriorScorer,
    Scorer,
    TfidfScorer,
)
from disproof.normalize import keyword_key
from disproof.text import Analyzer

logger = logging.getLogger(__name__)

Targets = npt.NDArray[np.bool_]
BLENDABLE = ("prior", "tfidf", "linear", "knn")


@dataclass(frozen=True, slots=True)
class LabelledText:
    """A training text (a case's title and summary), its keywords and its date."""

    text: str
    keywords: tuple[str, ...]
    date: dt.date | None = None


@dataclass(frozen=True)
class KeywordOptions:
    """What to learn and how; see docs/benchmarks.md for how the defaults were chosen."""

    min_count: int = 5
    #: Scorers whose scores are averaged (of :data:`BLENDABLE`).
    blend: tuple[str, ...] = ("tfidf", "linear", "knn")
    #: Raise a keyword's score to its name scorer's when the text contains its name.
    names: bool = True
    calibration_share: float = 0.1
    #: Keywords with at least this many gold texts both among the texts the scorers are first
    #: fitted on and among the calibration texts get a threshold of their own; None: one
    #: threshold for every keyword (best on the development windows: own thresholds fit the
    #: calibration months, not the months after).
    own_threshold_min: int | None = None
    tfidf_l2: float = 1e-3
    linear_l2: float = 0.1
    #: Positive rows weigh ``(negatives / positives) ** power`` in both regressions.
    power: float = 0.5
    tfidf_steps: int = 200
    linear_steps: int = 100
    neighbours: int = 30
    temperature: float = 0.05

    def __post_init__(self) -> None:
        unknown = set(self.blend) - set(BLENDABLE)
        if unknown:
            raise DisproofError(f"unknown scorers {sorted(unknown)}; choose from {BLENDABLE}")
        if not self.blend and not self.names:
            raise DisproofError("a keyword model needs at least one scorer")
        if not 0.0 < self.calibration_share <= 0.5:
            raise DisproofError("calibration_share must be in (0, 0.5]")
        if self.min_count < 1:
            raise DisproofError("min_count must be at least 1")

    @property
    def needs_vectors(self) -> bool:
        return "linear" in self.blend or "knn" in self.blend


@dataclass(frozen=True)
class LabelSpace:
    """The keywords learnt, each text's targets among them, and every text's keyword count."""

    labels: tuple[str, ...]
    targets: Targets
    gold_counts: npt.NDArray[np.int64]
    cases: dict[str, int]


def label_space(keyword_sets: Sequence[Sequence[str]], min_count: int) -> LabelSpace:
    """Keywords of at least ``min_count`` texts, spelled as most texts spell them."""
    keys = [sorted({keyword_key(k) for k in keywords if k.strip()}) for keywords in keyword_sets]
    spellings: dict[str, Counter[str]] = {}
    for keywords in keyword_sets:
        for keyword in keywords:
            if keyword.strip():
                spellings.setdefault(keyword_key(keyword), Counter())[keyword.strip()] += 1
    counts = Counter(key for row in keys for key in row)
    kept = sorted(k for k, c in counts.items() if c >= min_count)
    spelled = [min(spellings[k].items(), key=lambda item: (-item[1], item[0]))[0] for k in kept]
    column = {key: i for i, key in enumerate(kept)}
    targets = np.zeros((len(keys), len(kept)), dtype=bool)
    for row, row_keys in enumerate(keys):
        for key in row_keys:
            if key in column:
                targets[row, column[key]] = True
    gold_counts = np.array([len(row) for row in keys], dtype=np.int64)
    cases = {label: int(counts[key]) for label, key in zip(spelled, kept, strict=True)}
    return LabelSpace(tuple(spelled), targets, gold_counts, cases)


def chronological_split(
    dates: Sequence[dt.date | None], share: float
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """(older, newest) row numbers: the newest ``share`` of the texts by date, at least one."""
    order = sorted(range(len(dates)), key=lambda i: (dates[i] is not None, dates[i] or dt.date.min))
    held = min(max(1, round(share * len(dates))), len(dates) - 1)
    rows = np.array(order, dtype=np.intp)
    return np.sort(rows[: len(rows) - held]), np.sort(rows[len(rows) - held :])


def analyse(texts: Sequence[str], analyzer: Analyzer | None = None) -> list[list[str]]:
    """The analysed terms of each text (its language detected)."""
    analyzer = analyzer or Analyzer()
    return [analyzer.tokens(text, None) for text in texts]


def main_language(texts: Sequence[str], analyzer: Analyzer) -> str:
    """The most common language of the texts: the one keyword names are analysed in."""
    languages = Counter(analyzer.language_of(text) for text in texts[:5000])
    return languages.most_common(1)[0][0] if languages else "und"


def fit_scorers(
    features: Features, targets: Targets, options: KeywordOptions
) -> tuple[Scorer, ...]:
    """The blended scorers, fitted on ``features`` and ``targets``."""
    out: list[Scorer] = []
    for kind in options.blend:
        if kind == "prior":
            out.append(PriorScorer.fit(targets))
        elif kind == "tfidf":
            out.append(
                TfidfScorer.fit(
                    features.tokens, targets, options.tfidf_l2, options.power, options.tfidf_steps
                )
            )
        elif kind == "linear":
            vectors = features.require_vectors()
            out.append(
                LinearScorer.fit(
                    vectors, targets, options.linear_l2, options.power, options.linear_steps
                )
            )
        elif kind == "knn":
            vectors = features.require_vectors()
            out.append(NeighbourScorer(vectors, targets, options.neighbours, options.temperature))
    return tuple(out)


def _scores(
    blend: Sequence[Scorer], names: NameScorer | None, features: Features, width: int
) -> npt.NDArray[np.float64]:
    name_scores = names.scores(features) if names is not None else None
    return combine([s.scores(features) for s in blend], name_scores, (len(features), width))


def train(
    items: Sequence[LabelledText],
    vectors: npt.NDArray[np.float32] | None = None,
    options: KeywordOptions = KeywordOptions(),
    *,
    model_id: str | None = None,
    meta: dict[str, object] | None = None,
) -> KeywordModel:
    """A keyword model for ``items`` (``vectors``: their embeddings, one row each, if used)."""
    if options.needs_vectors and (vectors is None or len(vectors) != len(items)):
        raise DisproofError("the embedding scorers need one vector per training text")
    space = label_space([item.keywords for item in items], options.min_count)
    if not space.labels:
        raise DisproofError(
            f"no keyword is used by {options.min_count} or more of the {len(items)} cases; "
            "lower --min-count or add cases"
        )
    if len(items) < 10:
        raise DisproofError(f"need at least 10 cases with keywords to train, got {len(items)}")
    analyzer = Analyzer()
    language = main_language([item.text for item in items], analyzer)
    features = Features(
        analyse([item.text for item in items], analyzer),
        None if not options.needs_vectors or vectors is None else np.asarray(vectors, np.float32),
    )
    name_terms = [analyzer.tokens(label, language) for label in space.labels]
    older, newest = chronological_split([item.date for item in items], options.calibration_share)
    width = len(space.labels)

    def name_scorer(rows: npt.NDArray[np.intp]) -> NameScorer | None:
        if not options.names:
            return None
        part = features.take(rows)
        return NameScorer.fit(name_terms, part.tokens, space.targets[rows])

    logger.info("fitting on %d cases, calibrating on the %d newest", len(older), len(newest))
    held_scores = _scores(
        fit_scorers(features.take(older), space.targets[older], options),
        name_scorer(older),
        features.take(newest),
        width,
    )
    thresholds: Thresholds = calibrate(
        held_scores,
        space.targets[newest],
        space.gold_counts[newest],
        min_positives=options.own_threshold_min,
        eligible=space.targets[older].sum(axis=0) >= (options.own_threshold_min or 0),
    )
    everything = np.arange(len(items), dtype=np.intp)
    blend = fit_scorers(features, space.targets, options)
    dates = [item.date for item in items if item.date is not None]
    newest_dates = [d for d in (items[int(i)].date for i in newest) if d is not None]
    info: dict[str, object] = {
        "cases": len(items),
        "calibration_cases": len(newest),
        "calibration_from": min(newest_dates).isoformat() if newest_dates else None,
        "latest_case": max(dates).isoformat() if dates else None,
        "keyword_language": language,
        "dim": None if features.vectors is None else int(features.vectors.shape[1]),
        "options": {**asdict(options), "blend": list(options.blend)},
        "label_cases": space.cases,
        **(meta or {}),
    }
    return KeywordModel(
        space.labels,
        blend,
        name_scorer(everything),
        thresholds,
        model_id if options.needs_vectors else None,
        info,
    )
