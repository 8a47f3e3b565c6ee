"""Training a keyword model on labelled texts, with thresholds calibrated on the latest ones.

Keywords are the labels: those of at least ``min_count`` texts are learnt, the rarer ones of the
training texts are name-only (:mod:`.labels`). Keyword use drifts with time (new events, new
annotators' habits), so the thresholds are chosen the way the model will be used, on texts newer
than those it learnt from: the scorers are fitted on all but the most recent
``calibration_share`` of the texts (by date; undated texts count as the oldest), the thresholds
calibrated on those held-out recent texts (:func:`.calibrate.calibrate`), and then the scorers
are fitted again on every text. With ``half_life_days`` the learnt scorers also weigh each
training text by its age (:func:`.recency.recency_weights`).

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
from disproof.keywords.labels import LabelSpace, keyword_targets, label_space
from disproof.keywords.model import KeywordModel, combine
from disproof.keywords.recency import chronological_split, recency_weights
from disproof.keywords.scorers import (
    Features,
    LinearScorer,
    NameScorer,
    NeighbourScorer,
    PriorScorer,
    Scorer,
    TfidfScorer,
)
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
    #: With ``names``, also suggest the keywords of fewer than ``min_count`` training texts
    #: when a text contains their name (name-only keywords).
    name_only: bool = True
    #: Weigh training texts by age in the regressions and neighbour votes: a text this many
    #: days older than the newest weighs half as much; None: all weigh the same. Two years
    #: was best of one, two and none on the development windows, by half a point.
    half_life_days: float | None = 730.0
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
        if self.half_life_days is not None and self.half_life_days <= 0:
            raise DisproofError("half_life_days must be positive")

    @property
    def needs_vectors(self) -> bool:
        return "linear" in self.blend or "knn" in self.blend


def analyse(texts: Sequence[str], analyzer: Analyzer | None = None) -> list[list[str]]:
    """The analysed terms of each text (its language detected)."""
    analyzer = analyzer or Analyzer()
    return [analyzer.tokens(text, None) for text in texts]


def main_language(texts: Sequence[str], analyzer: Analyzer) -> str:
    """The most common language of the texts: the one keyword names are analysed in."""
    languages = Counter(analyzer.language_of(text) for text in texts[:5000])
    return languages.most_common(1)[0][0] if languages else "und"


def fit_scorers(
    features: Features,
    targets: Targets,
    options: KeywordOptions,
    dates: Sequence[dt.date | None] | None = None,
) -> tuple[Scorer, ...]:
    """The blended scorers, fitted on ``features`` and ``targets`` (texts of ``dates``)."""
    weights = None
    if options.half_life_days is not None and dates is not None:
        weights = recency_weights(dates, options.half_life_days)
    out: list[Scorer] = []
    for kind in options.blend:
        if kind == "prior":
            out.append(PriorScorer.fit(targets))
        elif kind == "tfidf":
            out.append(
                TfidfScorer.fit(
                    features.tokens,
                    targets,
                    options.tfidf_l2,
                    options.power,
                    options.tfidf_steps,
                    weights,
                )
            )
        elif kind == "linear":
            vectors = features.require_vectors()
            out.append(
                LinearScorer.fit(
                    vectors,
                    targets,
                    options.linear_l2,
                    options.power,
                    options.linear_steps,
                    weights,
                )
            )
        elif kind == "knn":
            vectors = features.require_vectors()
            out.append(
                NeighbourScorer(vectors, targets, options.neighbours, options.temperature, weights)
            )
    return tuple(out)


def _scores(
    blend: Sequence[Scorer], names: NameScorer | None, features: Features, width: int
) -> npt.NDArray[np.float64]:
    name_scores = names.scores(features) if names is not None else None
    return combine([s.scores(features) for s in blend], name_scores, (len(features), width))


def _name_only(
    items: Sequence[LabelledText], rows: npt.NDArray[np.intp], learnt: LabelSpace
) -> LabelSpace:
    """The keywords of the texts ``rows`` that are not learnt: the name-only keywords."""
    return label_space([items[int(i)].keywords for i in rows], 1, exclude=learnt.keys)


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
    dates = [item.date for item in items]
    older, newest = chronological_split(dates, options.calibration_share)
    width = len(space.labels)
    keywords = [item.keywords for item in items]

    def name_only(rows: npt.NDArray[np.intp]) -> LabelSpace | None:
        return _name_only(items, rows, space) if options.names and options.name_only else None

    def name_scorer(rows: npt.NDArray[np.intp], extra: LabelSpace | None) -> NameScorer | None:
        if not options.names:
            return None
        labels = space.labels + (extra.labels if extra else ())
        targets = space.targets[rows]
        if extra is not None:
            targets = np.hstack([targets, extra.targets])
        terms = [analyzer.tokens(label, language) for label in labels]
        return NameScorer.fit(terms, features.take(rows).tokens, targets)

    def part(rows: npt.NDArray[np.intp]) -> tuple[tuple[Scorer, ...], LabelSpace | None]:
        blend = fit_scorers(
            features.take(rows), space.targets[rows], options, [dates[int(i)] for i in rows]
        )
        return blend, name_only(rows)

    logger.info("fitting on %d cases, calibrating on the %d newest", len(older), len(newest))
    held_blend, held_extra = part(older)
    held_keys = space.keys + (held_extra.keys if held_extra else ())
    held_scores = _scores(
        held_blend, name_scorer(older, held_extra), features.take(newest), len(held_keys)
    )
    eligible = space.targets[older].sum(axis=0) >= (options.own_threshold_min or 0)
    fitted: Thresholds = calibrate(
        held_scores,
        keyword_targets([keywords[int(i)] for i in newest], held_keys),
        space.gold_counts[newest],
        min_positives=options.own_threshold_min,
        eligible=np.concatenate([eligible, np.zeros(len(held_keys) - width, dtype=bool)]),
    )
    everything = np.arange(len(items), dtype=np.intp)
    blend, extra = part(everything)
    name_only_thresholds = np.full(len(extra.labels) if extra else 0, fitted.shared)
    thresholds = Thresholds(
        np.concatenate([fitted.per_label[:width], name_only_thresholds]),
        fitted.floor,
        fitted.shared,
    )
    known = [d for d in dates if d is not None]
    newest_dates = [d for d in (dates[int(i)] for i in newest) if d is not None]
    info: dict[str, object] = {
        "cases": len(items),
        "calibration_cases": len(newest),
        "calibration_from": min(newest_dates).isoformat() if newest_dates else None,
        "latest_case": max(known).isoformat() if known else None,
        "keyword_language": language,
        "dim": None if features.vectors is None else int(features.vectors.shape[1]),
        "options": {**asdict(options), "blend": list(options.blend)},
        "label_cases": {**space.cases, **(extra.cases if extra else {})},
        **(meta or {}),
    }
    return KeywordModel(
        space.labels + (extra.labels if extra else ()),
        blend,
        name_scorer(everything, extra),
        thresholds,
        model_id if options.needs_vectors else None,
        info,
        width,
    )
