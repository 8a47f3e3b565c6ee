"""Calibrated confidence: a logistic model over ``features.FEATURES`` and two thresholds, per
situation.

The weights and thresholds are data (``disproof/data/calibration/*.json``) for one embedding
model. A match is ``confirmed`` when its probability reaches the threshold that gave the target
precision on held-out data, ``suggested`` above a lower one, and dropped below.

Two situations are calibrated apart, because the features mean different things in them: a
**same-language** pair (a span and a case in one language; fitted by ``benchmarks.checkthat``
on English tweets against fact-checked claims) and a **cross-language** pair (e.g. a German
quote against an English case, where the lexical features are near zero by construction;
fitted by ``benchmarks.propaganda_diary`` on real pro-Kremlin quotes in de, it, ru and uk,
cross-validated over quote groups). Without a cross-language model, cross-language pairs use
the same-language one.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from disproof.match.article import ArticleRule
from disproof.match.features import FEATURES

Band = Literal["confirmed", "suggested", "none"]


class Thresholds(BaseModel):
    confirmed: float
    suggested: float


Situation = Literal["same-language", "cross-language"]


class Scorer(BaseModel):
    """A logistic model over ``FEATURES`` and its band thresholds, for one situation."""

    weights: list[float]
    bias: float
    mean: list[float]
    scale: list[float]
    thresholds: Thresholds
    fitted_on: str = ""
    measured: dict[str, float] = {}

    def probability(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        z = (x - np.array(self.mean)) / np.array(self.scale)
        logits = z @ np.array(self.weights) + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-logits)))

    def band(self, probability: float) -> Band:
        if probability >= self.thresholds.confirmed:
            return "confirmed"
        if probability >= self.thresholds.suggested:
            return "suggested"
        return "none"


class Calibration(Scorer):
    """The fitted scorers of one embedding model (``model_id``): as a :class:`Scorer` itself,
    the same-language model; ``cross_language`` the model for pairs in different languages."""

    model_id: str
    features: list[str]
    #: The rule for long texts (``article.py``); None: list a span's best case if confirmed.
    article: ArticleRule | None = None
    #: The model for a span and a case in different languages (None: the same-language one).
    cross_language: Scorer | None = None

    def probability(
        self, x: npt.NDArray[np.float64], cross: npt.NDArray[np.bool_] | None = None
    ) -> npt.NDArray[np.float64]:
        """The probability of each row of ``x``; rows where ``cross`` is set are scored by the
        cross-language model (when there is one)."""
        if list(FEATURES) != self.features:
            raise ValueError("calibration was fitted on other features; refit it")
        same = super().probability(x)
        if cross is None or self.cross_language is None or not cross.any():
            return same
        return np.where(cross, self.cross_language.probability(x), same)

    def band(self, probability: float, situation: Situation = "same-language") -> Band:
        if situation == "cross-language" and self.cross_language is not None:
            return self.cross_language.band(probability)
        return super().band(probability)

    def situation(self, cross: bool) -> Situation:
        """The calibration a pair is scored with (what a match reports)."""
        return "cross-language" if cross and self.cross_language is not None else "same-language"


def _file_name(model_id: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in model_id).strip("-") + ".json"


@cache
def calibration_for(model_id: str) -> Calibration | None:
    """The shipped calibration of an embedding model, or None if it has none."""
    source = resources.files("disproof.data.calibration") / _file_name(model_id)
    if not source.is_file():
        return None
    return Calibration.model_validate(json.loads(source.read_text(encoding="utf-8")))


def calibration_file_name(model_id: str) -> str:
    return _file_name(model_id)
